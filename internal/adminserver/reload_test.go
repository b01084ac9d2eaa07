package adminserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// groupCommit fires n concurrent PUTs to different providers and returns how many
// reloads they caused.
func groupCommit(t *testing.T, f *fixture, n int) int64 {
	t.Helper()
	before := f.reloads()
	gen0 := f.generation()
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]response, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = f.admin("PUT", fmt.Sprintf("/v1/admin/llm/providers/bulk-%02d", i), openaiBody(fmt.Sprintf("model-%d", i)))
		}()
	}
	close(start)
	wg.Wait()
	maxGen := int64(0)
	for i, r := range results {
		if r.status != 201 {
			t.Fatalf("writer %d: status %d: %s", i, r.status, r.body)
		}
		g := num(r.json(t)["generation"])
		if g <= gen0 || g > f.generation() {
			t.Errorf("writer %d: generation %d outside (%d, %d]", i, g, gen0, f.generation())
		}
		maxGen = max(maxGen, g)
	}
	reloads := f.reloads() - before
	if maxGen != f.generation() || f.generation()-gen0 != reloads {
		t.Errorf("generations %d..%d do not match %d reloads", gen0, f.generation(), reloads)
	}
	// Every write is live and in the file.
	cfg := f.expect(f.admin("GET", "/v1/admin/llm/config", nil), 200)
	if got := len(cfg["providers"].([]any)); got != 5+n {
		t.Errorf("%d providers live, want %d", got, 5+n)
	}
	doc, err := configfile.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if doc.LLM().Revision() != cfg["revision"] {
		t.Error("the file does not hold the live config")
	}
	return reloads
}

func TestGroupCommit(t *testing.T) {
	f := newFixture(t)
	const n = 20
	reloads := groupCommit(t, f, n)
	t.Logf("standalone, commit window %s: %d concurrent writers -> %d reloads", f.srv.cfg.CommitWindow, n, reloads)
	if reloads >= n {
		t.Errorf("%d writers caused %d reloads; group commit should need clearly fewer", n, reloads)
	}
	if lr := f.status()["last_reload"].(map[string]any); num(lr["changes"]) < 1 || lr["trigger"] != "api" {
		t.Errorf("last_reload %v", lr)
	}
}

func TestGroupCommitSidecar(t *testing.T) {
	// A reload that takes a while: everything that arrives meanwhile rides on the
	// next one.
	f := newFixture(t, func(c *Config) { c.ReloadCommand = "sleep 0.2" })
	const n = 20
	reloads := groupCommit(t, f, n)
	t.Logf("sidecar (reload takes 200ms): %d concurrent writers -> %d reloads", n, reloads)
	if reloads >= n {
		t.Errorf("%d writers caused %d reloads", n, reloads)
	}
}

// TestBatchSemantics drives one batch directly: each mutation sees the ones before
// it, a failing one is left out, and the rest is committed with one reload.
func TestBatchSemantics(t *testing.T) {
	f := newFixture(t)
	newProvider := llmconfig.Provider{Name: "extra", Type: "ollama", BaseURL: "http://h:1", Model: "m"}
	bad := 9.0
	reqs := []*commitRequest{
		{mutate: func(c *workingCopy) (bool, error) { // 0: create a provider
			c.Providers = append(c.Providers, newProvider)
			return true, nil
		}},
		{mutate: func(c *workingCopy) (bool, error) { // 1: depends on 0
			if err := llmconfig.CheckAliasTarget(c.LLM, "extra"); err != nil {
				return false, fieldProblem("x", llmconfig.FieldError{Field: "provider", Detail: err.Error()})
			}
			c.Aliases["fast"] = "extra"
			return true, nil
		}},
		{mutate: func(c *workingCopy) (bool, error) { // 2: invalid result, rolled back
			c.Providers[0].Temperature = &bad
			c.Aliases["zzz"] = "gpt-4o"
			return true, nil
		}},
		{mutate: func(*workingCopy) (bool, error) { // 3: a precondition failure
			return false, preconditionFailed("no", "abc")
		}},
		{mutate: func(*workingCopy) (bool, error) { // 4: a bug
			panic("bug")
		}},
		{mutate: func(*workingCopy) (bool, error) { return false, nil }}, // 5: a no-op
	}
	for _, r := range reqs {
		r.reply = make(chan commitReply, 1)
	}
	f.srv.runBatch(reqs)
	reps := make([]commitReply, len(reqs))
	for i, r := range reqs {
		reps[i] = <-r.reply
	}
	for _, i := range []int{0, 1, 5} {
		if reps[i].err != nil || reps[i].generation != 2 {
			t.Errorf("mutation %d: %+v, want success in generation 2", i, reps[i])
		}
	}
	if p := asProblem(reps[2].err); p == nil || p.Status != 422 || !hasFieldErr(p, "providers[gpt-4o].temperature") {
		t.Errorf("mutation 2: %v", reps[2].err)
	}
	if p := asProblem(reps[3].err); p == nil || p.Status != 412 {
		t.Errorf("mutation 3: %v", reps[3].err)
	}
	if p := asProblem(reps[4].err); p == nil || p.Status != 500 {
		t.Errorf("mutation 4: %v", reps[4].err)
	}
	if f.reloads() != 1 || f.generation() != 2 {
		t.Errorf("reloads %d, generation %d; want one reload", f.reloads(), f.generation())
	}
	live := f.srv.snap.Load().llm
	if live.Aliases["fast"] != "extra" || live.Provider("extra") == nil || live.Aliases["zzz"] != "" || live.Providers[0].Temperature == nil || *live.Providers[0].Temperature != 0.2 {
		t.Errorf("live config: %+v", live)
	}
	if lr := f.srv.lastReload.Load(); lr.Changes != 2 {
		t.Errorf("last_reload.changes %d, want 2", lr.Changes)
	}
}

