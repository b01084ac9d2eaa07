package llmconfig

import (
	"strings"
	"testing"
)

// TestStrictInput: every rule against hidden characters, api_version injection,
// malformed or look-alike hosts and keys behind a scheme, as the server and the
// provider both apply it through ValidateProvider.
func TestStrictInput(t *testing.T) {
	base := Provider{Name: "p", Type: TypeOpenAICompatible, APIKey: "env:OPENAI_API_KEY", BaseURL: "https://api.example.com/v1", Model: "m"}
	azure := func(v string) Provider {
		p := base
		p.BaseURL, p.APIVersion = "https://r.openai.azure.com/openai/deployments/gpt-4o", v
		return p
	}
	with := func(f func(*Provider)) Provider {
		p := base
		f(&p)
		return p
	}
	cases := []struct {
		name  string
		p     Provider
		field string
		want  string
	}{
		{"api_version CR LF", azure("2024-02-01\r\nX-Injected: 1"), FieldAPIVersion, "letters, digits"},
		{"api_version NUL", azure("2024-02-01\x00"), FieldAPIVersion, "letters, digits"},
		{"api_version ampersand", azure("2024-02-01&deployment=x"), FieldAPIVersion, "letters, digits"},
		{"api_version hash", azure("2024-02-01#x"), FieldAPIVersion, "letters, digits"},
		{"api_version space", azure("2024 02"), FieldAPIVersion, "letters, digits"},
		{"model U+2028", with(func(p *Provider) { p.Model = "gpt-4o\u2028x" }), FieldModel, "U+2028"},
		{"model RLO", with(func(p *Provider) { p.Model = "gpt-\u202eo4" }), FieldModel, "U+202E"},
		{"model zero-width space", with(func(p *Provider) { p.Model = "gpt\u200b-4o" }), FieldModel, "U+200B"},
		{"model zero-width joiner", with(func(p *Provider) { p.Model = "gpt\u200d-4o" }), FieldModel, "U+200D"},
		{"model BOM", with(func(p *Provider) { p.Model = "\ufeffgpt-4o" }), FieldModel, "U+FEFF"},
		{"model isolate", with(func(p *Provider) { p.Model = "gpt\u2066-4o" }), FieldModel, "U+2066"},
		{"model NBSP", with(func(p *Provider) { p.Model = "gpt\u00a04o" }), FieldModel, "U+00A0"},
		{"model NUL", with(func(p *Provider) { p.Model = "gpt\x004o" }), FieldModel, "U+0000"},
		{"model invalid UTF-8", with(func(p *Provider) { p.Model = "gpt\xff" }), FieldModel, "UTF-8"},
		{"base_url Cyrillic host", with(func(p *Provider) { p.BaseURL = "https://\u0430pi.openai.com/v1" }), FieldBaseURL, `"xn--`},
		{"base_url mixed-script A-label", with(func(p *Provider) { p.BaseURL = "https://xn--pple-43d.com/v1" }), FieldBaseURL, "mixes scripts"},
		{"base_url quote in host", with(func(p *Provider) { p.BaseURL = `http://api"x.example.com/v1` }), FieldBaseURL, "quotes"},
		{"base_url RLO in path", with(func(p *Provider) { p.BaseURL = "https://api.example.com/\u202ev1" }), FieldBaseURL, "U+202E"},
		{"base_url bad label", with(func(p *Provider) { p.BaseURL = "https://-api.example.com" }), FieldBaseURL, "invalid host name"},
		{"base_url empty query", with(func(p *Provider) { p.BaseURL = "https://api.example.com/v1?" }), FieldBaseURL, "query"},
		{"api_key vault literal", with(func(p *Provider) { p.APIKey = "vault:sk-live-abcdef0123456789" }), FieldAPIKey, "literal API key"},
		{"api_key env literal", with(func(p *Provider) { p.APIKey = "env:sk_live_abcdef" }), FieldAPIKey, "literal API key"},
		{"api_key vault literal in path", with(func(p *Provider) { p.APIKey = "vault:sk-proj-abc/def" }), FieldAPIKey, "literal API key"},
		{"api_key zero-width", with(func(p *Provider) { p.APIKey = "env:OPENAI\u200b_KEY" }), FieldAPIKey, "U+200B"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := ValidateProvider(c.p, nil)
			if len(errs) != 1 || errs[0].Field != c.field || !strings.Contains(errs[0].Detail, c.want) {
				t.Fatalf("errors = %v, want one on %s containing %q", errs, c.field, c.want)
			}
			for _, s := range []string{"sk-live-abcdef", "sk_live_abcdef"} {
				if strings.Contains(errs[0].Detail, s) {
					t.Fatalf("the error repeats the value: %s", errs[0].Detail)
				}
			}
		})
	}

	for _, ok := range []Provider{
		base,
		azure("2024-02-15-preview"),
		with(func(p *Provider) { p.BaseURL = "http://[::1]:8080/v1" }),
		with(func(p *Provider) { p.BaseURL = "http://127.0.0.1:11434" }),
		with(func(p *Provider) { p.BaseURL = "http://ollama_host:11434" }),
		with(func(p *Provider) { p.BaseURL = "https://xn--bcher-kva.example/v1" }), // bücher: one script
		with(func(p *Provider) { p.Model = "qwen2.5-coder:32b" }),
		with(func(p *Provider) { p.Model = "モデル 7b" }),
		with(func(p *Provider) { p.APIKey = "vault:aegis/llm/openai#api_key" }),
	} {
		if errs := ValidateProvider(ok, nil); len(errs) != 0 {
			t.Errorf("%+v refused: %v", ok, errs)
		}
	}
}
