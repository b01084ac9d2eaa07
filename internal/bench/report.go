package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Contenders, in the order of the tables and the chart. Each has the same
// shape at size N: N "providers" and N "aliases", each alias referring to one
// provider (docs/benchmarks.md shows the configurations).
const (
	// SideLean is the floor: plain terraform_data resources (built into the
	// CLI), one string input each, no count.
	SideLean = "terraform_data"
	// SideAegis is this provider: N aegis_llm_provider + N aegis_llm_alias.
	SideAegis = "aegis"
	// SideTime is a peer framework provider: hashicorp/time's time_static, built
	// from its Go module, with default settings.
	SideTime = "time_static"
	// SideCount is the earlier floor: count-indexed terraform_data resources
	// carrying the aegis objects' values (O(N²) in Terraform 1.5's evaluation).
	SideCount = "terraform_data count"
)

// Sides lists the contenders; ratios are to SideLean.
var Sides = []string{SideLean, SideAegis, SideTime, SideCount}

// Steps, in the order one round runs them for each contender.
const (
	StepApply     = "apply"
	StepPlan      = "plan"
	StepPlanNoRef = "plan -refresh=false"
	StepDestroy   = "destroy"
)

// Steps lists the CLI steps of one round in order.
var Steps = []string{StepApply, StepPlan, StepPlanNoRef, StepDestroy}

// Results is everything one run measured.
type Results struct {
	Date        time.Time      `json:"date"`
	Machine     Machine        `json:"machine"`
	CLI         string         `json:"cli"`
	Parallelism int            `json:"parallelism"`
	Server      string         `json:"server"` // how the admin server ran (flags)
	TimeVersion string         `json:"time_provider"`
	Ns          []int          `json:"n"`
	CountNs     []int          `json:"count_n"` // sizes at which SideCount ran
	Rounds      map[int]int    `json:"rounds"`
	LoadBefore  float64        `json:"load_before"`
	LoadAfter   float64        `json:"load_after"`
	Samples     []StepSample   `json:"samples"`
	Writers     []WriterResult `json:"server_alone"`
	Duration    float64        `json:"duration_s"`
	// Stopped says why a run was stopped before it ended (set when rendering
	// its partial results.json with BENCH_STOPPED).
	Stopped string `json:"stopped,omitempty"`
}

// StepSample is one CLI command of one round.
type StepSample struct {
	N     int    `json:"n"`
	Round int    `json:"round"`
	Side  string `json:"side"`
	Step  string `json:"step"`
	// Wall is the command's wall time, CPU the user+system time of the CLI and
	// the plugins it waited for (rusage), ServerCPU that of the admin server
	// during the command.
	Wall      float64 `json:"wall_s"`
	CPU       float64 `json:"cpu_s"`
	ServerCPU float64 `json:"server_cpu_s,omitempty"`
	// ProviderCPU is the CPU time of the provider plugin processes (sampled, so
	// short of at most 50 ms each).
	ProviderCPU float64 `json:"provider_cpu_s,omitempty"`
	// Peak RSS of the CLI process and of the largest provider plugin process, in bytes.
	CLIRSS      int64 `json:"cli_peak_rss"`
	ProviderRSS int64 `json:"provider_peak_rss,omitempty"`
	Plugins     int   `json:"provider_processes,omitempty"`
	// HTTP requests the server received during the command (the benchmark's own
	// status reads excluded), by route, and reloads it made.
	Requests int64          `json:"requests,omitempty"`
	ByRoute  map[string]int `json:"by_route,omitempty"`
	Reloads  int64          `json:"reloads,omitempty"`
	// Batches counts the reloads by the number of changes each carried.
	Batches   map[int]int `json:"batches,omitempty"`
	Resources int         `json:"resources"`
}