func asProblem(err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	return nil
}

func hasFieldErr(p *problem, field string) bool {
	for _, fe := range p.Errors {
		if fe.Field == field {
			return true
		}
	}
	return false
}

func TestGracefulReloadKeepsRunningExecutions(t *testing.T) {
	f := newFixture(t)
	first := f.expect(f.admin("POST", "/v1/executions", `{"model":"fast"}`), 201)
	if first["alias"] != "fast" || first["provider"] != "claude-3-5-haiku" || first["model"] != "claude-3-5-haiku-20241022" ||
		num(first["generation"]) != 1 || first["state"] != "running" || first["id"] == "" || first["started_at"] == "" {
		t.Fatalf("first execution: %v", first)
	}
	id := first["id"].(string)
	if st := f.status(); len(st["draining"].([]any)) != 0 {
		t.Errorf("draining before any reload: %v", st["draining"])
	}

	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o-mini"}), 200)

	second := f.expect(f.admin("POST", "/v1/executions", `{"model":"fast"}`), 201)
	if second["provider"] != "gpt-4o-mini" || second["model"] != "gpt-4o-mini" || num(second["generation"]) != 2 {
		t.Errorf("second execution: %v", second)
	}
	again := f.expect(f.admin("GET", "/v1/executions/"+id, nil), 200)
	if again["provider"] != "claude-3-5-haiku" || again["model"] != "claude-3-5-haiku-20241022" || num(again["generation"]) != 1 || again["state"] != "running" {
		t.Errorf("the running execution changed: %v", again)
	}
	draining := f.status()["draining"].([]any)
	if len(draining) != 1 || num(draining[0].(map[string]any)["generation"]) != 1 || num(draining[0].(map[string]any)["in_flight"]) != 1 {
		t.Errorf("draining %v, want generation 1 with 1 in flight", draining)
	}

	done := f.expect(f.admin("DELETE", "/v1/executions/"+id, nil), 200)
	if done["state"] != "finished" || done["provider"] != "claude-3-5-haiku" {
		t.Errorf("finished: %v", done)
	}
	f.expect(f.admin("GET", "/v1/executions/"+id, nil), 404)
	f.expect(f.admin("DELETE", "/v1/executions/"+id, nil), 404)
	if d := f.status()["draining"].([]any); len(d) != 0 {
		t.Errorf("draining after the old execution finished: %v", d)
	}
	// The current generation is never "draining".
	f.expect(f.admin("DELETE", "/v1/executions/"+second["id"].(string), nil), 200)
}

