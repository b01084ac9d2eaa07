package configfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/nodecheck"
)

// v1Fixtures are the daemon's own templates (copied unchanged from
// ../shared/upstream) and files of ours in the same format.
func v1Fixtures(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/v1/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

type v1Step struct {
	t        *testing.T
	orig     []byte
	doc      Document
	data     []byte
	state    []byte
	previous []byte
}

func newV1Step(t *testing.T, data []byte) *v1Step {
	t.Helper()
	if probs := nodecheck.Check(data); len(probs) > 0 {
		t.Fatalf("fixture is not valid for the daemon: %v", probs)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if d.Format() != FormatV1 {
		t.Fatalf("format %q", d.Format())
	}
	if err := d.LLM().ValidateFor(FormatV1); err != nil {
		t.Fatalf("fixture's llm config is invalid: %v", err)
	}
	return &v1Step{t: t, orig: data, doc: d, data: data}
}

// apply renders the change, checks the result by the daemon's rules and that no
// byte outside spec.llm_providers changed, and reads it back.
func (s *v1Step) apply(change func(c *llmconfig.LLM)) *llmconfig.LLM {
	s.t.Helper()
	want := s.doc.LLM()
	change(want)
	want.NormalizeOptions()
	if err := want.ValidateFor(FormatV1); err != nil {
		s.t.Fatalf("the change is invalid: %v", err)
	}
	if c := llmconfig.CheckPreserved(s.doc.LLM(), want); c != nil {
		s.t.Fatalf("conflict: %v", c)
	}
	data, err := s.doc.Render(want)
	if err != nil {
		s.t.Fatal(err)
	}
	data2, state, err := s.doc.(Stateful).RenderWithState(want)
	if err != nil || !bytes.Equal(data, data2) {
		s.t.Fatalf("RenderWithState: %v, or not Render's bytes", err)
	}
	if probs := nodecheck.Check(data); len(probs) > 0 {
		s.t.Fatalf("the daemon would refuse the written file: %v\n%s", probs, data)
	}
	if ok, diff := nodecheck.SameOutside(s.orig, data); !ok {
		s.t.Fatalf("bytes outside spec.llm_providers changed: %s", diff)
	}
	back, err := ParseWithState(data, state)
	if err != nil {
		s.t.Fatalf("written file does not parse: %v\n%s", err, data)
	}
	if !llmconfig.SameContent(back.LLM(), want) {
		s.t.Fatalf("the file reads back as another config:\nwant %+v\ngot  %+v\n%s", want, back.LLM(), data)
	}
	s.previous, s.doc, s.data, s.state = s.data, back, data, state
	return back.LLM()
}

// changedLines counts the lines of the previous version that are not in the new one.
func (s *v1Step) changedLines() int {
	old := map[string]int{}
	for _, l := range strings.Split(string(s.previous), "\n") {
		old[l]++
	}
	n := 0
	for _, l := range strings.Split(string(s.data), "\n") {
		if old[l] > 0 {
			old[l]--
			continue
		}
		n++
	}
	return n
}

func ptr[T any](v T) *T { return &v }

func TestV1FixturesRoundTripUnchanged(t *testing.T) {
	for name, data := range v1Fixtures(t) {
		t.Run(name, func(t *testing.T) {
			s := newV1Step(t, data)
			out, err := s.doc.Render(s.doc.LLM())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, data) {
				t.Fatalf("rendering the unchanged config changed the file:\n%s", out)
			}
		})
	}
}

func TestV1ReadsTheTemplateAsTheDaemonDoes(t *testing.T) {
	s := newV1Step(t, v1Fixtures(t)["config-with-examples.yaml"])
	c := s.doc.LLM()
	// prefer-local: "fast" is served by the ollama provider, "smart" by openai
	// (the first of two cloud providers), both shared.
	if c.Aliases["fast"] != "local" || c.Aliases["smart"] != "openai" || c.Aliases["default"] != "local" {
		t.Fatalf("aliases = %v", c.Aliases)
	}
	if got := strings.Join(c.Shared["fast"], ","); got != "local,openai" {
		t.Fatalf("shared fast = %q", got)
	}
	if got := strings.Join(c.Shared["smart"], ","); got != "openai,anthropic" {
		t.Fatalf("shared smart = %q", got)
	}
	eff, _ := c.Effective("fast")
	if eff.Model != "qwen2.5-coder:7b" || *eff.ContextWindow != 4096 {
		t.Fatalf("fast resolves to %+v", eff)
	}
	if c.References["llm_selection.default_provider"] != "local" || c.References["llm_selection.fallback_provider"] != "openai" {
		t.Fatalf("references = %v", c.References)
	}
}

func TestV1StrategyPicksTheWinner(t *testing.T) {
	data := []byte(strings.Replace(string(v1Fixtures(t)["config-with-examples.yaml"]), `strategy: "prefer-local"`, `strategy: "prefer-cloud"`, 1))
	c := newV1Step(t, data).doc.LLM()
	if c.Aliases["fast"] != "openai" {
		t.Fatalf("prefer-cloud: fast -> %q, want openai", c.Aliases["fast"])
	}
	data = []byte(strings.Replace(string(v1Fixtures(t)["config-with-examples.yaml"]), `strategy: "prefer-local"`, `strategy: "cost-optimized"`, 1))
	c = newV1Step(t, data).doc.LLM()
	if c.Aliases["smart"] != "anthropic" { // 0.003 < 0.005
		t.Fatalf("cost-optimized: smart -> %q, want anthropic", c.Aliases["smart"])
	}
}

func TestV1FullCycleKeepsEverythingOutside(t *testing.T) {
	for name, data := range v1Fixtures(t) {
		t.Run(name, func(t *testing.T) {
			s := newV1Step(t, data)
			c0 := s.doc.LLM()
			_, hadDefault := c0.Aliases["default"]
			// A new provider: kept out of the file until its first alias.
			s.apply(func(c *llmconfig.LLM) {
				c.Providers = append(c.Providers, llmconfig.Provider{Name: "gpt-4o-mini", Type: llmconfig.TypeOpenAI,
					APIKey: "env:OPENAI_API_KEY", Model: "gpt-4o-mini", MaxTokens: ptr[int64](2048), ContextWindow: ptr[int64](128000)})
			})
			if !bytes.Equal(s.data, s.previous) {
				t.Fatalf("a provider without aliases changed the file:\n%s", s.data)
			}
			if !strings.Contains(string(s.state), `"pending"`) {
				t.Fatalf("state has no pending provider: %s", s.state)
			}
			// Its first alias: the provider enters the file with the default endpoint.
			s.apply(func(c *llmconfig.LLM) { c.Aliases["mini"] = "gpt-4o-mini" })
			if !strings.Contains(string(s.data), `endpoint: "https://api.openai.com/v1"`) {
				t.Fatalf("no default endpoint written:\n%s", s.data)
			}
			// Retarget default to it.
			s.apply(func(c *llmconfig.LLM) {
				c.Aliases["default"] = "gpt-4o-mini"
				c.SetOptions("default", llmconfig.AliasOptions{})
			})
			if got := s.doc.LLM().Aliases["default"]; got != "gpt-4o-mini" {
				t.Fatalf("default -> %q", got)
			}
			// Change the provider's model: both of its entries follow.
			s.apply(func(c *llmconfig.LLM) { c.Provider("gpt-4o-mini").Model = "gpt-4.1-mini" })
			if n := strings.Count(string(s.data), `model: "gpt-4.1-mini"`); n != 2 {
				t.Fatalf("%d entries carry the new model, want 2:\n%s", n, s.data)
			}
			if n := s.changedLines(); n != 2 {
				t.Fatalf("changing one model rewrote %d lines, want 2", n)
			}
			// An alias override.
			s.apply(func(c *llmconfig.LLM) {
				c.SetOptions("mini", llmconfig.AliasOptions{Model: "gpt-4o-mini", Temperature: ptr(0.2), Capabilities: []string{"code"}, CostPer1kTokens: ptr(0.00015)})
			})
			if eff, _ := s.doc.LLM().Effective("mini"); eff.Model != "gpt-4o-mini" || eff.Temperature == nil || *eff.Temperature != 0.2 {
				t.Fatalf("mini resolves to %+v", eff)
			}
			// Back, and the provider goes away again.
			s.apply(func(c *llmconfig.LLM) {
				if hadDefault {
					c.Aliases["default"] = c0.Aliases["default"]
				} else {
					delete(c.Aliases, "default")
				}
				c.SetOptions("default", c0.Options("default"))
			})
			s.apply(func(c *llmconfig.LLM) { delete(c.Aliases, "mini"); c.SetOptions("mini", llmconfig.AliasOptions{}) })
			s.apply(func(c *llmconfig.LLM) { c.Providers = c.Providers[:len(c.Providers)-1] })
			if !llmconfig.SameContent(s.doc.LLM(), c0) {
				t.Fatalf("config after the round trip differs:\n%+v\n%+v", s.doc.LLM(), c0)
			}
			// (The retargeted alias's entry comes back at the end of its provider's
			// models list: only spec.llm_providers may differ, as checked at every step.)
		})
	}
}

func TestV1ConflictsAreRefused(t *testing.T) {
	c := newV1Step(t, v1Fixtures(t)["config-with-examples.yaml"]).doc.LLM()
	try := func(change func(c *llmconfig.LLM)) *llmconfig.Conflict {
		w := c.Clone()
		change(w)
		return llmconfig.CheckPreserved(c, w)
	}
	if k := try(func(w *llmconfig.LLM) { w.Aliases["fast"] = "anthropic" }); k == nil || k.Kind != llmconfig.ConflictAliasShared || k.Field != "aliases.fast" {
		t.Fatalf("retargeting a shared alias: %v", k)
	}
	if k := try(func(w *llmconfig.LLM) { delete(w.Aliases, "smart") }); k == nil || k.Kind != llmconfig.ConflictAliasShared {
		t.Fatalf("deleting a shared alias: %v", k)
	}
	if k := try(func(w *llmconfig.LLM) { w.Providers = w.Providers[:2] }); k == nil || k.Kind != llmconfig.ConflictAliasShared {
		t.Fatalf("deleting a provider holding a shared alias's other definition: %v", k)
	}
	m := newV1Step(t, v1Fixtures(t)["config-minimal.yaml"]).doc.LLM()
	w := m.Clone()
	delete(w.Aliases, "default")
	delete(w.Aliases, "fast")
	if k := llmconfig.CheckPreserved(m, w); k == nil || k.Kind != llmconfig.ConflictProviderReferenced || k.Field != "llm_selection.default_provider" {
		t.Fatalf("removing the last alias of the default provider: %v", k)
	}
	w.Providers = nil
	if k := llmconfig.CheckPreserved(m, w); k == nil || !strings.Contains(k.Detail, "llm_selection.default_provider") {
		t.Fatalf("deleting the default provider: %v", k)
	}
}

func TestV1KeepsUnmodeledFields(t *testing.T) {
	s := newV1Step(t, v1Fixtures(t)["custom-unknown-keys.yaml"])
	s.apply(func(c *llmconfig.LLM) { c.Provider("openai").Model = "gpt-4.1" })
	for _, keep := range []string{"x-team: platform", "# keep this comment", "enabled: true   # on", "cost_per_1k_tokens: 0.005", `capabilities: ["code", "vision"]`, "future_field: 7"} {
		if !strings.Contains(string(s.data), keep) {
			t.Errorf("%q was lost:\n%s", keep, s.data)
		}
	}
}

func TestV1VaultRefsRefusedSecretWarned(t *testing.T) {
	if _, err := llmconfig.CheckCredentialFormat(FormatV1, "vault:aegis/openai#key"); err == nil || !strings.Contains(err.Error(), "model API") {
		t.Fatalf("vault on v1: %v", err)
	}
	if warn, err := llmconfig.CheckCredentialFormat(FormatV1, "secret:aegis/kv/openai"); err != nil || warn == "" {
		t.Fatalf("secret on v1: %v %q", err, warn)
	}
	if _, err := llmconfig.CheckCredentialFormat(FormatSeed, "secret:aegis/kv/openai"); err == nil {
		t.Fatal("secret on seed accepted")
	}
}

func TestFormatDetection(t *testing.T) {
	for in, want := range map[string]string{
		"":                FormatSeed,
		"llm: {}\n":       FormatSeed,
		"node: {id: n}\n": FormatSeed,
		"apiVersion: 100monkeys.ai/v1\nkind: NodeConfig\nmetadata: {name: n}\nspec: {node: {id: x}}\nllm: {}\n": FormatV1,
	} {
		d, err := Parse([]byte(in))
		if err != nil || d.Format() != want {
			t.Errorf("%q: %v %v, want %s", in, d, err, want)
		}
	}
	if _, err := Parse([]byte("apiVersion: 100monkeys.ai/v2\nkind: NodeConfig\nspec: {}\n")); err == nil || !strings.Contains(err.Error(), "apiVersion") {
		t.Fatalf("another apiVersion: %v", err)
	}
}
