package adminserver

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/nodecheck"
)

// newV1Fixture starts a server on a copy of one of the daemon's own templates.
func newV1Fixture(t *testing.T, template string, opts ...func(*Config)) (*fixture, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", template))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "aegis-config.yaml")
	writeFile(t, path, data)
	return newFixtureAt(t, path, opts...), data
}

// checkV1 asserts that the file is valid for the daemon and unchanged outside spec.llm_providers.
func (f *fixture) checkV1(orig []byte) []byte {
	f.t.Helper()
	now := f.fileBytes()
	if probs := nodecheck.Check(now); len(probs) > 0 {
		f.t.Fatalf("the daemon would refuse the file: %v\n%s", probs, now)
	}
	if ok, diff := nodecheck.SameOutside(orig, now); !ok {
		f.t.Fatalf("bytes outside spec.llm_providers changed: %s", diff)
	}
	return now
}

func TestV1StatusReportsFormat(t *testing.T) {
	f, _ := newV1Fixture(t, "config-minimal.yaml")
	if got := f.status()["format"]; got != "aegis/v1" {
		t.Fatalf("format = %v", got)
	}
	s := newFixture(t)
	if got := s.status()["format"]; got != "aegis/seed" {
		t.Fatalf("seed format = %v", got)
	}
}

func TestV1ReadsTemplateAliases(t *testing.T) {
	f, _ := newV1Fixture(t, "config-with-examples.yaml")
	fast := f.expect(f.admin("GET", "/v1/admin/llm/aliases/fast", nil), 200)
	if fast["provider"] != "local" || fast["model"] != "qwen2.5-coder:7b" {
		t.Fatalf("fast = %v", fast)
	}
	if sw, _ := fast["shared_with"].([]any); len(sw) != 2 {
		t.Fatalf("fast is not marked as shared: %v", fast)
	}
	def := f.expect(f.admin("GET", "/v1/admin/llm/aliases/default", nil), 200)
	if def["model"] != "llama3.2:latest" || def["shared_with"] != nil {
		t.Fatalf("default = %v", def)
	}
}

func TestV1ProviderLifecycle(t *testing.T) {
	f, orig := newV1Fixture(t, "config-minimal.yaml", func(c *Config) { c.ReloadCommand = "true" })
	reloads := f.reloads()
	// A provider without aliases lives in the server's state: no byte of the
	// file changes and the daemon is not restarted.
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/openai", map[string]any{
		"type": "openai", "api_key": "env:OPENAI_API_KEY", "model": "gpt-4o", "context_window": 128000,
	}), 201)
	if !bytes.Equal(f.fileBytes(), orig) {
		t.Fatalf("a provider without aliases changed the file")
	}
	if f.reloads() != reloads+1 {
		t.Fatalf("reloads = %d", f.reloads()-reloads)
	}
	if st, err := os.ReadFile(configfile.StatePath(f.path)); err != nil || !strings.Contains(string(st), `"openai"`) {
		t.Fatalf("state: %s %v", st, err)
	}
	f.expect(f.admin("GET", "/v1/admin/llm/providers/openai", nil), 200)
	// Its first alias brings it into the file, with the default endpoint.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/smart", map[string]any{"provider": "openai"}), 201)
	now := f.checkV1(orig)
	if !strings.Contains(string(now), `endpoint: "https://api.openai.com/v1"`) || !strings.Contains(string(now), `alias: "smart"`) {
		t.Fatalf("file:\n%s", now)
	}
	p := f.expect(f.admin("GET", "/v1/admin/llm/providers/openai", nil), 200)
	if _, has := p["base_url"]; has {
		t.Fatalf("base_url should read back unset: %v", p)
	}
	// Retarget fast (an override of local) to openai, and change openai's model.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]any{"provider": "openai"}), 200)
	f.checkV1(orig)
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/openai", map[string]any{
		"type": "openai", "api_key": "env:OPENAI_API_KEY", "model": "gpt-4.1", "context_window": 128000,
	}), 200)
	now = f.checkV1(orig)
	if strings.Count(string(now), `model: "gpt-4.1"`) != 2 {
		t.Fatalf("file:\n%s", now)
	}
	// Removing its aliases moves it back out of the file; deleting it then works.
	f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/smart", nil), 200)
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]any{"provider": "local"}), 200)
	now = f.checkV1(orig)
	if strings.Contains(string(now), `"openai"`) {
		t.Fatalf("openai is still in the file:\n%s", now)
	}
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/openai", nil), 200)
	f.checkV1(orig)
}

func TestV1RefusesWhatWouldBeLost(t *testing.T) {
	f, orig := newV1Fixture(t, "config-with-examples.yaml")
	for _, c := range []struct {
		method, path string
		body         any
		slug, field  string
	}{
		{"PUT", "/v1/admin/llm/aliases/fast", map[string]any{"provider": "anthropic"}, "alias-shared", "aliases.fast"},
		{"DELETE", "/v1/admin/llm/aliases/smart", nil, "alias-shared", "aliases.smart"},
		{"DELETE", "/v1/admin/llm/providers/anthropic", nil, "alias-shared", "aliases.smart"},
	} {
		body := f.expect(f.admin(c.method, c.path, c.body), 409)
		if body["type"] != adminapi.ProblemTypePrefix+c.slug || !strings.Contains(string(mustJSON(t, body)), c.field) {
			t.Errorf("%s %s: %v", c.method, c.path, body)
		}
	}
	// default_provider names local; removing its last alias would drop it from the file.
	m, morig := newV1Fixture(t, "config-minimal.yaml")
	m.expect(m.admin("DELETE", "/v1/admin/llm/aliases/fast", nil), 200)
	body := m.expect(m.admin("DELETE", "/v1/admin/llm/aliases/default", nil), 409)
	if body["type"] != adminapi.ProblemTypePrefix+"provider-referenced" || !strings.Contains(body["detail"].(string), "llm_selection.default_provider") {
		t.Fatalf("body = %v", body)
	}
	m.checkV1(morig)
	if !bytes.Equal(f.fileBytes(), orig) {
		t.Fatal("a refused write changed the file")
	}
}

func TestV1VaultRefusedSecretAccepted(t *testing.T) {
	f, _ := newV1Fixture(t, "config-minimal.yaml")
	body := f.expect(f.admin("PUT", "/v1/admin/llm/providers/o", map[string]any{
		"type": "openai", "api_key": "vault:aegis/openai#key", "model": "gpt-4o", "context_window": 1000,
	}), 422)
	if !strings.Contains(string(mustJSON(t, body)), "api_key") {
		t.Fatalf("body = %v", body)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/o", map[string]any{
		"type": "openai", "api_key": "secret:aegis/kv/openai", "model": "gpt-4o", "context_window": 1000,
	}), 201)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