func TestExecutionModels(t *testing.T) {
	f := newFixture(t)
	e := f.expect(f.admin("POST", "/v1/executions", `{}`), 201)
	if e["alias"] != "default" || e["provider"] != "gpt-4o" {
		t.Errorf("default: %v", e)
	}
	e = f.expect(f.admin("POST", "/v1/executions", nil), 201)
	if e["alias"] != "default" {
		t.Errorf("empty body: %v", e)
	}
	for _, body := range []string{`{"model":"nope"}`, `{"model":"gpt-4o-mini"}`, `{"model":"Not Valid"}`} {
		p := f.expect(f.admin("POST", "/v1/executions", body), 422)
		if !hasField(p, "model") {
			t.Errorf("%s: %v", body, p)
		}
	}
	f.expect(f.admin("POST", "/v1/executions", `{"alias":"fast"}`), 422)
	f.expect(f.admin("POST", "/v1/executions", `{`), 400)
	f.expect(f.admin("GET", "/v1/executions/unknown", nil), 404)
}

func TestReloadPicksUpHandEdits(t *testing.T) {
	f := newFixture(t)
	orig := f.fileBytes()

	// Nothing changed: no new generation.
	r := f.expect(f.admin("POST", "/v1/admin/reload", nil), 200)
	if r["changed"] != false || num(r["generation"]) != 1 {
		t.Errorf("reload of an unchanged file: %v", r)
	}

	edited := bytes.Replace(orig, []byte("fast: claude-3-5-haiku"), []byte("fast: gpt-4o-mini"), 1)
	edited = bytes.Replace(edited, []byte("region: eu-west-1"), []byte("region: us-east-2"), 1)
	if err := os.WriteFile(f.path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	resp := f.admin("POST", "/v1/admin/reload", nil)
	r = f.expect(resp, 200)
	if r["changed"] != true || num(r["generation"]) != 2 || resp.header.Get("Aegis-Generation") != "2" {
		t.Errorf("reload: %v", r)
	}
	a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/fast", nil), 200)
	if a["provider"] != "gpt-4o-mini" {
		t.Errorf("fast after reload: %v", a)
	}
	lr := f.status()["last_reload"].(map[string]any)
	if lr["trigger"] != "file" || lr["outcome"] != "success" || num(lr["changes"]) != 1 {
		t.Errorf("last_reload %v", lr)
	}

	// An invalid hand edit is refused, and the live config stays.
	invalid := bytes.Replace(edited, []byte("temperature: 0.2"), []byte("temperature: 5"), 1)
	invalid = bytes.Replace(invalid, []byte("review: claude-3-5-sonnet"), []byte("review: no-such-provider"), 1)
	if err := os.WriteFile(f.path, invalid, 0o600); err != nil {
		t.Fatal(err)
	}
	p := f.expect(f.admin("POST", "/v1/admin/reload", nil), 422)
	if p["type"] != "urn:aegis:problem:validation" || !hasField(p, "providers[gpt-4o].temperature") || !hasField(p, "aliases.review") {
		t.Errorf("invalid reload: %v", p)
	}
	if f.generation() != 2 {
		t.Errorf("generation %d after a refused reload", f.generation())
	}
	g := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o", nil), 200)
	if g["temperature"] != 0.2 {
		t.Errorf("the live config changed: %v", g)
	}
	lr = f.status()["last_reload"].(map[string]any)
	if lr["outcome"] != "failure" || !strings.Contains(lr["error"].(string), "invalid") {
		t.Errorf("last_reload after a refused reload: %v", lr)
	}

	// Unparseable YAML is refused as well.
	if err := os.WriteFile(f.path, []byte("llm: [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.expect(f.admin("POST", "/v1/admin/reload", nil), 422)
	// And a mutation cannot overwrite a file it cannot parse.
	p = f.expect(f.admin("PUT", "/v1/admin/llm/providers/x", openaiBody("x")), 503)
	if p["type"] != "urn:aegis:problem:write-failed" {
		t.Errorf("write over an unparseable file: %v", p)
	}
	if got, _ := os.ReadFile(f.path); string(got) != "llm: [unclosed\n" {
		t.Error("the unparseable file was overwritten")
	}
	if f.generation() != 2 {
		t.Errorf("generation %d", f.generation())
	}

	// Reload also serializes with mutations: Reload() goes through the committer.
	if err := os.WriteFile(f.path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := f.srv.Reload(TriggerFile)
	if err != nil || !res.Changed || res.Generation != 3 {
		t.Errorf("Reload: %+v, %v", res, err)
	}
}

func TestSidecarReloadFailureRestoresTheFile(t *testing.T) {
	dir := t.TempDir()
	failFlag := filepath.Join(dir, "fail")
	seen := filepath.Join(dir, "seen.yaml")
	if err := os.WriteFile(failFlag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AEGIS_ADMIN_TOKEN", adminToken) // must not reach the reload command
	cmd := fmt.Sprintf(`cp "$AEGIS_CONFIG" %q; env | grep -c AEGIS_ADMIN_TOKEN > %q; if [ -f %q ]; then echo "daemon says: boom" >&2; exit 3; fi`,
		seen, filepath.Join(dir, "tokens"), failFlag)
	f := newFixture(t, func(c *Config) { c.ReloadCommand = cmd })
	before := f.fileBytes()

	if st := f.status(); st["mode"] != "sidecar" {
		t.Errorf("mode %v", st["mode"])
	}
	p := f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("changed")), 424)
	if p["type"] != "urn:aegis:problem:reload-failed" || strings.Contains(p["detail"].(string), "boom") || !strings.Contains(p["detail"].(string), "exit status 3") {
		t.Errorf("424: %v", p)
	}
	if !strings.Contains(f.logs.String(), "daemon says: boom") {
		t.Error("the reload command's output is not in the log")
	}
	if !bytes.Equal(before, f.fileBytes()) {
		t.Error("the previous file was not restored byte for byte")
	}
	if f.generation() != 1 || f.reloads() != 0 {
		t.Errorf("generation %d, reloads %d after a failed reload", f.generation(), f.reloads())
	}
	if g := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o-mini", nil), 200); g["model"] != "gpt-4o-mini" {
		t.Errorf("the live config changed: %v", g)
	}
	// The command saw the new file while it ran.
	if got, _ := os.ReadFile(seen); !bytes.Contains(got, []byte("model: changed")) {
		t.Errorf("the reload command did not see the new file:\n%s", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "tokens")); strings.TrimSpace(string(got)) != "0" {
		t.Errorf("the reload command saw AEGIS_ADMIN_TOKEN (%q)", got)
	}
	lr := f.status()["last_reload"].(map[string]any)
	if lr["outcome"] != "failure" || !strings.Contains(lr["error"].(string), "exit status 3") || strings.Contains(lr["error"].(string), "boom") {
		t.Errorf("last_reload %v", lr)
	}

	// The daemon recovers: the next PUT goes through.
	if err := os.Remove(failFlag); err != nil {
		t.Fatal(err)
	}
	p = f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("changed")), 200)
	if num(p["generation"]) != 2 {
		t.Errorf("after recovery: %v", p)
	}
	if !bytes.Contains(f.fileBytes(), []byte("model: changed")) {
		t.Error("the file does not hold the change")
	}
	// A no-op does not run the command at all.
	if err := os.WriteFile(failFlag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("changed")), 200)

	// A file reload whose command fails keeps the generation: 424.
	edited := bytes.Replace(f.fileBytes(), []byte("fast: claude-3-5-haiku"), []byte("fast: gpt-4o"), 1)
	if err := os.WriteFile(f.path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	f.expect(f.admin("POST", "/v1/admin/reload", nil), 424)
	if f.generation() != 2 {
		t.Errorf("generation %d after a failed file reload", f.generation())
	}
}

