package bench

import (
	"bytes"
	"image/png"
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

// fakeResults is a small run with known ratios: aegis takes 1.2× (plan 1.1×).
func fakeResults() *Results {
	r := &Results{Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Machine: Machine{CPUs: 2, Model: "test cpu", MemoryGB: 24},
		CLI: "Terraform v1.5.7", Parallelism: 10, Server: "aegis-admin (default flags)", Ns: []int{100, 200}, Rounds: map[int]int{100: 2, 200: 1}}
	for _, n := range r.Ns {
		for round := range r.Rounds[n] {
			for _, step := range Steps {
				base := float64(n) / 100
				f := 1.2
				if step == StepPlan {
					f = 1.1
				}
				r.Samples = append(r.Samples,
					StepSample{N: n, Round: round, Side: SideData, Step: step, Wall: base, CPU: base, CLIRSS: 100 << 20},
					StepSample{N: n, Round: round, Side: SideAegis, Step: step, Wall: base * f, CPU: base * f, CLIRSS: 110 << 20, ProviderRSS: 30 << 20,
						Requests: 1, ByRoute: map[string]int{"GET /v1/admin/llm/config": 1}, Reloads: int64(n / 10)})
			}
		}
	}
	r.Writers = []WriterResult{{Writers: 1, Writes: 10, Wall: 1, P50: 11, P99: 12, Max: 13, Reloads: 10}}
	return r
}

func TestMarkdownAndTargets(t *testing.T) {
	r := fakeResults()
	if got := r.Ratio(200, StepPlan); got < 1.09 || got > 1.11 {
		t.Errorf("ratio %v", got)
	}
	md := r.Markdown("benchmarks.png")
	for _, want := range []string{"| 200 | 400 | plan | 2.20 | 2.00 | **1.10** |", "2 CPUs, test cpu", "`GET /v1/admin/llm/config` ×1",
		"| Reloads per apply of 2N changes (parallelism 10) | ≤ one per ten changes | 10 for 200 changes, 20 for 400 changes | **met** |",
		"| Requests per refresh of 2N resources | ≤ 2N + 2 | 1 at N = 100, 1 at N = 200 | **met** |",
		"not measured at N = 1000", "![Ratio"} {
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