// WriterResult is the admin server alone under concurrent writers.
type WriterResult struct {
	Preloaded int     `json:"preloaded_providers"`
	Writers   int     `json:"writers"`
	Writes    int     `json:"writes"`
	Wall      float64 `json:"wall_s"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	Max       float64 `json:"max_ms"`
	Reloads   int64   `json:"reloads"`
}

// Median returns the median of xs (the mean of the middle two for an even count).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of xs.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// samples returns the samples of one N, side and step.
func (r *Results) samples(n int, side, step string) []StepSample {
	var out []StepSample
	for _, s := range r.Samples {
		if s.N == n && s.Side == side && s.Step == step {
			out = append(out, s)
		}
	}
	return out
}

func medianOf(ss []StepSample, f func(StepSample) float64) float64 {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = f(s)
	}
	return Median(xs)
}

// Wall and CPU pick what a ratio compares.
func Wall(s StepSample) float64 { return s.Wall }

// CPU is user + system time of the CLI and its plugins.
func CPU(s StepSample) float64 { return s.CPU }

// Median returns the median of f over the samples of one N, side and step (NaN
// when there are none).
func (r *Results) Median(n int, side, step string, f func(StepSample) float64) float64 {
	return medianOf(r.samples(n, side, step), f)
}

// Ratio returns the median of f on side over that on the lean floor, for one N
// and step (NaN when either was not measured).
func (r *Results) Ratio(n int, side, step string, f func(StepSample) float64) float64 {
	return r.Median(n, side, step, f) / r.Median(n, SideLean, step, f)
}

// countRange formats integer counts that should not vary between rounds: "7",
// or "7–9" when they did.
func countRange(ss []StepSample, f func(StepSample) int64) string {
	if len(ss) == 0 {
		return "–"
	}
	lo, hi := f(ss[0]), f(ss[0])
	for _, s := range ss[1:] {
		lo, hi = min(lo, f(s)), max(hi, f(s))
	}
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

func maxOf(ss []StepSample, f func(StepSample) int64) int64 {
	var m int64
	for _, s := range ss {
		m = max(m, f(s))
	}
	return m
}

func mib(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

// routeSummary merges the per-route counts of samples (median per route) into
// "GET config ×1, PUT providers/{name} ×500".
func routeSummary(ss []StepSample) string {
	routes := map[string][]float64{}
	for _, s := range ss {
		for k := range s.ByRoute {
			routes[k] = nil
		}
	}
	if len(routes) == 0 {
		return "–"
	}
	for k := range routes {
		for _, s := range ss {
			routes[k] = append(routes[k], float64(s.ByRoute[k]))
		}
	}
	keys := make([]string, 0, len(routes))
	for k := range routes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("`%s` ×%s", k, trimFloat(Median(routes[k]))))
	}
	return strings.Join(parts, ", ")
}

// batchSummary adds up the reloads of samples by the number of changes each
// carried: "10 changes ×299, 4 ×1".
func batchSummary(ss []StepSample) string {
	total := map[int]int{}
	for _, s := range ss {
		for k, v := range s.Batches {
			total[k] += v
		}
	}
	if len(total) == 0 {
		return "–"
	}
	sizes := make([]int, 0, len(total))
	for k := range total {
		sizes = append(sizes, k)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(sizes)))
	parts := make([]string, 0, len(sizes))
	for i, k := range sizes {
		unit := ""
		if i == 0 {
			unit = " changes"
		}
		parts = append(parts, fmt.Sprintf("%d%s ×%d", k, unit, total[k]))
	}
	return strings.Join(parts, ", ")
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// Target is one target of issue 13 and whether this run met it.
type Target struct {
	Name, Want, Got string
	Met             *bool // nil: not measured, or reported only
}

// secs formats a median in seconds, "–" when nothing was measured.
func secs(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func fmtRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", v)
}

// Targets evaluates the benchmark targets against the results (median wall
// times; the CPU ratio is given beside each time ratio).
func (r *Results) Targets() []Target {
	bp := func(b bool) *bool { return &b }
	var out []Target
	// measured keeps the sizes at which aegis and the lean floor both ran.
	measured := func(ns ...int) []int {
		var m []int
		for _, n := range ns {
			if slices.Contains(r.Ns, n) && len(r.samples(n, SideAegis, StepApply)) > 0 && len(r.samples(n, SideLean, StepApply)) > 0 {
				m = append(m, n)
			}
		}
		return m
	}

	ratioTarget := func(name, want string, ns []int, side, step string, ok func(float64) bool, inverse bool) Target {
		t := Target{Name: name, Want: want}
		var got []string
		met := len(ns) > 0
		for _, n := range ns {
			v, c := r.Ratio(n, side, step, Wall), r.Ratio(n, side, step, CPU)
			if inverse {
				v, c = 1/v, 1/c
			}
			got = append(got, fmt.Sprintf("%s at N = %d (CPU %s)", fmtRatio(v), n, fmtRatio(c)))
			met = met && ok(v)
		}
		if len(ns) == 0 {
			t.Got = "not measured at these sizes"
			return t
		}
		t.Got, t.Met = strings.Join(got, ", "), bp(met)
		return t
	}
	planNs := measured(300, 1000)
	out = append(out,
		ratioTarget("Plan with refresh, aegis / lean terraform_data", "≤ 2.5× at N = 300 and 1000", planNs, SideAegis, StepPlan,
			func(v float64) bool { return v <= 2.5 }, false),
		ratioTarget("Stretch: the same", "≤ 2.0×", planNs, SideAegis, StepPlan, func(v float64) bool { return v <= 2.0 }, false))
	// time_static / aegis: how many times faster aegis plans than the peer.
	peer := Target{Name: "Plan with refresh, time_static / aegis", Want: "≥ 2× (aegis at least twice as fast) at N = 300 and 1000"}
	if len(planNs) > 0 {
		var got []string
		met := true
		for _, n := range planNs {
			if len(r.samples(n, SideTime, StepPlan)) == 0 {
				got = append(got, fmt.Sprintf("not measured at N = %d", n))
				continue
			}
			v := r.Median(n, SideTime, StepPlan, Wall) / r.Median(n, SideAegis, StepPlan, Wall)
			c := r.Median(n, SideTime, StepPlan, CPU) / r.Median(n, SideAegis, StepPlan, CPU)
			got = append(got, fmt.Sprintf("%s at N = %d (CPU %s)", fmtRatio(v), n, fmtRatio(c)))
			met = met && v >= 2
		}
		peer.Got, peer.Met = strings.Join(got, ", "), bp(met)
	} else {
		peer.Got = "not measured at these sizes"
	}
	out = append(out, peer,
		ratioTarget("Apply of 2N creates, aegis / lean terraform_data", "≤ 1.6× at N = 1000", measured(1000), SideAegis, StepApply,
			func(v float64) bool { return v <= 1.6 }, false))

	relOK := true
	var got []string
	for _, n := range r.Ns {
		ss := r.samples(n, SideAegis, StepApply)
		if len(ss) == 0 {
			continue
		}
		limit := int64((2*n + 9) / 10)
		got = append(got, fmt.Sprintf("%s at N = %d (limit %d)", countRange(ss, func(s StepSample) int64 { return s.Reloads }), n, limit))
		relOK = relOK && len(ss) > 0 && maxOf(ss, func(s StepSample) int64 { return s.Reloads }) <= limit
	}
	out = append(out, Target{Name: "Reloads per apply of 2N creates (parallelism 10)", Want: "≤ ⌈2N/10⌉ in every round", Got: strings.Join(got, ", "), Met: bp(relOK)})

	reqOK := true
	got = nil
	for _, n := range r.Ns {
		ss := r.samples(n, SideAegis, StepPlan)
		if len(ss) == 0 {
			continue
		}
		got = append(got, fmt.Sprintf("%s at N = %d", countRange(ss, func(s StepSample) int64 { return s.Requests }), n))
		reqOK = reqOK && len(ss) > 0 && maxOf(ss, func(s StepSample) int64 { return s.Requests }) == 1 &&
			slices.Min(int64s(ss, func(s StepSample) int64 { return s.Requests })) == 1
	}
	out = append(out, Target{Name: "Requests per refresh of 2N resources", Want: "1 at every N", Got: strings.Join(got, ", "), Met: bp(reqOK)})

	rss := Target{Name: "Provider peak RSS at N = 1000", Want: "< 150 MiB in every step"}
	if len(r.samples(1000, SideAegis, StepApply)) > 0 {
		var worst int64
		var parts []string
		for _, step := range Steps {
			ss := r.samples(1000, SideAegis, step)
			if len(ss) == 0 {
				continue
			}
			m := maxOf(ss, func(s StepSample) int64 { return s.ProviderRSS })
			worst = max(worst, m)
			parts = append(parts, fmt.Sprintf("%s %s", step, mib(m)))
		}
		rss.Got, rss.Met = strings.Join(parts, ", "), bp(worst > 0 && worst < 150<<20 && len(parts) == len(Steps))
	} else {
		rss.Got = "not measured at N = 1000"
	}
	return append(out, rss)
}

func int64s(ss []StepSample, f func(StepSample) int64) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// sidesAt lists the contenders measured at size n.
func (r *Results) sidesAt(n int) []string {
	var out []string
	for _, side := range Sides {
		for _, step := range Steps {
			if len(r.samples(n, side, step)) > 0 {
				out = append(out, side)
				break
			}
		}
	}
	return out
}

// Markdown renders the results section of docs/benchmarks.md.
func (r *Results) Markdown(chartName string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	m := r.Machine
	w("Measured %s (UTC) in %.0f minutes.\n\n", r.Date.UTC().Format("2006-01-02 15:04"), r.Duration/60)
	if r.Stopped != "" {
		w("**The run was stopped before it ended:** %s\n\n", r.Stopped)
	}
	w("| | |\n|---|---|\n")
	w("| machine | %d CPUs, %s, %.1f GiB memory, Linux %s |\n", m.CPUs, orNA(m.Model), m.MemoryGB, orNA(m.Kernel))
	w("| load average (1 min) | %.2f before, %s after; the machine was shared with other builds and tests |\n", r.LoadBefore, map[bool]string{true: "n/a", false: fmt.Sprintf("%.2f", r.LoadAfter)}[r.LoadAfter <= 0])
	w("| Go | %s |\n", m.GoVer)
	w("| CLI | %s, default parallelism (%d) |\n", r.CLI, r.Parallelism)
	w("| peer provider | %s |\n", orNA(r.TimeVersion))
	w("| admin server | %s |\n", r.Server)
	var rounds []string
	for _, n := range r.Ns {
		done := fmt.Sprintf("%d at N = %d", r.Rounds[n], n)
		if r.Rounds[n] == 0 && len(r.sidesAt(n)) > 0 {
			done = fmt.Sprintf("round 0 at N = %d incomplete (%s measured)", n, strings.Join(r.sidesAt(n), ", "))
		}
		rounds = append(rounds, done)
	}
	w("| rounds | %s; every round runs each contender's four steps, the contenders' order rotating |\n", strings.Join(rounds, ", "))
	if len(r.CountNs) > 0 {
		var ns []string
		for _, n := range r.CountNs {
			ns = append(ns, fmt.Sprint(n))
		}
		w("| `%s` | run at N = %s only |\n", SideCount, strings.Join(ns, ", "))
	}
	w("\n### Targets\n\n| target | wanted | measured (median wall time; CPU ratio beside) | |\n|---|---|---|---|\n")
	for _, t := range r.Targets() {
		verdict := "reported"
		if t.Met != nil {
			verdict = map[bool]string{true: "**met**", false: "**missed**"}[*t.Met]
		}
		w("| %s | %s | %s | %s |\n", t.Name, t.Want, t.Got, verdict)
	}

	w("\n### Time against the lean floor\n\n")
	w("Median wall time over the rounds, in seconds, and in brackets the ratio to the lean `terraform_data` floor of the same N and step. CPU is user + system time of the CLI and its provider plugins (from `rusage`), less sensitive to the machine's other load than wall time.\n\n")
	for _, n := range r.Ns {
		sides := r.sidesAt(n)
		if len(sides) == 0 {
			continue
		}
		w("**N = %d** (%d resources per contender)\n\n| step |", n, 2*n)
		for _, side := range sides {
			w(" %s |", side)
		}
		for _, side := range sides {
			w(" %s CPU |", side)
		}
		w("\n|---|%s%s\n", strings.Repeat("---:|", len(sides)), strings.Repeat("---:|", len(sides)))
		for _, step := range Steps {
			w("| %s |", step)
			for _, f := range []func(StepSample) float64{Wall, CPU} {
				for _, side := range sides {
					v := r.Median(n, side, step, f)
					if side == SideLean || math.IsNaN(v) {
						w(" %s |", secs(v))
						continue
					}
					w(" %s (**%s**) |", secs(v), fmtRatio(r.Ratio(n, side, step, f)))
				}
			}
			w("\n")
		}
		w("\n")
	}
	if chartName != "" {
		w("![Median wall time over the lean terraform_data floor against N, one panel per step, one line per contender](%s)\n\n", chartName)
	}

	w("### Where the CPU goes (aegis)\n\n")
	w("Median CPU seconds: the CLI with its plugins (as above), the provider plugin processes alone (sampled every 50 ms), and the admin server during the command. CLI without plugin = the first less the second.\n\n")
	w("| N | step | CLI + plugins | aegis plugins | time_static plugins | admin server |\n|---:|---|---:|---:|---:|---:|\n")
	pcpu := func(s StepSample) float64 { return s.ProviderCPU }
	scpu := func(s StepSample) float64 { return s.ServerCPU }
	for _, n := range r.Ns {
		if len(r.sidesAt(n)) == 0 {
			continue
		}
		for _, step := range Steps {
			w("| %d | %s | %s | %s | %s | %s |\n", n, step, secs(r.Median(n, SideAegis, step, CPU)), secs(r.Median(n, SideAegis, step, pcpu)),
				secs(r.Median(n, SideTime, step, pcpu)), secs(r.Median(n, SideAegis, step, scpu)))
		}
	}

	w("\n### Requests and reloads (aegis)\n\n")
	w("Counted by the server (`requests_total`, `reloads_total` of `GET /v1/admin/status`; the benchmark's own status reads are subtracted), per command, over all rounds (one value when every round agreed).\n\n")
	w("| N | step | requests | by route (median) | reloads | ⌈2N/10⌉ | reloads by changes carried (all rounds) |\n|---:|---|---:|---|---:|---:|---|\n")
	for _, n := range r.Ns {
		if len(r.sidesAt(n)) == 0 {
			continue
		}
		for _, step := range Steps {
			ss := r.samples(n, SideAegis, step)
			limit := "–"
			if step == StepApply || step == StepDestroy {
				limit = fmt.Sprint((2*n + 9) / 10)
			}
			w("| %d | %s | %s | %s | %s | %s | %s |\n", n, step,
				countRange(ss, func(s StepSample) int64 { return s.Requests }), routeSummary(ss),
				countRange(ss, func(s StepSample) int64 { return s.Reloads }), limit, batchSummary(ss))
		}
	}

	w("\n### Memory\n\nPeak RSS (VmHWM, sampled every 50 ms; largest over the rounds) of the CLI with each contender, and of the provider plugin processes.\n\n")
	w("| N | step |")
	for _, side := range Sides {
		w(" terraform, %s |", side)
	}
	w(" aegis plugin | time_static plugin |\n|---:|---|%s---:|---:|\n", strings.Repeat("---:|", len(Sides)))
	for _, n := range r.Ns {
		if len(r.sidesAt(n)) == 0 {
			continue
		}
		for _, step := range Steps {
			w("| %d | %s |", n, step)
			for _, side := range Sides {
				w(" %s |", mib(maxOf(r.samples(n, side, step), func(s StepSample) int64 { return s.CLIRSS })))
			}
			w(" %s | %s |\n", mib(maxOf(r.samples(n, SideAegis, step), func(s StepSample) int64 { return s.ProviderRSS })),
				mib(maxOf(r.samples(n, SideTime, step), func(s StepSample) int64 { return s.ProviderRSS })))
		}
	}

	if len(r.Writers) > 0 {
		w("\n### The admin server alone\n\n")
		w("Concurrent writers, each doing sequential `PUT /v1/admin/llm/providers/{name}` (creates of distinct providers) through `internal/client`, on a fresh server whose config already holds the given number of providers. Latency is per request, client side.\n\n")
		w("| providers already in the config | writers | writes | p50 (ms) | p99 (ms) | max (ms) | reloads | changes per reload | writes/s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, x := range r.Writers {
			w("| %d | %d | %d | %.1f | %.1f | %.1f | %d | %.1f | %.0f |\n", x.Preloaded, x.Writers, x.Writes, x.P50, x.P99, x.Max, x.Reloads,
				float64(x.Writes)/float64(max(x.Reloads, 1)), float64(x.Writes)/x.Wall)
		}
	}
	return b.String()
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// Markers delimit the generated part of docs/benchmarks.md; the text around
// them is written by hand and kept.
const (
	BeginMarker = "<!-- bench:begin (generated by `make bench`; edit outside the markers) -->"
	EndMarker   = "<!-- bench:end -->"
)

// UpdateDoc replaces the generated section of the Markdown file at path (between
// the markers) with section, creating the file with a short frame when it does
// not exist.
func UpdateDoc(path, section string) error {
	old, err := os.ReadFile(path) //nolint:gosec // the Markdown file the benchmark was told to update
	if errors.Is(err, fs.ErrNotExist) {
		old = []byte("# Benchmarks\n\n" + BeginMarker + "\n" + EndMarker + "\n")
	} else if err != nil {
		return err
	}
	begin := bytes.Index(old, []byte(BeginMarker))
	end := bytes.Index(old, []byte(EndMarker))
	if begin < 0 || end < begin {
		return fmt.Errorf("%s lacks the markers %q ... %q", path, BeginMarker, EndMarker)
	}
	var out bytes.Buffer
	out.Write(old[:begin+len(BeginMarker)])
	out.WriteString("\n" + strings.TrimSpace(section) + "\n")
	out.Write(old[end:])
	return os.WriteFile(path, out.Bytes(), 0o644) //nolint:gosec // a documentation file
}

// WriteJSON writes the raw results.
func (r *Results) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644) //nolint:gosec // not secret
}

// Chart draws, for each step, the median wall time of every contender over the
// lean terraform_data floor against N (one panel per step, one line per
// contender), as a PNG.
func (r *Results) Chart(path string) error {
	ns := slices.Clone(r.Ns)
	sort.Ints(ns)
	colors := map[string]color.Color{
		SideLean:  color.Gray{Y: 0x60},
		SideAegis: color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
		SideTime:  color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
		SideCount: color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	}
	shapes := map[string]draw.GlyphDrawer{SideLean: draw.CrossGlyph{}, SideAegis: draw.CircleGlyph{}, SideTime: draw.SquareGlyph{}, SideCount: draw.TriangleGlyph{}}
	rows, cols := 2, 2
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
	}
	for i, step := range Steps {
		p := plot.New()
		p.Title.Text = step
		p.X.Label.Text = "N (2N resources)"
		p.Y.Label.Text = "wall time / lean terraform_data"
		p.Legend.Top, p.Legend.Left = true, false
		p.Legend.XOffs = -vg.Points(6)
		p.Add(plotter.NewGrid())
		hi := 1.5
		for _, side := range Sides {
			pts := make(plotter.XYs, 0, len(ns))
			for _, n := range ns {
				v := r.Ratio(n, side, step, Wall)
				if math.IsNaN(v) || math.IsInf(v, 0) {
					continue
				}
				pts = append(pts, plotter.XY{X: float64(n), Y: v})
				hi = max(hi, v)
			}
			if len(pts) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(pts)
			if err != nil {
				return err
			}
			line.Color, line.Width = colors[side], vg.Points(2)
			if side == SideLean {
				line.Dashes = []vg.Length{vg.Points(2), vg.Points(3)}
				line.Width = vg.Points(1)
			}
			points.Color, points.Shape, points.Radius = colors[side], shapes[side], vg.Points(3)
			p.Add(line, points)
			p.Legend.Add(side, line, points)
		}
		if target, ok := map[string]float64{StepPlan: 2.5, StepApply: 1.6}[step]; ok {
			l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: target}, {X: float64(ns[len(ns)-1]) * 1.05, Y: target}})
			if err != nil {
				return err
			}
			l.Color, l.Dashes, l.Width = color.Gray{Y: 0x30}, []vg.Length{vg.Points(8), vg.Points(4)}, vg.Points(1)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("target for aegis (%.1f×)", target), l)
		}
		// Head room for the legend above the lines.
		p.Y.Min, p.Y.Max = 0, math.Ceil(hi*1.6*2)/2
		p.X.Min, p.X.Max = 0, float64(ns[len(ns)-1])*1.05
		ticks := make([]plot.Tick, 0, len(ns))
		for _, n := range ns {
			ticks = append(ticks, plot.Tick{Value: float64(n), Label: fmt.Sprint(n)})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		plots[i/cols][i%cols] = p
	}
	img := vgimg.New(11*vg.Inch, 8*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(16), PadY: vg.Points(16),
		PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(8)}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	f, err := os.Create(path) //nolint:gosec // the chart the benchmark was told to write
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