func TestSidecarReloadTimeoutAndOutputTail(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.ReloadCommand = `for i in $(seq 1 300); do echo "line $i of noisy output"; done; echo "key=$OPENAI_API_KEY"; echo END; sleep 30`
		c.ReloadTimeout = 2 * time.Second // room for the output on a loaded machine; the command sleeps 30s
		c.ReloadEnv = []string{"OPENAI_API_KEY"}
	})
	t.Setenv("OPENAI_API_KEY", secretValue)
	before := f.fileBytes()
	p := f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("changed")), 424)
	detail := p["detail"].(string)
	if !strings.Contains(detail, "timed out") || strings.Contains(detail, "END") || strings.Contains(detail, "key=") {
		t.Errorf("detail: %s", detail)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "END") || !strings.Contains(logs, "key=[redacted]") {
		t.Errorf("the log lacks the redacted output tail:\n%s", logs)
	}
	if strings.Contains(logs, "line 1 of") {
		t.Errorf("the output is not cut to its tail")
	}
	if !bytes.Equal(before, f.fileBytes()) || f.generation() != 1 {
		t.Error("a timed-out reload changed the config")
	}
}

func TestStartup(t *testing.T) {
	t.Run("lock", func(t *testing.T) {
		f := newFixture(t)
		_, err := New(Config{ConfigPath: f.path, Token: "other"})
		if err == nil || !strings.Contains(err.Error(), "another aegis-admin already serves "+f.path) {
			t.Fatalf("second New on the same file: %v", err)
		}
	})
	t.Run("missing file is created", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.yaml")
		f := newFixtureAt(t, path)
		doc, err := configfile.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if llm := doc.LLM(); len(llm.Providers) != 0 || len(llm.Aliases) != 0 {
			t.Fatalf("created file: %+v", llm)
		}
		f.expect(f.admin("PUT", "/v1/admin/llm/providers/local", `{"type":"ollama","base_url":"http://localhost:11434","model":"m"}`), 201)
		f.expect(f.admin("PUT", "/v1/admin/llm/aliases/default", `{"provider":"local"}`), 201)
		e := f.expect(f.admin("POST", "/v1/executions", nil), 201)
		if e["provider"] != "local" {
			t.Errorf("execution %v", e)
		}
	})
	t.Run("invalid file", func(t *testing.T) {
		seed, _ := os.ReadFile("testdata/seed.yaml")
		path := filepath.Join(t.TempDir(), "bad.yaml")
		bad := bytes.Replace(seed, []byte("temperature: 0.2"), []byte("temperature: 7"), 1)
		writeFile(t, path, bad)
		s, err := New(Config{ConfigPath: path, Token: "t"})
		if err == nil {
			_ = s.Close()
			t.Fatal("New accepted an invalid file")
		}
		if !strings.Contains(err.Error(), "providers[gpt-4o].temperature") {
			t.Errorf("error does not name the field: %v", err)
		}
		// The lock is released on failure.
		writeFile(t, path, seed)
		s, err = New(Config{ConfigPath: path, Token: "t"})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
	})
	t.Run("tokens", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if _, err := New(Config{ConfigPath: path}); err == nil {
			t.Error("New without a token")
		}
		if _, err := New(Config{ConfigPath: path, Token: "same", ReadOnlyToken: "same"}); err == nil {
			t.Error("New with equal tokens")
		}
	})
}

