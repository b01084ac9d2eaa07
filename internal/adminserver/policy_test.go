package adminserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAllowLists: a token holder cannot make the orchestrator send a secret to a
// host of their choosing, nor name the server's own credentials, nor learn
// whether a variable or OpenBao path exists: refusals are 422s naming the rule,
// the same whether the thing exists or not.
func TestAllowLists(t *testing.T) {
	env := map[string]string{"OPENAI_API_KEY": secretValue, "DB_PASSWORD": "hunter2-db", "BAO_TOKEN": "bao-secret-token", "AZURE_OPENAI_KEY": "az"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	f := newFixture(t, func(c *Config) { c.Getenv = getenv })
	before := f.fileBytes()
	oa := func(key, baseURL string) string {
		b := `{"type":"openai-compatible","model":"m","api_key":"` + key + `"`
		if baseURL != "" {
			b += `,"base_url":"` + baseURL + `"`
		}
		return b + "}"
	}
	cases := []struct{ name, body, field, want string }{
		{"server's OpenBao token", oa("env:BAO_TOKEN", ""), "api_key", "never allowed"},
		{"admin token", oa("env:AEGIS_ADMIN_TOKEN", ""), "api_key", "never allowed"},
		{"read-only token", oa("env:AEGIS_ADMIN_READONLY_TOKEN", ""), "api_key", "never allowed"},
		{"vault token", oa("env:VAULT_TOKEN", ""), "api_key", "never allowed"},
		{"other secret, set", oa("env:DB_PASSWORD", ""), "api_key", "--allow-env"},
		{"other secret, unset", oa("env:NOPE_PASSWORD", ""), "api_key", "--allow-env"},
		{"vault path outside aegis/", oa("vault:secret/db#password", ""), "api_key", "--allow-vault-prefix"},
		{"vault prefix look-alike", oa("vault:aegis2/llm/x", ""), "api_key", "--allow-vault-prefix"},
		{"secret path outside aegis/", oa("secret:ops/kv/db", ""), "api_key", "--allow-vault-prefix"},
		{"attacker host", oa("env:OPENAI_API_KEY", "http://attacker.example/v1"), "base_url", "--allow-base-url-host"},
		{"azure look-alike suffix", oa("env:OPENAI_API_KEY", "https://evil-openai.azure.com.attacker.example/v1"), "base_url", "--allow-base-url-host"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.admin("PUT", "/v1/admin/llm/providers/x", c.body)
			if m := f.expect(r, 422); !hasField(m, c.field) || !strings.Contains(string(r.body), c.want) {
				t.Fatalf("want %s refused with %q: %s", c.field, c.want, r.body)
			}
		})
	}
	// Retargeting an existing provider at another host is refused alike.
	r := f.admin("PUT", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","base_url":"https://attacker.example/v1"}`)
	f.expect(r, 422)
	// No oracle: a set and an unset variable get the same answer.
	a := f.admin("PUT", "/v1/admin/llm/providers/x", oa("env:DB_PASSWORD", "")).body
	b := f.admin("PUT", "/v1/admin/llm/providers/x", oa("env:NOPE_PASSWORD", "")).body
	if !bytes.Equal(bytes.ReplaceAll(a, []byte("DB_PASSWORD"), []byte("NOPE_PASSWORD")), b) {
		t.Fatalf("answers differ for a set and an unset variable:\n%s\n%s", a, b)
	}
	if !bytes.Equal(before, f.fileBytes()) {
		t.Fatalf("a refused write changed the file")
	}
	// The defaults keep the guide's examples working.
	for name, body := range map[string]string{
		"openai":    `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o"}`,
		"anthropic": `{"type":"anthropic","api_key":"env:ANTHROPIC_API_KEY","model":"claude"}`,
		"azure":     `{"type":"openai","api_key":"env:AZURE_OPENAI_KEY","base_url":"https://my-resource.openai.azure.com/openai/deployments/gpt-4o","api_version":"2024-02-01","model":"gpt-4o"}`,
		"azure-bao": `{"type":"openai","api_key":"vault:aegis/llm/azure#api_key","base_url":"https://my-resource.openai.azure.com/openai/deployments/gpt-4o","api_version":"2024-02-01","model":"gpt-4o"}`,
		"ollama":    `{"type":"ollama","base_url":"http://localhost:11434","model":"qwen2.5-coder:32b"}`,
	} {
		f.expect(f.admin("PUT", "/v1/admin/llm/providers/ok-"+name, body), 201)
	}

	// A reference the operator wrote into the file by hand is never looked up
	// for a caller: its status is unchecked whether it resolves or not.
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, []byte("llm:\n  providers:\n    - {name: a, type: openai, model: m, api_key: \"env:DB_PASSWORD\"}\n    - {name: b, type: openai, model: m, api_key: \"env:NOPE_PASSWORD\"}\n  aliases: {}\n"))
	g := newFixtureAt(t, path, func(c *Config) { c.Getenv = getenv })
	for _, p := range g.expect(g.admin("GET", "/v1/admin/llm/providers", nil), 200)["providers"].([]any) {
		if st := p.(map[string]any)["credential"].(map[string]any)["status"]; st != "unchecked" {
			t.Errorf("%v: status %v, want unchecked", p.(map[string]any)["name"], st)
		}
	}

	// Wider lists are the operator's choice; the server's credentials stay out.
	h := newFixture(t, func(c *Config) {
		c.Getenv = getenv
		c.Policy = &Policy{EnvNames: []string{"*"}, VaultPrefixes: []string{"*"}, BaseURLHosts: []string{"*"}}
	})
	h.expect(h.admin("PUT", "/v1/admin/llm/providers/x", oa("env:DB_PASSWORD", "https://api.example.com/v1")), 201)
	h.expect(h.admin("PUT", "/v1/admin/llm/providers/y", oa("env:BAO_TOKEN", "")), 422)
}

