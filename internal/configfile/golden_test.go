package configfile

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

var update = flag.Bool("update", false, "rewrite the expected .diff files under testdata/golden")

func i64(v int64) *int64     { return &v }
func f64(v float64) *float64 { return &v }

// goldenCases are the kinds of change the admin API makes, each applied to a file
// and compared, as `diff -u` of before and after, with testdata/golden/NAME.diff.
var goldenCases = []struct {
	name, file string
	change     func(c *llmconfig.LLM)
}{
	{"add-provider", "seed.yaml", func(c *llmconfig.LLM) {
		c.Providers = append(c.Providers, llmconfig.Provider{Name: "mistral-local", Type: "ollama", BaseURL: "http://localhost:11434", Model: "mistral:7b", MaxTokens: i64(2048)})
	}},
	{"change-field", "seed.yaml", func(c *llmconfig.LLM) { c.Provider("gpt-4o").MaxTokens = i64(8192) }},
	{"change-string-field", "seed.yaml", func(c *llmconfig.LLM) { c.Provider("gpt-4o").APIKey = "vault:aegis/llm/openai#api_key" }},
	{"add-field", "seed.yaml", func(c *llmconfig.LLM) { c.Provider("gpt-4o-mini").Temperature = f64(0.7) }},
	{"remove-field", "seed.yaml", func(c *llmconfig.LLM) { c.Provider("gpt-4o").Temperature = nil }},
	{"remove-provider", "seed.yaml", func(c *llmconfig.LLM) { removeProvider(c, "gpt-4o-mini") }},
	{"remove-first-provider", "seed.yaml", func(c *llmconfig.LLM) {
		removeProvider(c, "gpt-4o")
		c.Aliases["default"] = "claude-3-5-sonnet"
		c.Aliases["reasoning"] = "claude-3-5-sonnet"
	}},
	{"add-alias", "seed.yaml", func(c *llmconfig.LLM) { c.Aliases["cheap"] = "gpt-4o-mini" }},
	{"retarget-alias", "seed.yaml", func(c *llmconfig.LLM) { c.Aliases["fast"] = "gpt-4o-mini" }},
	{"remove-alias", "seed.yaml", func(c *llmconfig.LLM) { delete(c.Aliases, "review") }},
	{"ambiguous-scalars", "seed.yaml", func(c *llmconfig.LLM) {
		c.Provider("gpt-4o").Model = "yes"
		c.Provider("gpt-4o-mini").Model = "1.10"
		c.Providers = append(c.Providers,
			llmconfig.Provider{Name: "on", Type: "ollama", BaseURL: "http://h:1", Model: "0x1F", APIVersion: "007"},
			llmconfig.Provider{Name: "n", Type: "ollama", BaseURL: "http://h:1", Model: "~"},
			llmconfig.Provider{Name: "null", Type: "ollama", BaseURL: "http://h:1", Model: "2024-01-01"},
		)
		c.Aliases["off"] = "on"
		c.Aliases["y"] = "null"
	}},
	{"hand-formatted-add-provider", "handformatted.yaml", func(c *llmconfig.LLM) {
		c.Providers = append(c.Providers, llmconfig.Provider{Name: "backup", Type: "anthropic", APIKey: "env:ANTHROPIC_API_KEY", Model: "claude-3-5-haiku-20241022"})
	}},
	{"hand-formatted-change-field", "handformatted.yaml", func(c *llmconfig.LLM) { c.Provider("primary").Model = "gpt-4.1" }},
	{"hand-formatted-alias", "handformatted.yaml", func(c *llmconfig.LLM) {
		c.Aliases["default"] = "local"
		c.Aliases["fast"] = "local"
	}},
	{"remove-all-providers", "handformatted.yaml", func(c *llmconfig.LLM) { c.Providers = nil; c.Aliases = map[string]string{} }},
	{"crlf-change-field", "crlf.yaml", func(c *llmconfig.LLM) { c.Provider("a").Model = "m2"; c.Aliases["b"] = "a" }},
	{"no-trailing-newline-add", "nonewline.yaml", func(c *llmconfig.LLM) {
		c.Providers = append(c.Providers, llmconfig.Provider{Name: "b", Type: "ollama", BaseURL: "http://h:2", Model: "m"})
		c.Aliases["zz"] = "b"
	}},
	{"no-trailing-newline-remove-last", "nonewline.yaml", func(c *llmconfig.LLM) { c.Aliases = map[string]string{"other": "a"} }},
	{"first-provider-empty-file", "empty.yaml", addFirst},
	{"first-provider-flow-llm", "flow.yaml", addFirst},
	{"first-provider-missing-llm", "missing.yaml", addFirst},
	{"first-provider-empty-list", "emptylist.yaml", addFirst},
}

func addFirst(c *llmconfig.LLM) {
	c.Providers = append(c.Providers, llmconfig.Provider{Name: "local", Type: "ollama", BaseURL: "http://localhost:11434", Model: "qwen2.5-coder:32b"})
	c.Aliases["default"] = "local"
}

func removeProvider(c *llmconfig.LLM, name string) {
	for i, p := range c.Providers {
		if p.Name == name {
			c.Providers = append(c.Providers[:i], c.Providers[i+1:]...)
			return
		}
	}
}

func TestGoldenDiffs(t *testing.T) {
	diffTool, err := exec.LookPath("diff")
	if err != nil {
		t.Fatalf("the golden tests compare `diff -u` output and need diff(1): %v", err)
	}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := parseSeed(before)
			if err != nil {
				t.Fatal(err)
			}
			want := doc.LLM()
			tc.change(want)
			after, tier, err := doc.render(want)
			if err != nil {
				t.Fatal(err)
			}
			if tier != tierEntries {
				t.Errorf("rendered by the %q fallback, want entry-level edits", tier)
			}
			back, err := parseSeed(after)
			if err != nil {
				t.Fatalf("result does not parse: %v\n%s", err, after)
			}
			if back.llm.Revision() != want.Revision() {
				t.Fatalf("result reads as %+v, want %+v", back.llm, want)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "before"), before, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "after"), after, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(diffTool, "-u", "--label", "a/"+tc.file, "--label", "b/"+tc.file, "before", "after") //nolint:gosec // test harness
			cmd.Dir = dir
			got, err := cmd.Output()
			var exit *exec.ExitError
			if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
				t.Fatalf("diff: %v", err)
			}
			golden := filepath.Join("testdata", "golden", tc.name+".diff")
			if *update {
				if err := os.WriteFile(golden, got, 0o600); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenDiffs -update to create it)", err)
			}
			if !bytes.Equal(got, exp) {
				t.Errorf("diff differs from %s\n--- got:\n%s\n--- want:\n%s", golden, got, exp)
			}
		})
	}
}