func TestVaultCredentialStatus(t *testing.T) {
	const baoToken = "bao-token-s3cr3t"
	var mu sync.Mutex
	var sawToken bool
	bao := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sawToken = sawToken || r.Header.Get("X-Vault-Token") == baoToken
		mu.Unlock()
		switch r.URL.Path {
		case "/v1/aegis/data/llm/openai":
			_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"data": map[string]any{"api_key": "sk-from-bao-123456"}}})
		case "/v1/aegis/data/llm/broken":
			w.WriteHeader(500)
		default:
			w.WriteHeader(404)
		}
	}))
	defer bao.Close()

	seed, _ := os.ReadFile("testdata/seed.yaml")
	seed = bytes.Replace(seed, []byte(`api_key: "env:OPENAI_API_KEY"`), []byte(`api_key: "vault:aegis/llm/openai#api_key"`), 1)
	seed = bytes.Replace(seed, []byte(`api_key: "env:OPENAI_API_KEY"`), []byte(`api_key: "vault:aegis/llm/openai#other"`), 1)
	seed = bytes.Replace(seed, []byte(`api_key: "env:ANTHROPIC_API_KEY"`), []byte(`api_key: "vault:aegis/llm/anthropic"`), 1)
	seed = bytes.Replace(seed, []byte(`api_key: "env:ANTHROPIC_API_KEY"`), []byte(`api_key: "vault:aegis/llm/broken"`), 1)

	statuses := func(addr string) map[string]string {
		path := filepath.Join(t.TempDir(), "c.yaml")
		writeFile(t, path, seed)
		f := newFixtureAt(t, path, func(c *Config) { c.OpenBaoAddr, c.OpenBaoToken = addr, baoToken })
		out := map[string]string{}
		for _, p := range f.expect(f.admin("GET", "/v1/admin/llm/providers", nil), 200)["providers"].([]any) {
			pm := p.(map[string]any)
			if c, ok := pm["credential"].(map[string]any); ok {
				if c["source"] != "vault" {
					t.Errorf("%v: source %v", pm["name"], c["source"])
				}
				out[pm["name"].(string)] = c["status"].(string)
			}
			if bytes.Contains(f.fileBytes(), []byte("sk-from-bao")) {
				t.Error("a secret reached the file")
			}
		}
		one := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o", nil), 200)
		if c := one["credential"].(map[string]any); c["status"] != out["gpt-4o"] {
			t.Errorf("single GET %v vs list %v", c["status"], out["gpt-4o"])
		}
		for _, b := range f.bodies {
			if bytes.Contains(b, []byte("sk-from-bao")) || bytes.Contains(b, []byte(baoToken)) {
				t.Errorf("a response carries an OpenBao secret: %s", b)
			}
		}
		return out
	}

	got := statuses(bao.URL)
	want := map[string]string{"gpt-4o": "resolved", "gpt-4o-mini": "missing", "claude-3-5-sonnet": "missing", "claude-3-5-haiku": "unchecked"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("with OpenBao: %s is %q, want %q", k, got[k], v)
		}
	}
	mu.Lock()
	if !sawToken {
		t.Error("OpenBao never saw the token")
	}
	mu.Unlock()

	got = statuses("")
	for k := range want {
		if got[k] != "unchecked" {
			t.Errorf("without OpenBao: %s is %q, want unchecked", k, got[k])
		}
	}
}