// TestExecutionLimits: running executions are capped (429) and expire.
func TestExecutionLimits(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxExecutions = 5 })
	var ids []string
	for range 5 {
		ids = append(ids, f.expect(f.do("POST", "/v1/executions", roToken, `{"model":"fast"}`), 201)["id"].(string))
	}
	p := f.expect(f.do("POST", "/v1/executions", roToken, `{"model":"fast"}`), 429)
	if !strings.Contains(p["detail"].(string), "finish one") {
		t.Fatalf("429 detail: %v", p["detail"])
	}
	f.expect(f.do("DELETE", "/v1/executions/"+ids[0], roToken, nil), 200)
	f.expect(f.do("POST", "/v1/executions", roToken, `{"model":"fast"}`), 201)

	g := newFixture(t, func(c *Config) { c.ExecutionTTL, c.CommitWindow = 500*time.Millisecond, 0 })
	id := g.expect(g.do("POST", "/v1/executions", roToken, `{"model":"fast"}`), 201)["id"].(string)
	g.expect(g.admin("PUT", "/v1/admin/llm/aliases/fast", `{"provider":"gpt-4o"}`), 200) // generation 1 now drains
	if d := g.status()["draining"].([]any); len(d) != 1 {
		t.Fatalf("draining %v, want generation 1", d)
	}
	time.Sleep(600 * time.Millisecond) // past the TTL
	g.expect(g.do("GET", "/v1/executions/"+id, roToken, nil), 404)
	if d := g.status()["draining"].([]any); len(d) != 0 {
		t.Fatalf("an expired execution still drains: %v", d)
	}
}

// TestOpenBaoFanOut: credential status against a fake OpenBao on loopback. 20
// reads of a config with 100 vault: providers look each path up once (cache),
// never two look-ups of one path at a time (singleflight), and with OpenBao
// hanging a read answers within the budget with "unchecked".
func TestOpenBaoFanOut(t *testing.T) {
	var calls atomic.Int64
	var mu sync.Mutex
	inflight, maxInflight := map[string]int{}, 0
	hang := make(chan struct{})
	var hanging atomic.Bool
	bao := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		mu.Lock()
		inflight[r.URL.Path]++
		maxInflight = max(maxInflight, inflight[r.URL.Path])
		mu.Unlock()
		defer func() { mu.Lock(); inflight[r.URL.Path]--; mu.Unlock() }()
		if hanging.Load() {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"data": map[string]any{"api_key": "x"}}})
	}))
	defer bao.Close()
	defer close(hang)

	var y strings.Builder
	y.WriteString("llm:\n  providers:\n")
	for i := range 100 {
		fmt.Fprintf(&y, "    - {name: p%d, type: openai, model: m, api_key: \"vault:aegis/llm/p%d#api_key\"}\n", i, i)
	}
	y.WriteString("  aliases: {}\n")
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, []byte(y.String()))
	f := newFixtureAt(t, path, func(c *Config) { c.OpenBaoAddr = bao.URL })

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(context.Background(), "GET", f.ts.URL+"/v1/admin/llm/config", nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_ = resp.Body.Close()
		}()
	}
	wg.Wait()
	t.Logf("20 concurrent reads of 100 vault: providers: %d OpenBao calls, at most %d at once per path", calls.Load(), maxInflight)
	if n := calls.Load(); n > 100 {
		t.Fatalf("20 reads of 100 vault: providers made %d OpenBao calls, want at most 100", n)
	}
	if maxInflight > 1 {
		t.Fatalf("%d concurrent look-ups of one path, want 1", maxInflight)
	}
	m := f.expect(f.admin("GET", "/v1/admin/llm/config", nil), 200)
	if st := m["providers"].([]any)[0].(map[string]any)["credential"].(map[string]any)["status"]; st != "resolved" {
		t.Fatalf("cached status %v", st)
	}

	// OpenBao hangs: a fresh server (empty cache) answers within the budget.
	hanging.Store(true)
	g := newFixtureAt(t, filepath.Join(t.TempDir(), "d.yaml"), func(c *Config) { c.OpenBaoAddr = bao.URL })
	writeFile(t, g.path, []byte(y.String()))
	g.expect(g.admin("POST", "/v1/admin/reload", nil), 200)
	start := time.Now()
	m = g.expect(g.admin("GET", "/v1/admin/llm/config", nil), 200)
	t.Logf("with OpenBao hanging, a read of 100 vault: providers answered in %v", time.Since(start).Round(time.Millisecond))
	if el := time.Since(start); el > 15*time.Second {
		t.Fatalf("a read with OpenBao hanging took %v", el)
	}
	if st := m["providers"].([]any)[0].(map[string]any)["credential"].(map[string]any)["status"]; st != "unchecked" {
		t.Fatalf("status with OpenBao hanging: %v", st)
	}
	if maxInflight > 1 {
		t.Fatalf("%d concurrent look-ups of one path, want 1", maxInflight)
	}
}
