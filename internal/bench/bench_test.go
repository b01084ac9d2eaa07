package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// TestBench is `make bench` (scripts/bench.sh): see docs/benchmarks.md for what
// it measures and how. It runs only with AEGIS_BENCH=1 and BENCH_TERRAFORM (or
// TF_ACC_TERRAFORM_PATH) naming the CLI. Settings, all optional:
//
//	BENCH_N          sizes N (N providers + N aliases each), default "100 300 1000"
//	BENCH_ROUNDS     rounds per size at most: one number for all, or one per size; default 5 for N <= 300, else 3
//	BENCH_BUDGET     time for the CLI rounds, default 24m: rounds run round-major (round 0 at every N,
//	                 then round 1, ...), and one expected to end past the budget is left out (round 0 always runs)
//	BENCH_COUNT_N    sizes at which the count-indexed terraform_data scenario runs, default "100 300"
//	                 (it is O(N²) in Terraform 1.5: minutes per round at N = 1000); "none" for none
//	BENCH_TIME_PROVIDER  the terraform-provider-time binary (scripts/bench.sh installs it); unset: no time_static
//	BENCH_TIME_LABEL     how the report describes it
//	BENCH_WRITERS    concurrent writers for the server alone, default "1 10 50"
//	BENCH_WRITES     writes per server-alone level, default 300
//	BENCH_SKIP_CLI=1 / BENCH_SKIP_SERVER=1   leave a part out (for quick checks)
//	BENCH_OUT        where benchmarks.md and benchmarks.png go, default docs/
//	BENCH_RESULTS    where the raw JSON and the logs go, default bin/bench/
//	BENCH_RENDER     path of a results.json: only rewrite benchmarks.md/.png from it (also from a
//	                 run that was stopped; BENCH_STOPPED then says why, in the report)
//	AEGIS_ADMIN_BIN  a prebuilt aegis-admin (default: built from this tree)
//	BENCH_SERVER_LABEL  how the report describes the server (when AEGIS_ADMIN_BIN is another build)
func TestBench(t *testing.T) {
	if os.Getenv("AEGIS_BENCH") != "1" {
		t.Skip("benchmark: set AEGIS_BENCH=1 and BENCH_TERRAFORM (make bench does)")
	}
	if from := os.Getenv("BENCH_RENDER"); from != "" {
		renderOnly(t, from)
		return
	}
	b := newBench(t)
	started := time.Now()
	res := &Results{Date: started, Machine: ReadMachine(), CLI: b.cliVersion(), Parallelism: 10, TimeVersion: b.timeLabel,
		Server: b.serverLabel(), Ns: b.ns, CountNs: b.countNs, Rounds: map[int]int{}, LoadBefore: LoadAverage()}
	t.Logf("%s; %d CPUs (%s); load %.2f; results to %s", res.CLI, res.Machine.CPUs, res.Machine.Model, res.LoadBefore, b.results)

	if os.Getenv("BENCH_SKIP_CLI") != "1" {
		b.warmUp()
		// Round-major: round 0 at every N first, then round 1 at every N, ... A
		// round that would end past the time budget (estimated from the last round
		// at the same N) is left out; round 0 always runs.
		last := map[int]time.Duration{}
		for round := range slices.Max(b.rounds) {
			for i, n := range b.ns {
				if round >= b.rounds[i] {
					continue
				}
				if round > 0 && time.Since(started)+last[n] > b.budget {
					t.Logf("N=%d round %d left out: the last round took %s, %s of the %s budget are used", n, round,
						last[n].Round(time.Second), time.Since(started).Round(time.Second), b.budget)
					continue
				}
				roundStart := time.Now()
				sides := b.sidesAt(n)
				// Rotate the order so that no contender always runs first or last.
				order := append(slices.Clone(sides[round%len(sides):]), sides[:round%len(sides)]...)
				for _, side := range order {
					res.Samples = append(res.Samples, b.runSide(n, round, side)...)
					b.save(res)
				}
				res.Rounds[n] = round + 1
				last[n] = time.Since(roundStart)
			}
		}
		for _, n := range b.ns {
			for _, side := range b.sidesAt(n)[1:] {
				for _, step := range Steps {
					t.Logf("N=%d %-20s %-20s wall ratio %.2f, CPU ratio %.2f", n, side, step, res.Ratio(n, side, step, Wall), res.Ratio(n, side, step, CPU))
				}
			}
		}
	}
	if os.Getenv("BENCH_SKIP_SERVER") != "1" {
		for _, preload := range []int{0, b.ns[len(b.ns)-1]} {
			for _, w := range b.writers {
				res.Writers = append(res.Writers, b.serverAlone(preload, w, b.writes))
			}
		}
	}
	res.LoadAfter = LoadAverage()
	res.Duration = time.Since(started).Seconds()
	b.save(res)

	if len(res.Samples) == 0 {
		t.Logf("no CLI samples: %s not updated", b.out)
		return
	}
	write(t, res, b.out)
	t.Logf("raw results: %s", filepath.Join(b.results, "results.json"))
}