// An API write never runs over a hand edit of the llm section that was not
// reloaded: it gets 409 file-changed and the file is untouched; once the edit is
// reloaded, the write succeeds and keeps it.
func TestWriteRefusesUnreloadedHandEdit(t *testing.T) {
	f := newFixture(t)
	edited := bytes.Replace(f.fileBytes(), []byte("fast: claude-3-5-haiku"), []byte("fast: gpt-4o-mini"), 1)
	if err := os.WriteFile(f.path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	gen := f.generation()
	p := f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o", openaiBody("gpt-4o-2024-08-06")), 409)
	if p["type"] != "urn:aegis:problem:file-changed" || !strings.Contains(p["detail"].(string), "POST /v1/admin/reload") {
		t.Errorf("problem %v", p)
	}
	if !bytes.Equal(f.fileBytes(), edited) || f.generation() != gen {
		t.Fatal("the refused write changed the file or the generation")
	}
	f.expect(f.admin("POST", "/v1/admin/reload", nil), 200)
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o", openaiBody("gpt-4o-2024-08-06")), 200)
	if a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/fast", nil), 200); a["provider"] != "gpt-4o-mini" {
		t.Errorf("the reloaded hand edit was lost: %v", a)
	}
}

// TestReloadOutputRedaction: a reload command that prints its environment and
// fails. It never sees the server's secrets (a minimal environment), and API
// callers, the read-only token's status included, see its exit status, not its
// output; the output goes to the log, redacted.
func TestReloadOutputRedaction(t *testing.T) {
	t.Setenv("DB_PASSWORD", "db-password-9f8e7d6c")
	t.Setenv("BAO_TOKEN", "bao-token-1a2b3c4d")
	t.Setenv("OPENAI_API_KEY", secretValue)
	t.Setenv("AEGIS_ADMIN_TOKEN", adminToken)
	f := newFixture(t, func(c *Config) {
		c.ReloadCommand = `echo "DB_PASSWORD=$DB_PASSWORD BAO=$BAO_TOKEN KEY=$OPENAI_API_KEY ADMIN=$AEGIS_ADMIN_TOKEN PATH_SET=${PATH:+yes} CONFIG=$AEGIS_CONFIG"; echo "printed-by-reload"; exit 3`
		c.ReloadEnv = []string{"OPENAI_API_KEY", "AEGIS_ADMIN_TOKEN"}
	})
	r := f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("changed"))
	p := f.expect(r, 424)
	if d := p["detail"].(string); !strings.Contains(d, "exit status 3") || strings.Contains(d, "printed-by-reload") {
		t.Errorf("424 detail: %s", d)
	}
	st := f.expect(f.do("GET", "/v1/admin/status", roToken, nil), 200)
	lr := st["last_reload"].(map[string]any)
	if e := lr["error"].(string); !strings.Contains(e, "exit status 3") || strings.Contains(e, "printed-by-reload") {
		t.Errorf("read-only status shows %q", e)
	}
	logs := f.logs.String()
	for _, want := range []string{"printed-by-reload", "DB_PASSWORD= ", "BAO= ", "KEY=[redacted]", "ADMIN= ", "PATH_SET=yes", "CONFIG=" + f.path} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
	for _, leaked := range []string{"db-password-9f8e7d6c", "bao-token-1a2b3c4d"} {
		for _, b := range append(f.bodies, []byte(logs)) {
			if strings.Contains(string(b), leaked) {
				t.Errorf("%s leaked: %s", leaked, b)
			}
		}
	}
}
