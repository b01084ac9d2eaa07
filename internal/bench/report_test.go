package bench

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMedianPercentile(t *testing.T) {
	if m := Median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median %v", m)
	}
	if m := Median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median %v", m)
	}
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = float64(100 - i)
	}
	if p := Percentile(xs, 50); p != 50 {
		t.Errorf("p50 %v", p)
	}
	if p := Percentile(xs, 99); p != 99 {
		t.Errorf("p99 %v", p)
	}
	if p := Percentile([]float64{7}, 99); p != 7 {
		t.Errorf("p99 of one %v", p)
	}
}

// fakeResults is a small run with known ratios to the lean floor: aegis takes
// 1.2× (plan 2.2×), time_static 3×, the count scenario 1.5× (only at N = 300).
func fakeResults() *Results {
	r := &Results{Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Machine: Machine{CPUs: 2, Model: "test cpu", MemoryGB: 24},
		CLI: "Terraform v1.5.7", Parallelism: 10, Server: "aegis-admin (default flags)", TimeVersion: "hashicorp/time v0.14.2",
		Ns: []int{300, 1000}, CountNs: []int{300}, Rounds: map[int]int{300: 2, 1000: 1}}
	for _, n := range r.Ns {
		for round := range r.Rounds[n] {
			for _, step := range Steps {
				base := float64(n) / 100
				f := 1.2
				if step == StepPlan {
					f = 2.2
				}
				r.Samples = append(r.Samples,
					StepSample{N: n, Round: round, Side: SideLean, Step: step, Wall: base, CPU: base, CLIRSS: 100 << 20},
					StepSample{N: n, Round: round, Side: SideAegis, Step: step, Wall: base * f, CPU: base * f, CLIRSS: 110 << 20, ProviderRSS: 30 << 20,
						ProviderCPU: base / 10, Requests: 1, ByRoute: map[string]int{"GET /v1/admin/llm/config": 1}, Reloads: int64(n / 5)},
					StepSample{N: n, Round: round, Side: SideTime, Step: step, Wall: base * 3, CPU: base * 3, CLIRSS: 120 << 20, ProviderRSS: 40 << 20})
				if n == 300 {
					r.Samples = append(r.Samples, StepSample{N: n, Round: round, Side: SideCount, Step: step, Wall: base * 1.5, CPU: base * 1.5, CLIRSS: 130 << 20})
				}
			}
		}
	}
	r.Writers = []WriterResult{{Writers: 1, Writes: 10, Wall: 1, P50: 11, P99: 12, Max: 13, Reloads: 10}}
	return r
}

func TestMarkdownAndTargets(t *testing.T) {
	r := fakeResults()
	if got := r.Ratio(1000, SideAegis, StepPlan, Wall); got < 2.19 || got > 2.21 {
		t.Errorf("ratio %v", got)
	}
	if got := r.Ratio(1000, SideCount, StepPlan, Wall); !math.IsNaN(got) {
		t.Errorf("ratio of an unmeasured contender %v", got)
	}
	md := r.Markdown("benchmarks.png")
	for _, want := range []string{
		"| plan | 3.00 | 6.60 (**2.20×**) | 9.00 (**3.00×**) | 4.50 (**1.50×**) |",
		"| plan | 10.00 | 22.00 (**2.20×**) | 30.00 (**3.00×**) |",
		"2 CPUs, test cpu", "`GET /v1/admin/llm/config` ×1", "hashicorp/time v0.14.2",
		"| Plan with refresh, aegis / lean terraform_data | ≤ 2.5× at N = 300 and 1000 | 2.20× at N = 300 (CPU 2.20×), 2.20× at N = 1000 (CPU 2.20×) | **met** |",
		"| Stretch: the same | ≤ 2.0× |", "2.20× at N = 1000 (CPU 2.20×) | **missed** |",
		"| Plan with refresh, time_static / aegis | ≥ 2× (aegis at least twice as fast) at N = 300 and 1000 | 1.36× at N = 300",
		"| Apply of 2N creates, aegis / lean terraform_data | ≤ 1.6× at N = 1000 | 1.20× at N = 1000 (CPU 1.20×) | **met** |",
		"| Reloads per apply of 2N creates (parallelism 10) | ≤ ⌈2N/10⌉ in every round | 60 at N = 300 (limit 60), 200 at N = 1000 (limit 200) | **met** |",
		"| Requests per refresh of 2N resources | 1 at every N | 1 at N = 300, 1 at N = 1000 | **met** |",
		"| Provider peak RSS at N = 1000 | < 150 MiB in every step | apply 30 MiB",
		"![Median wall time"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestUpdateDocKeepsHandWrittenText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.md")
	if err := UpdateDoc(path, "first"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	doc := strings.Replace(string(b), "# Benchmarks\n", "# Benchmarks\n\nHand-written.\n", 1) + "\nNotes.\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := UpdateDoc(path, "second"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	got := string(b)
	if !strings.Contains(got, "Hand-written.") || !strings.Contains(got, "Notes.") || !strings.Contains(got, BeginMarker+"\nsecond\n"+EndMarker) || strings.Contains(got, "first") {
		t.Errorf("doc after update:\n%s", got)
	}
	if err := os.WriteFile(path, []byte("no markers"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := UpdateDoc(path, "x"); err == nil {
		t.Error("a file without markers was overwritten")
	}
}

func TestChart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chart.png")
	if err := fakeResults().Chart(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X < 400 || s.Y < 200 {
		t.Errorf("chart is %v", s)
	}
	if dst := os.Getenv("BENCH_CHART_SAMPLE"); dst != "" {
		_ = os.WriteFile(dst, b, 0o600)
	}
}