// sidesAt lists the contenders that run at size n.
func (b *bench) sidesAt(n int) []string {
	var out []string
	for _, side := range Sides {
		switch {
		case side == SideTime && b.timeDir == "":
		case side == SideCount && !slices.Contains(b.countNs, n):
		default:
			out = append(out, side)
		}
	}
	return out
}

// renderOnly rewrites benchmarks.md and benchmarks.png from a results.json of an
// earlier run (BENCH_RENDER=path), e.g. after a change to the report.
func renderOnly(t *testing.T, from string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("%s: %v", from, err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if res.Duration == 0 { // the run did not end: results.json was last saved after its last contender
		if fi, err := os.Stat(from); err == nil {
			res.Duration = fi.ModTime().Sub(res.Date).Seconds()
		}
		res.Stopped = firstNonEmpty(os.Getenv("BENCH_STOPPED"), "the tables hold what was measured until then.")
	}
	write(t, &res, firstNonEmpty(os.Getenv("BENCH_OUT"), filepath.Join(root, "docs")))
}

// write writes benchmarks.png and the generated section of benchmarks.md.
func write(t *testing.T, res *Results, out string) {
	chart := filepath.Join(out, "benchmarks.png")
	if err := res.Chart(chart); err != nil {
		t.Fatalf("chart: %v", err)
	}
	doc := filepath.Join(out, "benchmarks.md")
	if err := UpdateDoc(doc, res.Markdown("benchmarks.png")); err != nil {
		t.Fatal(err)
	}
	for _, tg := range res.Targets() {
		verdict := "reported"
		if tg.Met != nil {
			verdict = map[bool]string{true: "met", false: "MISSED"}[*tg.Met]
		}
		t.Logf("target %s (%s): %s — %s", tg.Name, tg.Want, tg.Got, verdict)
	}
	t.Logf("wrote %s and %s", doc, chart)
}

type bench struct {
	t         *testing.T
	root      string // repository root
	tf        string // the CLI
	cliRC     string // CLI config with the dev overrides
	pluginDir string
	timeDir   string // directory of terraform-provider-time, "" when not run
	timeLabel string
	ns        []int
	countNs   []int
	rounds    []int
	budget    time.Duration // for the CLI rounds
	writers   []int
	writes    int
	out       string
	results   string
}

func newBench(t *testing.T) *bench {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{t: t, root: root}
	b.tf = firstNonEmpty(os.Getenv("BENCH_TERRAFORM"), os.Getenv("TF_ACC_TERRAFORM_PATH"))
	if b.tf == "" {
		t.Fatal("set BENCH_TERRAFORM to the terraform binary (scripts/bench.sh does)")
	}
	if b.tf, err = filepath.Abs(b.tf); err != nil {
		t.Fatal(err)
	}
	b.ns = intList(t, "BENCH_N", "100 300 1000")
	b.budget = 24 * time.Minute
	if v := os.Getenv("BENCH_BUDGET"); v != "" {
		if b.budget, err = time.ParseDuration(v); err != nil {
			t.Fatalf("BENCH_BUDGET=%q: %v", v, err)
		}
	}
	if os.Getenv("BENCH_COUNT_N") != "none" {
		b.countNs = intList(t, "BENCH_COUNT_N", "100 300")
	}
	b.writers = intList(t, "BENCH_WRITERS", "1 10 50")
	b.writes = intList(t, "BENCH_WRITES", "300")[0]
	rounds := intList(t, "BENCH_ROUNDS", "")
	for i, n := range b.ns {
		switch {
		case len(rounds) == len(b.ns):
			b.rounds = append(b.rounds, rounds[i])
		case len(rounds) == 1:
			b.rounds = append(b.rounds, rounds[0])
		case len(rounds) == 0 && n <= 300:
			b.rounds = append(b.rounds, 5)
		case len(rounds) == 0:
			b.rounds = append(b.rounds, 3)
		default:
			t.Fatalf("BENCH_ROUNDS: give one number or one per size (%d)", len(b.ns))
		}
	}
	b.out = firstNonEmpty(os.Getenv("BENCH_OUT"), filepath.Join(root, "docs"))
	b.results = firstNonEmpty(os.Getenv("BENCH_RESULTS"), filepath.Join(root, "bin", "bench"))
	for _, d := range []string{b.out, b.results} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}

	// The provider exactly as users run it: its own binary, found through a
	// dev_overrides CLI config (which also serves terraform_data, built in).
	b.pluginDir = t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(b.pluginDir, "terraform-provider-aegis"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	overrides := fmt.Sprintf("    %q = %q\n", "100monkeys-ai/aegis", b.pluginDir)
	// The peer provider, built from its Go module (scripts/install-tools.sh).
	if tp := os.Getenv("BENCH_TIME_PROVIDER"); tp != "" {
		if tp, err = filepath.Abs(tp); err != nil {
			t.Fatal(err)
		}
		if filepath.Base(tp) != "terraform-provider-time" {
			t.Fatalf("BENCH_TIME_PROVIDER=%s: dev_overrides needs the binary named terraform-provider-time", tp)
		}
		if _, err := os.Stat(tp); err != nil {
			t.Fatalf("BENCH_TIME_PROVIDER: %v", err)
		}
		b.timeDir = filepath.Dir(tp)
		b.timeLabel = firstNonEmpty(os.Getenv("BENCH_TIME_LABEL"), "hashicorp/time ("+tp+")")
		overrides += fmt.Sprintf("    %q = %q\n", "hashicorp/time", b.timeDir)
	}
	b.cliRC = filepath.Join(t.TempDir(), "bench.tfrc")
	writeFile(t, b.cliRC, "provider_installation {\n  dev_overrides {\n"+overrides+"  }\n  direct {}\n}\n")
	testserver.Binary(t) // build (or find) aegis-admin before anything is timed
	return b
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func intList(t *testing.T, env, def string) []int {
	t.Helper()
	v := firstNonEmpty(os.Getenv(env), def)
	var out []int
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want positive integers", env, v)
		}
		out = append(out, n)
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// env is the CLI's environment: the caller's, without anything that changes
// what Terraform does (logging, CLI config, parallelism).
func (b *bench) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_LOG") || k == "TF_CLI_CONFIG_FILE" || k == "TF_CLI_ARGS" || strings.HasPrefix(k, "TF_CLI_ARGS_") ||
			k == "TF_DATA_DIR" || k == "TF_PLUGIN_CACHE_DIR" || strings.HasPrefix(k, "AEGIS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "TF_CLI_CONFIG_FILE="+b.cliRC, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"), extra...)
}

