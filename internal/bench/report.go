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
)

// Sides of the A/B comparison.
const (
	SideAegis = "aegis"
	SideData  = "terraform_data"
)

// Steps, in the order one round runs them on each side.
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
	Ns          []int          `json:"n"`
	Rounds      map[int]int    `json:"rounds"`
	LoadBefore  float64        `json:"load_before"`
	LoadAfter   float64        `json:"load_after"`
	Samples     []StepSample   `json:"samples"`
	Writers     []WriterResult `json:"server_alone"`
	Duration    float64        `json:"duration_s"`
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

// Ratio returns the median wall time of the aegis side over that of the
// terraform_data side for one N and step.
func (r *Results) Ratio(n int, step string) float64 {
	a := medianOf(r.samples(n, SideAegis, step), func(s StepSample) float64 { return s.Wall })
	d := medianOf(r.samples(n, SideData, step), func(s StepSample) float64 { return s.Wall })
	return a / d
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

// Target is one target of the issue and whether this run met it.
type Target struct {
	Name, Want, Got string
	Met             *bool // nil: reported only
}

// Targets evaluates the benchmark targets against the results.
func (r *Results) Targets() []Target {
	bp := func(b bool) *bool { return &b }
	var out []Target
	maxN := slices.Max(r.Ns)

	planTarget := Target{Name: "Plan (with refresh) at N = 1000", Want: "≤ 1.25× the terraform_data plan"}
	if slices.Contains(r.Ns, 1000) {
		ratio := r.Ratio(1000, StepPlan)
		planTarget.Got = fmt.Sprintf("%.2f×", ratio)
		planTarget.Met = bp(ratio <= 1.25)
	} else {
		planTarget.Got = fmt.Sprintf("not measured at N = 1000 (largest N: %d, ratio %.2f×)", maxN, r.Ratio(maxN, StepPlan))
	}
	out = append(out, planTarget)

	reqOK, reqConst := true, true
	var got []string
	var first int64 = -1
	for _, n := range r.Ns {
		ss := r.samples(n, SideAegis, StepPlan)
		m := maxOf(ss, func(s StepSample) int64 { return s.Requests })
		got = append(got, fmt.Sprintf("%s at N = %d", countRange(ss, func(s StepSample) int64 { return s.Requests }), n))
		if m > int64(2*n+2) {
			reqOK = false
		}
		if first < 0 {
			first = m
		} else if m != first {
			reqConst = false
		}
	}
	out = append(out,
		Target{Name: "Requests per refresh of 2N resources", Want: "≤ 2N + 2", Got: strings.Join(got, ", "), Met: bp(reqOK)},
		Target{Name: "Stretch: requests per refresh O(1)", Want: "the same small count at every N", Got: strings.Join(got, ", "), Met: bp(reqConst && first <= 2)},
	)

	relOK := true
	got = nil
	for _, n := range r.Ns {
		ss := r.samples(n, SideAegis, StepApply)
		m := maxOf(ss, func(s StepSample) int64 { return s.Reloads })
		got = append(got, fmt.Sprintf("%s for %d changes", countRange(ss, func(s StepSample) int64 { return s.Reloads }), 2*n))
		if m*10 > int64(2*n) {
			relOK = false
		}
	}
	out = append(out, Target{Name: "Reloads per apply of 2N changes (parallelism 10)", Want: "≤ one per ten changes", Got: strings.Join(got, ", "), Met: bp(relOK)})

	ap := r.samples(maxN, SideAegis, StepApply)
	pl := r.samples(maxN, SideAegis, StepPlan)
	dp := r.samples(maxN, SideData, StepApply)
	out = append(out, Target{Name: fmt.Sprintf("Provider peak RSS at N = %d", maxN), Want: "reported beside Terraform's own",
		Got: fmt.Sprintf("provider %s (apply), %s (plan); terraform %s with aegis, %s with terraform_data (apply)",
			mib(maxOf(ap, func(s StepSample) int64 { return s.ProviderRSS })), mib(maxOf(pl, func(s StepSample) int64 { return s.ProviderRSS })),
			mib(maxOf(ap, func(s StepSample) int64 { return s.CLIRSS })), mib(maxOf(dp, func(s StepSample) int64 { return s.CLIRSS })))})
	return out
}

// Markdown renders the results section of docs/benchmarks.md.
func (r *Results) Markdown(chartName string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	m := r.Machine
	w("Measured %s (UTC) in %.0f minutes.\n\n", r.Date.UTC().Format("2006-01-02 15:04"), r.Duration/60)
	w("| | |\n|---|---|\n")
	w("| machine | %d CPUs, %s, %.1f GiB memory, Linux %s |\n", m.CPUs, orNA(m.Model), m.MemoryGB, orNA(m.Kernel))
	w("| load average (1 min) | %.2f before, %.2f after |\n", r.LoadBefore, r.LoadAfter)
	w("| Go | %s |\n", m.GoVer)
	w("| CLI | %s, default parallelism (%d) |\n", r.CLI, r.Parallelism)
	w("| admin server | %s |\n", r.Server)
	var rounds []string
	for _, n := range r.Ns {
		rounds = append(rounds, fmt.Sprintf("%d at N = %d", r.Rounds[n], n))
	}
	w("| rounds | %s |\n\n", strings.Join(rounds, ", "))

	w("### Targets\n\n| target | wanted | measured | |\n|---|---|---|---|\n")
	for _, t := range r.Targets() {
		verdict := "reported"
		if t.Met != nil {
			verdict = map[bool]string{true: "**met**", false: "**missed**"}[*t.Met]
		}
		w("| %s | %s | %s | %s |\n", t.Name, t.Want, t.Got, verdict)
	}

	w("\n### Time: aegis against terraform_data\n\n")
	w("Median over the rounds; the ratio is aegis / terraform_data. CPU is user + system time of the CLI and its provider plugin; server CPU is the admin server's during the aegis command.\n\n")
	w("| N | resources | step | aegis (s) | terraform_data (s) | ratio | aegis CPU (s) | terraform_data CPU (s) | CPU ratio | server CPU (s) |\n")
	w("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range r.Ns {
		for _, step := range Steps {
			a, d := r.samples(n, SideAegis, step), r.samples(n, SideData, step)
			wall := func(s StepSample) float64 { return s.Wall }
			cpu := func(s StepSample) float64 { return s.CPU }
			scpu := func(s StepSample) float64 { return s.ServerCPU }
			w("| %d | %d | %s | %.2f | %.2f | **%.2f** | %.2f | %.2f | %.2f | %.2f |\n", n, 2*n, step,
				medianOf(a, wall), medianOf(d, wall), r.Ratio(n, step), medianOf(a, cpu), medianOf(d, cpu),
				medianOf(a, cpu)/medianOf(d, cpu), medianOf(a, scpu))
		}
	}
	if chartName != "" {
		w("\n![Ratio aegis / terraform_data against N, one line per step](%s)\n", chartName)
	}

	w("\n### Requests and reloads\n\n")
	w("Counted by the server (`requests_total`, `reloads_total` of `GET /v1/admin/status`; the benchmark's own status reads are subtracted), per command, over all rounds (one value when every round agreed).\n\n")
	w("| N | step | requests | by route (median) | reloads | changes per reload | reloads by changes carried (all rounds) |\n|---:|---|---:|---|---:|---:|---|\n")
	for _, n := range r.Ns {
		for _, step := range Steps {
			ss := r.samples(n, SideAegis, step)
			perReload := "–"
			if rel := medianOf(ss, func(s StepSample) float64 { return float64(s.Reloads) }); rel > 0 && (step == StepApply || step == StepDestroy) {
				perReload = fmt.Sprintf("%.1f", float64(2*n)/rel)
			}
			w("| %d | %s | %s | %s | %s | %s | %s |\n", n, step,
				countRange(ss, func(s StepSample) int64 { return s.Requests }), routeSummary(ss),
				countRange(ss, func(s StepSample) int64 { return s.Reloads }), perReload, batchSummary(ss))
		}
	}

	w("\n### Memory\n\nPeak RSS (VmHWM, sampled every 50 ms; largest over the rounds).\n\n")
	w("| N | step | terraform with aegis | provider plugin | terraform with terraform_data |\n|---:|---|---:|---:|---:|\n")
	for _, n := range r.Ns {
		for _, step := range Steps {
			a, d := r.samples(n, SideAegis, step), r.samples(n, SideData, step)
			w("| %d | %s | %s | %s | %s |\n", n, step,
				mib(maxOf(a, func(s StepSample) int64 { return s.CLIRSS })), mib(maxOf(a, func(s StepSample) int64 { return s.ProviderRSS })),
				mib(maxOf(d, func(s StepSample) int64 { return s.CLIRSS })))
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

// Chart draws the ratio aegis / terraform_data (median wall time) against N, one
// line per step, with the plan target, as a PNG.
func (r *Results) Chart(path string) error {
	p := plot.New()
	p.Title.Text = "aegis provider vs terraform_data (" + r.CLI + ")"
	p.X.Label.Text = "N (N providers + N aliases = 2N resources)"
	p.Y.Label.Text = "median wall time ratio aegis / terraform_data"
	// The plugin's fixed cost makes the ratio highest at the smallest N, on the
	// left: the legend goes top right.
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Points(10)
	p.Add(plotter.NewGrid())

	ns := slices.Clone(r.Ns)
	sort.Ints(ns)
	hi := 1.3
	colors := []color.Color{
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	}
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}}
	for i, step := range Steps {
		pts := make(plotter.XYs, 0, len(ns))
		for _, n := range ns {
			v := r.Ratio(n, step)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			pts = append(pts, plotter.XY{X: float64(n), Y: v})
			hi = max(hi, v)
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		line.Color, line.Width = colors[i%len(colors)], vg.Points(2)
		points.Color, points.Shape, points.Radius = colors[i%len(colors)], shapes[i%len(shapes)], vg.Points(4)
		p.Add(line, points)
		p.Legend.Add(step, line, points)
	}
	for _, ref := range []struct {
		y     float64
		label string
		dash  []vg.Length
	}{{1, "1.0 (same as terraform_data)", []vg.Length{vg.Points(2), vg.Points(3)}}, {1.25, "1.25 (plan target)", []vg.Length{vg.Points(8), vg.Points(4)}}} {
		l, err := plotter.NewLine(plotter.XYs{{X: float64(ns[0]), Y: ref.y}, {X: float64(ns[len(ns)-1]), Y: ref.y}})
		if err != nil {
			return err
		}
		l.Color, l.Dashes, l.Width = color.Gray{Y: 0x60}, ref.dash, vg.Points(1)
		p.Add(l)
		p.Legend.Add(ref.label, l)
	}
	p.Y.Min, p.Y.Max = 0, math.Ceil(hi*1.15*4)/4
	p.X.Min, p.X.Max = 0, float64(ns[len(ns)-1])*1.05
	ticks := make([]plot.Tick, 0, len(ns))
	for _, n := range ns {
		ticks = append(ticks, plot.Tick{Value: float64(n), Label: fmt.Sprint(n)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}
