package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// badProvider is one malformed aegis_llm_provider: its attributes (rendered both
// as HCL and as an admin API body) and the error the plan must show.
type badProvider struct {
	name  string
	attrs map[string]any
	want  string
	// tfOnly marks rules that exist only in Terraform (an empty string is not
	// null there); the API treats "" as unset, so its body is valid.
	tfOnly bool
}

func okProvider(over map[string]any) map[string]any {
	m := map[string]any{"name": "p", "type": "openai", "model": "gpt-4o", "api_key": "env:OPENAI_API_KEY"}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

var badProviders = []badProvider{
	{"literal openai key", okProvider(map[string]any{"api_key": "sk-proj-abcdefghijklmnop"}), `Invalid api_key.*literal API key.*env:VAR_NAME`, false},
	{"literal anthropic key", okProvider(map[string]any{"api_key": "sk-ant-api03-xyz"}), `Invalid api_key.*literal API key`, false},
	{"bearer token", okProvider(map[string]any{"api_key": "Bearer abc"}), `Invalid api_key.*whitespace.*env:VAR_NAME`, false},
	{"plain string", okProvider(map[string]any{"api_key": "abc123"}), `Invalid api_key.*not a credential reference`, false},
	{"xai key", okProvider(map[string]any{"api_key": "xai-abc"}), `Invalid api_key.*literal API key`, false},
	{"unknown scheme", okProvider(map[string]any{"api_key": "file:/etc/key"}), `Invalid api_key.*unknown scheme`, false},
	{"env empty", okProvider(map[string]any{"api_key": "env:"}), `Invalid api_key.*needs a variable name`, false},
	{"env digit", okProvider(map[string]any{"api_key": "env:1BAD"}), `Invalid api_key.*POSIX environment variable name`, false},
	{"env dash", okProvider(map[string]any{"api_key": "env:OPENAI-KEY"}), `Invalid api_key.*POSIX environment variable name`, false},
	{"env space", okProvider(map[string]any{"api_key": "env:A B"}), `Invalid api_key.*whitespace`, false},
	{"vault empty", okProvider(map[string]any{"api_key": "vault:"}), `Invalid api_key.*needs a secret path`, false},
	{"vault leading slash", okProvider(map[string]any{"api_key": "vault:/aegis/openai"}), `Invalid api_key.*no empty`, false},
	{"vault dotdot", okProvider(map[string]any{"api_key": "vault:aegis/../root"}), `Invalid api_key.*".."`, false},
	{"vault empty field", okProvider(map[string]any{"api_key": "vault:aegis/openai#"}), `Invalid api_key.*field after '#'`, false},
	{"missing key", okProvider(map[string]any{"type": "anthropic", "api_key": nil}), `Invalid api_key.*required for type "anthropic"`, false},
	{"unknown type", okProvider(map[string]any{"type": "azure"}), `Invalid type.*"openai", "anthropic", "ollama", "gemini", "openai-compatible"`, false},
	{"type wrong case", okProvider(map[string]any{"type": "OpenAI"}), `Invalid type.*must be one of`, false},
	{"type empty", okProvider(map[string]any{"type": ""}), `Invalid type.*is required`, false},
	{"model empty", okProvider(map[string]any{"model": ""}), `Invalid model.*is required`, false},
	{"model whitespace", okProvider(map[string]any{"model": "gpt-4o "}), `Invalid model.*whitespace`, false},
	{"temperature high", okProvider(map[string]any{"temperature": 2.5}), `Invalid temperature.*between 0.0 and 2.0`, false},
	{"temperature negative", okProvider(map[string]any{"temperature": -0.1}), `Invalid temperature.*between 0.0 and 2.0`, false},
	{"max_tokens zero", okProvider(map[string]any{"max_tokens": 0}), `Invalid max_tokens.*positive integer`, false},
	{"max_tokens negative", okProvider(map[string]any{"max_tokens": -5}), `Invalid max_tokens.*positive integer`, false},
	{"context_window zero", okProvider(map[string]any{"context_window": 0}), `Invalid context_window.*positive integer`, false},
	{"max over window", okProvider(map[string]any{"max_tokens": 9000, "context_window": 8000}), `Invalid max_tokens.*must not exceed context_window`, false},
	{"ollama without base_url", map[string]any{"name": "p", "type": "ollama", "model": "qwen"}, `Invalid base_url.*required for type "ollama"`, false},
	{"base_url without scheme", map[string]any{"name": "p", "type": "ollama", "model": "qwen", "base_url": "localhost:11434"}, `Invalid base_url.*absolute http`, false},
	{"base_url ftp", okProvider(map[string]any{"base_url": "ftp://models.example.com"}), `Invalid base_url.*absolute http`, false},
	{"base_url user info", okProvider(map[string]any{"base_url": "https://user:pw@api.example.com"}), `Invalid base_url.*user info`, false},
	{"base_url query", okProvider(map[string]any{"base_url": "https://r.openai.azure.com/x?api-version=1", "api_version": "1"}), `Invalid base_url.*query`, false},
	{"azure without api_version", okProvider(map[string]any{"base_url": "https://r.openai.azure.com/openai/deployments/gpt-4o"}), `Invalid api_version.*Azure`, false},
	{"api_version without base_url", okProvider(map[string]any{"api_version": "2024-02-01"}), `Invalid base_url.*required when api_version is set`, false},
	{"name uppercase", okProvider(map[string]any{"name": "GPT_4o"}), `Invalid name.*lowercase letters`, false},
	{"name leading dash", okProvider(map[string]any{"name": "-gpt"}), `Invalid name.*starting with a letter or digit`, false},
	{"name too long", okProvider(map[string]any{"name": strings.Repeat("a", 64)}), `Invalid name.*1-63 characters`, false},
	// Strict input (docs/security.md): the same llmconfig rules the server applies.
	{"api_version CR LF", okProvider(map[string]any{"base_url": "https://r.openai.azure.com/x", "api_version": "2024-02-01\r\nX-Injected: 1"}), `Invalid api_version.*letters, digits`, false},
	{"api_version ampersand", okProvider(map[string]any{"base_url": "https://r.openai.azure.com/x", "api_version": "2024-02-01&x=1"}), `Invalid api_version.*letters, digits`, false},
	{"api_version hash", okProvider(map[string]any{"base_url": "https://r.openai.azure.com/x", "api_version": "2024-02-01#x"}), `Invalid api_version.*letters, digits`, false},
	{"model line separator", okProvider(map[string]any{"model": "gpt-4o\u2028x"}), `Invalid model.*invisible or.*direction-changing.*U\+2028`, false},
	{"model right-to-left override", okProvider(map[string]any{"model": "gpt-\u202eo4"}), `Invalid model.*U\+202E`, false},
	{"model zero-width space", okProvider(map[string]any{"model": "gpt\u200b-4o"}), `Invalid model.*U\+200B`, false},
	{"base_url Cyrillic host", okProvider(map[string]any{"type": "openai-compatible", "base_url": "https://\u0430pi.openai.com/v1"}), `Invalid base_url.*ASCII host.*xn--`, false},
	{"base_url mixed-script host", okProvider(map[string]any{"type": "openai-compatible", "base_url": "https://xn--pple-43d.com/v1"}), `Invalid base_url.*mixes scripts`, false},
	{"base_url quote in host", okProvider(map[string]any{"type": "openai-compatible", "base_url": "http://a\"b.example.com/v1"}), `Invalid base_url.*quotes`, false},
	{"vault literal key", okProvider(map[string]any{"api_key": "vault:sk-live-abcdef0123456789"}), `Invalid api_key.*literal API key`, false},
	{"empty api_version", okProvider(map[string]any{"api_version": ""}), `Empty api_version.*Remove the attribute`, true},
	{"empty api_key", okProvider(map[string]any{"api_key": ""}), `Empty api_key.*Remove the attribute`, true},
	{"empty base_url", okProvider(map[string]any{"base_url": ""}), `Empty base_url.*Remove the attribute`, true},
}

func (b badProvider) hcl() string {
	keys := make([]string, 0, len(b.attrs))
	for k := range b.attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString("resource \"aegis_llm_provider\" \"bad\" {\n")
	for _, k := range keys {
		v, _ := json.Marshal(b.attrs[k]) // JSON strings and numbers are valid HCL literals here
		fmt.Fprintf(&sb, "  %s = %s\n", k, v)
	}
	sb.WriteString("}\n")
	return sb.String()
}

// TestAccLLMProvider_badInput: every malformed configuration fails at plan time
// with an error naming the attribute and the fix; the server's config file stays
// byte-for-byte unchanged; and the same bodies sent straight to the admin API get
// 4xx problem answers, never a 5xx.
func TestAccLLMProvider_badInput(t *testing.T) {
	s := startServer(t, testserver.Options{ConfigYAML: "# operator comment\nllm:\n  providers:\n    - name: taken\n      type: ollama\n      base_url: \"http://localhost:11434\"\n      model: qwen\n  aliases:\n    fast: taken\n"})
	before := s.ReadConfig()
	steps := make([]resource.TestStep, 0, len(badProviders)+8)
	for _, b := range badProviders {
		steps = append(steps, resource.TestStep{Config: s.ProviderBlock() + b.hcl(), PlanOnly: true, ExpectError: expectError(b.want)})
	}
	aliasCases := []struct{ body, want string }{
		{"name = \"Fast\"\nprovider_name = \"taken\"", `Invalid name.*lowercase letters`},
		{"name = \"fast-2\"\nprovider_name = \"no such provider!\"", `Invalid provider_name.*name of an aegis_llm_provider`},
		{"name = \"fast\"\nprovider_name = \"other\"", `LLM Alias Already Exists.*import`},
	}
	for _, c := range aliasCases {
		steps = append(steps, resource.TestStep{
			Config:   s.ProviderBlock() + "resource \"aegis_llm_alias\" \"bad\" {\n" + c.body + "\n}\n",
			PlanOnly: true, ExpectError: expectError(c.want),
		})
	}
	steps = append(steps,
		resource.TestStep{ // a name the orchestrator already has, differently configured: import, not take over
			Config:      s.ProviderBlock() + badProvider{attrs: map[string]any{"name": "taken", "type": "ollama", "base_url": "http://localhost:11434", "model": "llama3"}}.hcl(),
			PlanOnly:    true,
			ExpectError: expectError(`LLM Provider Already Exists.*already has a provider named "taken".*import`),
		},
		resource.TestStep{ // two resources with one name: refused at plan, nothing is written
			Config: s.ProviderBlock() + `
resource "aegis_llm_provider" "a" {
  name     = "dup"
  type     = "ollama"
  base_url = "http://localhost:11434"
  model    = "qwen"
}
resource "aegis_llm_provider" "b" {
  name     = "dup"
  type     = "ollama"
  base_url = "http://localhost:11434"
  model    = "llama"
}
`,
			ExpectError: expectError(`Duplicate LLM Provider Name.*name = "dup"`),
		},
	)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			// The duplicate step created one of the two; the post-test destroy removed it.
			if after := s.ReadConfig(); !bytes.Equal(before, after) {
				return fmt.Errorf("config file differs after the bad-input steps and destroy:\n%s", after)
			}
			return nil
		},
	})
	if n := len(badProviders) + len(aliasCases) + 2; n < 40 {
		t.Fatalf("only %d bad-input cases", n)
	}

	// The same bodies straight to the admin API.
	for _, b := range badProviders {
		if b.tfOnly {
			continue
		}
		body, _ := json.Marshal(b.attrs)
		name, _ := b.attrs["name"].(string)
		status, got := rawPut(t, s, "/v1/admin/llm/providers/"+name, body)
		if status < 400 || status > 499 {
			t.Errorf("%s: API answered %d: %s", b.name, status, got)
		}
		if !strings.Contains(got, `"type":"urn:aegis:problem:`) {
			t.Errorf("%s: API answer is no problem+json: %s", b.name, got)
		}
	}
	for _, raw := range []string{`{"type":`, `[]`, `"x"`, `{"name":"p","type":"openai","model":"m","api_key":"env:K","temperature":"hot"}`,
		`{"name":"p","type":"openai","model":"m","api_key":"env:K","max_token":5}`, `{"name":"p","type":"openai","model":"m","api_key":"env:K","max_tokens":1.5}`,
		`{"name":"p","type":"openai","model":"m","api_key":"env:K","max_tokens":99999999999999999999}`, `{"name":"q","type":"openai","model":"m","api_key":"env:K"}`,
		strings.Repeat(" ", 2<<20)} {
		if status, got := rawPut(t, s, "/v1/admin/llm/providers/p", []byte(raw)); status < 400 || status > 499 {
			t.Errorf("body %.60q: API answered %d: %s", raw, status, got)
		}
	}
	if status, got := rawPut(t, s, "/v1/admin/llm/aliases/fast2", []byte(`{"provider":"missing"}`)); status != http.StatusUnprocessableEntity {
		t.Errorf("alias to a missing provider: %d %s", status, got)
	}
	if after := s.ReadConfig(); !bytes.Equal(before, after) {
		t.Fatalf("config file changed by refused API writes:\n%s", after)
	}
	if _, err := s.Client().GetProvider(context.Background(), "p"); !client.IsNotFound(err) {
		t.Fatalf("a refused body created provider p: %v", err)
	}
}

func rawPut(t *testing.T, s *testserver.Server, path string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}