func (b *bench) cliVersion() string {
	cmd := exec.Command(b.tf, "version")
	cmd.Env = b.env()
	out, err := cmd.Output()
	if err != nil {
		b.t.Fatalf("%s version: %v", b.tf, err)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

func (b *bench) serverLabel() string {
	if l := os.Getenv("BENCH_SERVER_LABEL"); l != "" {
		return l
	}
	return "aegis-admin built from this tree, default flags (`--commit-window` " + adminDefaultWindow + "), standalone mode, loopback"
}

// adminDefaultWindow is documented in docs/admin-api.md.
const adminDefaultWindow = "10ms"

func (b *bench) save(res *Results) {
	if err := res.WriteJSON(filepath.Join(b.results, "results.json")); err != nil {
		b.t.Fatal(err)
	}
}

// config renders a contender's configuration for size n: 2n resources, n
// "providers" and n "aliases", each alias referring to one provider.
func config(side string, n int) string {
	var c strings.Builder
	switch side {
	case SideAegis:
		c.WriteString("terraform {\n  required_providers {\n    aegis = {\n      source = \"100monkeys-ai/aegis\"\n    }\n  }\n}\n")
		for i := range n {
			fmt.Fprintf(&c, `
resource "aegis_llm_provider" "p%[1]d" {
  name    = "bench-p%[1]d"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}

resource "aegis_llm_alias" "a%[1]d" {
  name          = "bench-a%[1]d"
  provider_name = aegis_llm_provider.p%[1]d.name
}
`, i)
		}
	case SideLean:
		for i := range n {
			fmt.Fprintf(&c, `
resource "terraform_data" "p%[1]d" {
  input = "bench-p%[1]d"
}

resource "terraform_data" "a%[1]d" {
  input = "bench-a%[1]d/${terraform_data.p%[1]d.input}"
}
`, i)
		}
	case SideTime:
		c.WriteString("terraform {\n  required_providers {\n    time = {\n      source = \"hashicorp/time\"\n    }\n  }\n}\n")
		for i := range n {
			fmt.Fprintf(&c, `
resource "time_static" "p%[1]d" {
  triggers = { name = "bench-p%[1]d" }
}

resource "time_static" "a%[1]d" {
  triggers = { name = "bench-a%[1]d", provider = time_static.p%[1]d.triggers.name }
}
`, i)
		}
	case SideCount:
		fmt.Fprintf(&c, `resource "terraform_data" "p" {
  count = %[1]d
  input = {
    name    = "bench-p${count.index}"
    type    = "openai"
    api_key = "env:OPENAI_API_KEY"
    model   = "gpt-4o"
  }
}

resource "terraform_data" "a" {
  count = %[1]d
  input = {
    name          = "bench-a${count.index}"
    provider_name = terraform_data.p[count.index].output.name
  }
}
`, n)
	}
	return c.String()
}

// warmUp runs a small round of every contender, unrecorded, so that the first
// timed command does not pay for cold caches.
func (b *bench) warmUp() {
	b.t.Log("warm-up round (N=10, not recorded)")
	for _, side := range b.sidesAt(b.ns[0]) {
		b.runSide(10, -1, side)
	}
}

// runSide runs the four steps of one round for one contender, against a fresh
// server for aegis.
func (b *bench) runSide(n, round int, side string) []StepSample {
	t := b.t
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.tf"), config(side, n))
	var srv *testserver.Server
	env := b.env()
	if side == SideAegis {
		srv = testserver.Start(t, testserver.Options{})
		defer srv.Stop()
		env = b.env("AEGIS_ENDPOINT="+srv.URL, "AEGIS_TOKEN="+srv.Token)
	}
	var out []StepSample
	for _, step := range Steps {
		s := b.runStep(dir, env, srv, n, side, step)
		s.Round, s.Side = round, side
		out = append(out, s)
		if round >= 0 {
			t.Logf("N=%d round %d %-20s %-20s wall %7.2fs cpu %7.2fs (plugins %6.2fs) requests %5d reloads %5d tf %s provider %s",
				n, round, side, step, s.Wall, s.CPU, s.ProviderCPU, s.Requests, s.Reloads, mib(s.CLIRSS), mib(s.ProviderRSS))
		}
	}
	if srv != nil {
		b.checkEmpty(srv)
		if round >= 0 {
			_ = os.WriteFile(filepath.Join(b.results, fmt.Sprintf("server-%d-round%d.log", n, round)), []byte(srv.Log()), 0o600)
		}
	}
	return out
}

var (
	accessLine = regexp.MustCompile(`msg=request method=(\S+) path=(\S+)`)
	reloadLine = regexp.MustCompile(`msg=reloaded .*changes=(\d+)`)
	objectPath = regexp.MustCompile(`^(/v1/admin/llm/(?:providers|aliases))/[^/]+$`)
)

// runStep runs one CLI command and measures it.
func (b *bench) runStep(dir string, env []string, srv *testserver.Server, n int, side, step string) StepSample {
	t := b.t
	var args []string
	switch step {
	case StepApply:
		args = []string{"apply", "-auto-approve", "-input=false", "-no-color"}
	case StepPlan:
		args = []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}
	case StepPlanNoRef:
		args = []string{"plan", "-refresh=false", "-input=false", "-no-color", "-detailed-exitcode"}
	case StepDestroy:
		args = []string{"destroy", "-auto-approve", "-input=false", "-no-color"}
	}
	s := StepSample{N: n, Step: step, Resources: 2 * n}

	var before *client.Status
	var logOffset, serverPID int
	var serverCPU time.Duration
	if srv != nil {
		before = b.status(srv)
		logOffset = len(srv.Log())
		if serverPID = FindPID("--config", srv.ConfigPath); serverPID != 0 {
			serverCPU = CPUTime(serverPID)
		}
	}

	cmd := exec.Command(b.tf, args...)
	cmd.Dir, cmd.Env = dir, env
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	plugin := map[string]string{SideAegis: "terraform-provider-aegis", SideTime: "terraform-provider-time"}[side]
	sampler := StartPeakSampler(cmd.Process.Pid, plugin, 50*time.Millisecond)
	err := cmd.Wait()
	s.Wall = time.Since(start).Seconds()
	var pluginCPU time.Duration
	s.CLIRSS, s.ProviderRSS, s.Plugins, pluginCPU = sampler.Stop()
	s.ProviderCPU = pluginCPU.Seconds()
	if ps := cmd.ProcessState; ps != nil {
		s.CPU = (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	if err != nil {
		log := filepath.Join(b.results, fmt.Sprintf("failed-%d-%s-%s.log", n, strings.ReplaceAll(side, " ", "_"), strings.ReplaceAll(step, " ", "")))
		_ = os.WriteFile(log, output.Bytes(), 0o600)
		if srv != nil {
			_ = os.WriteFile(log+".server", []byte(srv.Log()), 0o600)
		}
		t.Fatalf("%s: terraform %s (N=%d) failed: %v; output in %s:\n%s", side, strings.Join(args, " "), n, err, log, tail(output.String(), 3000))
	}
	text := output.String()
	switch step {
	case StepApply:
		want(t, text, fmt.Sprintf("Resources: %d added, 0 changed, 0 destroyed", 2*n))
	case StepDestroy:
		want(t, text, fmt.Sprintf("Resources: %d destroyed", 2*n))
	default: // -detailed-exitcode 0 already means an empty plan
		want(t, text, "No changes.")
	}

	if srv != nil {
		after := b.status(srv)
		s.Requests = after.RequestsTotal - before.RequestsTotal - 1 // our own "after" read
		s.Reloads = after.ReloadsTotal - before.ReloadsTotal
		if serverPID != 0 {
			s.ServerCPU = (CPUTime(serverPID) - serverCPU).Seconds()
		}
		s.ByRoute = map[string]int{}
		for _, m := range accessLine.FindAllStringSubmatch(srv.Log()[logOffset:], -1) {
			path := objectPath.ReplaceAllString(m[2], "$1/{name}")
			if path == "/v1/admin/status" {
				continue // the benchmark's own reads
			}
			s.ByRoute[m[1]+" "+path]++
		}
		for _, m := range reloadLine.FindAllStringSubmatch(srv.Log()[logOffset:], -1) {
			if s.Batches == nil {
				s.Batches = map[int]int{}
			}
			k, _ := strconv.Atoi(m[1])
			s.Batches[k]++
		}
		if step == StepApply {
			b.checkLive(srv, n)
		}
	}
	return s
}

func want(t *testing.T, text, sub string) {
	t.Helper()
	if !strings.Contains(text, sub) {
		t.Fatalf("the CLI output lacks %q:\n%s", sub, tail(text, 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func (b *bench) status(srv *testserver.Server) *client.Status {
	st, err := srv.Client().Status(b.t.Context())
	if err != nil {
		b.t.Fatalf("status: %v", err)
	}
	return st
}

// checkLive makes sure an apply really put everything on the server.
func (b *bench) checkLive(srv *testserver.Server, n int) {
	cfg, err := srv.Client().GetConfig(b.t.Context())
	if err != nil {
		b.t.Fatal(err)
	}
	if len(cfg.Providers) != n || len(cfg.Aliases) != n {
		b.t.Fatalf("after apply the server has %d providers and %d aliases, want %d each", len(cfg.Providers), len(cfg.Aliases), n)
	}
}

func (b *bench) checkEmpty(srv *testserver.Server) {
	cfg, err := srv.Client().GetConfig(b.t.Context())
	if err != nil {
		b.t.Fatal(err)
	}
	if len(cfg.Providers)+len(cfg.Aliases) != 0 {
		b.t.Fatalf("after destroy the server still has %d providers and %d aliases", len(cfg.Providers), len(cfg.Aliases))
	}
}

// serverAlone measures mutation latency with `writers` concurrent writers doing
// `writes` creates in all, on a fresh server that already holds `preload`
// providers.
func (b *bench) serverAlone(preload, writers, writes int) WriterResult {
	t := b.t
	var yaml strings.Builder
	if preload > 0 {
		yaml.WriteString("llm:\n  providers:\n")
		for i := range preload {
			fmt.Fprintf(&yaml, "    - name: seed-%d\n      type: openai\n      api_key: \"env:OPENAI_API_KEY\"\n      model: gpt-4o\n", i)
		}
	}
	srv := testserver.Start(t, testserver.Options{ConfigYAML: yaml.String()})
	defer srv.Stop()
	c := srv.Client()
	ctx := b.t.Context()
	before := b.status(srv)

	per := max(writes/writers, 1)
	lat := make([][]float64, writers)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				p := llmconfig.Provider{Name: fmt.Sprintf("w%d-%d", w, i), Type: "openai", APIKey: "env:OPENAI_API_KEY", Model: "gpt-4o"}
				t0 := time.Now()
				if _, err := c.PutProvider(ctx, p, client.Precondition{CreateOnly: true}); err != nil {
					errs <- err
					return
				}
				lat[w] = append(lat[w], float64(time.Since(t0).Microseconds())/1000)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	close(errs)
	if err := errors.Join(drain(errs)...); err != nil {
		t.Fatalf("server alone, %d writers: %v", writers, err)
	}
	after := b.status(srv)
	var all []float64
	for _, l := range lat {
		all = append(all, l...)
	}
	r := WriterResult{Preloaded: preload, Writers: writers, Writes: len(all), Wall: wall,
		P50: Percentile(all, 50), P99: Percentile(all, 99), Max: Percentile(all, 100), Reloads: after.ReloadsTotal - before.ReloadsTotal}
	t.Logf("server alone: %d providers, %2d writers, %d writes: p50 %.1fms p99 %.1fms max %.1fms, %d reloads, %.0f writes/s",
		preload, writers, r.Writes, r.P50, r.P99, r.Max, r.Reloads, float64(r.Writes)/wall)
	return r
}

func drain(ch chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
}
