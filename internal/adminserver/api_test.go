package adminserver

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestAuth(t *testing.T) {
	f := newFixture(t)

	r := f.do("GET", "/v1/admin/status", "", nil)
	p := f.expect(r, 401)
	if p["type"] != "urn:aegis:problem:unauthorized" {
		t.Errorf("type %v", p["type"])
	}
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	f.expect(f.do("GET", "/v1/admin/status", "wrong-token", nil), 401)
	f.expect(f.do("GET", "/v1/admin/status", adminToken+"x", nil), 401)
	f.expect(f.do("GET", "/v1/admin/status", "", nil, "Authorization", "Basic "+adminToken), 401)
	f.expect(f.do("GET", "/v1/admin/llm/providers/gpt-4o", "", nil), 401)
	f.expect(f.do("POST", "/v1/executions", "", `{}`), 401)
	// Unknown routes do not reveal themselves before authentication.
	f.expect(f.do("GET", "/v1/nope", "", nil), 401)

	// healthz is open.
	h := f.expect(f.do("GET", "/healthz", "", nil), 200)
	if h["status"] != "ok" || num(h["generation"]) != 1 {
		t.Errorf("healthz %v", h)
	}

	// The read-only token reads...
	f.expect(f.do("GET", "/v1/admin/llm/providers/gpt-4o", roToken, nil), 200)
	f.expect(f.do("GET", "/v1/admin/llm/config", roToken, nil), 200)
	f.expect(f.do("GET", "/v1/admin/status", roToken, nil), 200)
	// ...and runs executions...
	e := f.expect(f.do("POST", "/v1/executions", roToken, `{"model":"fast"}`), 201)
	f.expect(f.do("GET", "/v1/executions/"+e["id"].(string), roToken, nil), 200)
	f.expect(f.do("DELETE", "/v1/executions/"+e["id"].(string), roToken, nil), 200)
	// ...but never changes the configuration.
	before := f.fileBytes()
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:X","model":"m"}`},
		{"DELETE", "/v1/admin/llm/providers/gpt-4o-mini", ""},
		{"PUT", "/v1/admin/llm/aliases/fast", `{"provider":"gpt-4o"}`},
		{"DELETE", "/v1/admin/llm/aliases/fast", ""},
		{"POST", "/v1/admin/reload", ""},
	} {
		p := f.expect(f.do(c.method, c.path, roToken, c.body), 403)
		if p["type"] != "urn:aegis:problem:forbidden" {
			t.Errorf("%s %s: type %v", c.method, c.path, p["type"])
		}
	}
	if !bytes.Equal(before, f.fileBytes()) || f.generation() != 1 {
		t.Fatal("a read-only request changed the config")
	}
	// The admin token does everything.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o"}), 200)
}

func TestProviderCRUD(t *testing.T) {
	f := newFixture(t, allowHosts("api.groq.com"))

	r := f.admin("GET", "/v1/admin/llm/providers/gpt-4o", nil)
	p := f.expect(r, 200)
	if p["name"] != "gpt-4o" || p["type"] != "openai" || p["model"] != "gpt-4o" || num(p["max_tokens"]) != 4096 || p["temperature"] != 0.2 {
		t.Errorf("gpt-4o: %v", p)
	}
	if r.header.Get("ETag") != `"`+p["revision"].(string)+`"` {
		t.Errorf("ETag %q vs revision %v", r.header.Get("ETag"), p["revision"])
	}
	if _, ok := p["generation"]; ok {
		t.Errorf("a GET carries no generation in the body: %v", p)
	}
	if c := p["credential"].(map[string]any); c["source"] != "env" || c["status"] != "resolved" {
		t.Errorf("credential %v", c)
	}
	p = f.expect(f.admin("GET", "/v1/admin/llm/providers/claude-3-5-haiku", nil), 200)
	if c := p["credential"].(map[string]any); c["source"] != "env" || c["status"] != "missing" {
		t.Errorf("credential of an unset variable: %v", c)
	}
	p = f.expect(f.admin("GET", "/v1/admin/llm/providers/ollama-qwen", nil), 200)
	if _, ok := p["credential"]; ok {
		t.Errorf("a provider without api_key has no credential: %v", p)
	}
	if _, ok := p["api_key"]; ok {
		t.Errorf("unset optional fields are omitted: %v", p)
	}

	p = f.expect(f.admin("GET", "/v1/admin/llm/providers/nope", nil), 404)
	if p["type"] != "urn:aegis:problem:not-found" || num(p["status"]) != 404 || p["title"] == "" {
		t.Errorf("problem %v", p)
	}
	f.expect(f.admin("GET", "/v1/admin/llm/providers/Not_Valid!", nil), 404)

	// Create.
	body := map[string]any{"type": "openai-compatible", "api_key": "env:GROQ_API_KEY", "base_url": "https://api.groq.com/openai/v1", "model": "llama-3.3-70b", "max_tokens": 2048, "context_window": 32768, "temperature": 1.5}
	r = f.admin("PUT", "/v1/admin/llm/providers/groq", body)
	p = f.expect(r, 201)
	if num(p["generation"]) != 2 || r.header.Get("Aegis-Generation") != "2" {
		t.Errorf("create: generation %v / %q", p["generation"], r.header.Get("Aegis-Generation"))
	}
	if r.header.Get("Location") != "/v1/admin/llm/providers/groq" {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	if p["name"] != "groq" || p["base_url"] != body["base_url"] || p["temperature"] != 1.5 {
		t.Errorf("create: %v", p)
	}
	createdRev := p["revision"].(string)
	g := f.expect(f.admin("GET", "/v1/admin/llm/providers/groq", nil), 200)
	if g["revision"] != createdRev {
		t.Errorf("GET after PUT: revision %v, want %v", g["revision"], createdRev)
	}
	if !strings.Contains(string(f.fileBytes()), "name: groq") {
		t.Error("the new provider is not in the file")
	}

	// Update (name in the body may be given when it equals the path).
	body["model"] = "llama-3.1-8b"
	body["name"] = "groq"
	r = f.admin("PUT", "/v1/admin/llm/providers/groq", body)
	p = f.expect(r, 200)
	if num(p["generation"]) != 3 || p["model"] != "llama-3.1-8b" || p["revision"] == createdRev {
		t.Errorf("update: %v", p)
	}

	// Listing keeps file order, new providers last.
	l := f.expect(f.admin("GET", "/v1/admin/llm/providers", nil), 200)
	var names []string
	for _, x := range l["providers"].([]any) {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	want := []string{"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "claude-3-5-haiku", "ollama-qwen", "groq"}
	if !slices.Equal(names, want) {
		t.Errorf("providers %v, want %v", names, want)
	}
	if num(l["generation"]) != 3 || l["revision"] == "" {
		t.Errorf("list: %v", l)
	}

	// Delete.
	r = f.admin("DELETE", "/v1/admin/llm/providers/groq", nil)
	p = f.expect(r, 200)
	if p["name"] != "groq" || num(p["generation"]) != 4 || r.header.Get("Aegis-Generation") != "4" {
		t.Errorf("delete: %v", p)
	}
	f.expect(f.admin("GET", "/v1/admin/llm/providers/groq", nil), 404)
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/groq", nil), 404)
	if strings.Contains(string(f.fileBytes()), "groq") {
		t.Error("the deleted provider is still in the file")
	}

	// The whole config is one snapshot.
	r = f.admin("GET", "/v1/admin/llm/config", nil)
	c := f.expect(r, 200)
	if num(c["generation"]) != 4 || len(c["providers"].([]any)) != 5 || len(c["aliases"].([]any)) != 5 {
		t.Errorf("config: %v", c)
	}
	if r.header.Get("ETag") != `"`+c["revision"].(string)+`"` {
		t.Errorf("config ETag %q", r.header.Get("ETag"))
	}
	st := f.status()
	if st["revision"] != c["revision"] || num(st["reloads_total"]) != 3 || st["mode"] != "standalone" {
		t.Errorf("status %v", st)
	}
	lr := st["last_reload"].(map[string]any)
	if lr["outcome"] != "success" || lr["trigger"] != "api" || num(lr["changes"]) != 1 {
		t.Errorf("last_reload %v", lr)
	}
}

func TestConditionalWrites(t *testing.T) {
	f := newFixture(t)
	cur := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o-mini", nil), 200)["revision"].(string)

	// If-None-Match: * creates only.
	p := f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("x"), "If-None-Match", "*"), 412)
	if p["type"] != "urn:aegis:problem:precondition-failed" || p["current_revision"] != cur {
		t.Errorf("create-only on an existing provider: %v", p)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/brand-new", openaiBody("x"), "If-None-Match", "*"), 201)

	// If-Match with a stale revision.
	p = f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("y"), "If-Match", `"0000000000000000"`), 412)
	if p["current_revision"] != cur {
		t.Errorf("stale If-Match: current_revision %v, want %v", p["current_revision"], cur)
	}
	// If-Match on a missing object: 412 without current_revision.
	p = f.expect(f.admin("PUT", "/v1/admin/llm/providers/missing", openaiBody("y"), "If-Match", `"`+cur+`"`), 412)
	if _, ok := p["current_revision"]; ok {
		t.Errorf("current_revision of a missing object: %v", p)
	}
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/missing", nil, "If-Match", `"`+cur+`"`), 412)
	// Malformed tags are a bad request.
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("y"), "If-Match", cur), 400)

	// A matching If-Match (weak form, in a list) updates.
	r := f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("y"), "If-Match", `"aaaa", W/"`+cur+`"`)
	p = f.expect(r, 200)
	next := p["revision"].(string)
	if next == cur || r.header.Get("ETag") != `"`+next+`"` {
		t.Errorf("update: %v", p)
	}
	// The old revision no longer deletes it; the new one does.
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/gpt-4o-mini", nil, "If-Match", `"`+cur+`"`), 412)
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/gpt-4o-mini", nil, "If-Match", `"`+next+`"`), 200)

	// Aliases follow the same rules.
	a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/fast", nil), 200)
	p = f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o"}, "If-None-Match", "*"), 412)
	if p["current_revision"] != a["revision"] {
		t.Errorf("alias create-only: %v", p)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o"}, "If-Match", `"`+a["revision"].(string)+`"`), 200)
	f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/fast", nil, "If-Match", `"`+a["revision"].(string)+`"`), 412)
}

func TestConcurrentIfMatchOneWins(t *testing.T) {
	f := newFixture(t)
	cur := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o-mini", nil), 200)["revision"].(string)
	before := f.generation()

	const writers = 2
	results := make([]response, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody(fmt.Sprintf("writer-%d", i)), "If-Match", `"`+cur+`"`)
		}()
	}
	close(start)
	wg.Wait()

	var won []int
	for i, r := range results {
		switch r.status {
		case 200:
			won = append(won, i)
		case 412:
		default:
			t.Fatalf("writer %d: status %d: %s", i, r.status, r.body)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d writers won with the same If-Match, want exactly 1", len(won))
	}
	got := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o-mini", nil), 200)
	if got["model"] != fmt.Sprintf("writer-%d", won[0]) {
		t.Errorf("live model %v, but writer %d won", got["model"], won[0])
	}
	loser := results[1-won[0]].json(t)
	if loser["current_revision"] != got["revision"] {
		t.Errorf("the loser's current_revision %v is not the winner's %v", loser["current_revision"], got["revision"])
	}
	if f.generation() != before+1 {
		t.Errorf("generation %d, want %d", f.generation(), before+1)
	}
}

func TestDeleteProviderInUse(t *testing.T) {
	f := newFixture(t)
	before := f.fileBytes()
	p := f.expect(f.admin("DELETE", "/v1/admin/llm/providers/gpt-4o", nil), 409)
	if p["type"] != "urn:aegis:problem:provider-in-use" {
		t.Errorf("type %v", p["type"])
	}
	aliases, _ := p["aliases"].([]any)
	if len(aliases) != 2 || aliases[0] != "default" || aliases[1] != "reasoning" {
		t.Errorf("aliases %v, want [default reasoning]", p["aliases"])
	}
	detail := p["detail"].(string)
	if !strings.Contains(detail, `"default"`) || !strings.Contains(detail, `"reasoning"`) {
		t.Errorf("detail does not name the aliases: %s", detail)
	}
	if !bytes.Equal(before, f.fileBytes()) || f.generation() != 1 {
		t.Error("a refused delete changed something")
	}
	// Once the aliases point elsewhere, the delete goes through.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/default", map[string]string{"provider": "claude-3-5-sonnet"}), 200)
	f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/reasoning", nil), 200)
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/gpt-4o", nil), 200)
}

func TestInvalidBodiesChangeNothing(t *testing.T) {
	f := newFixture(t)
	before := f.fileBytes()
	big := `{"type":"openai","api_key":"env:A","model":"` + strings.Repeat("m", MaxBodyBytes) + `"}`
	cases := []struct {
		name, path, body string
		status           int
		field            string
	}{
		{"literal key", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"sk-proj-abcdef1234567890","model":"gpt-4o"}`, 422, "api_key"},
		{"temperature 3", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","temperature":3}`, 422, "temperature"},
		{"max_tokens > context_window", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","max_tokens":9000,"context_window":8000}`, 422, "max_tokens"},
		{"unknown field", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","max_token":10}`, 422, "max_token"},
		{"read-only field", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","revision":"abc"}`, 422, "revision"},
		{"unknown type", "/v1/admin/llm/providers/gpt-4o", `{"type":"mistral","api_key":"env:OPENAI_API_KEY","model":"gpt-4o"}`, 422, "type"},
		{"missing api_key", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","model":"gpt-4o"}`, 422, "api_key"},
		{"ollama without base_url", "/v1/admin/llm/providers/gpt-4o", `{"type":"ollama","model":"x"}`, 422, "base_url"},
		{"azure without api_version", "/v1/admin/llm/providers/azure", `{"type":"openai","api_key":"env:K","base_url":"https://r.openai.azure.com/openai/deployments/x","model":"x"}`, 422, "api_version"},
		{"wrong type", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","max_tokens":"many"}`, 422, "max_tokens"},
		{"fractional int", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","max_tokens":1.5}`, 422, "max_tokens"},
		{"name mismatch", "/v1/admin/llm/providers/gpt-4o", `{"name":"other","type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o"}`, 422, "name"},
		{"invalid path name", "/v1/admin/llm/providers/Bad_Name", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o"}`, 422, "name"},
		{"malformed JSON", "/v1/admin/llm/providers/gpt-4o", `{"type":`, 400, ""},
		{"not JSON", "/v1/admin/llm/providers/gpt-4o", `type: openai`, 400, ""},
		{"empty body", "/v1/admin/llm/providers/gpt-4o", ``, 400, ""},
		{"array body", "/v1/admin/llm/providers/gpt-4o", `[]`, 400, ""},
		{"trailing data", "/v1/admin/llm/providers/gpt-4o", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o"} {}`, 400, ""},
		{"too large", "/v1/admin/llm/providers/gpt-4o", big, 413, ""},
		{"alias to missing provider", "/v1/admin/llm/aliases/fast", `{"provider":"nope"}`, 422, "provider"},
		{"new alias to missing provider", "/v1/admin/llm/aliases/brand-new", `{"provider":"nope"}`, 422, "provider"},
		{"alias without provider", "/v1/admin/llm/aliases/fast", `{}`, 422, "provider"},
		{"alias invalid name", "/v1/admin/llm/aliases/UPPER", `{"provider":"gpt-4o"}`, 422, "name"},
		{"alias unknown field", "/v1/admin/llm/aliases/fast", `{"provider":"gpt-4o","model":"x"}`, 422, "model"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.admin("PUT", c.path, c.body)
			p := f.expect(r, c.status)
			if num(p["status"]) != int64(c.status) || p["title"] == "" || p["detail"] == "" {
				t.Errorf("problem %v", p)
			}
			if c.status == 422 {
				if p["type"] != "urn:aegis:problem:validation" {
					t.Errorf("type %v", p["type"])
				}
				if !hasField(p, c.field) {
					t.Errorf("errors %v do not name field %q", fieldsOf(p), c.field)
				}
			}
			if c.status == 400 && p["type"] != "urn:aegis:problem:bad-request" {
				t.Errorf("type %v", p["type"])
			}
			if c.status == 413 && p["type"] != "urn:aegis:problem:too-large" {
				t.Errorf("type %v", p["type"])
			}
			if bytes.Contains(r.body, []byte("sk-proj-abcdef1234567890")) {
				t.Error("the response echoes the literal key")
			}
			if !bytes.Equal(before, f.fileBytes()) {
				t.Error("the file changed")
			}
			if f.generation() != 1 || f.reloads() != 0 {
				t.Errorf("generation %d, reloads %d after a refused write", f.generation(), f.reloads())
			}
		})
	}
	if strings.Contains(f.logs.String(), "sk-proj-abcdef1234567890") {
		t.Error("the log contains the literal key")
	}
}

func TestAliases(t *testing.T) {
	f := newFixture(t)
	r := f.admin("GET", "/v1/admin/llm/aliases/fast", nil)
	a := f.expect(r, 200)
	if a["name"] != "fast" || a["provider"] != "claude-3-5-haiku" || a["provider_type"] != "anthropic" || a["model"] != "claude-3-5-haiku-20241022" {
		t.Errorf("fast: %v", a)
	}
	if r.header.Get("ETag") != `"`+a["revision"].(string)+`"` {
		t.Errorf("ETag %q", r.header.Get("ETag"))
	}
	f.expect(f.admin("GET", "/v1/admin/llm/aliases/nope", nil), 404)

	l := f.expect(f.admin("GET", "/v1/admin/llm/aliases", nil), 200)
	var names []string
	for _, x := range l["aliases"].([]any) {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	if !slices.Equal(names, []string{"default", "fast", "local", "reasoning", "review"}) {
		t.Errorf("aliases %v", names)
	}

	r = f.admin("PUT", "/v1/admin/llm/aliases/cheap", map[string]string{"provider": "ollama-qwen"})
	a = f.expect(r, 201)
	if a["provider_type"] != "ollama" || a["model"] != "qwen2.5-coder:32b" || num(a["generation"]) != 2 || r.header.Get("Aegis-Generation") != "2" {
		t.Errorf("create alias: %v", a)
	}
	a = f.expect(f.admin("PUT", "/v1/admin/llm/aliases/cheap", map[string]string{"provider": "gpt-4o-mini"}), 200)
	if a["provider_type"] != "openai" || a["model"] != "gpt-4o-mini" || num(a["generation"]) != 3 {
		t.Errorf("retarget alias: %v", a)
	}
	d := f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/cheap", nil), 200)
	if d["name"] != "cheap" || num(d["generation"]) != 4 {
		t.Errorf("delete alias: %v", d)
	}
	f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/cheap", nil), 404)
	f.expect(f.admin("GET", "/v1/admin/llm/aliases/cheap", nil), 404)
}

func TestNoopPutDoesNotReload(t *testing.T) {
	f := newFixture(t)
	before := f.fileBytes()
	cur := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o", nil), 200)
	body := map[string]any{"type": "openai", "api_key": "env:OPENAI_API_KEY", "model": "gpt-4o", "max_tokens": 4096, "context_window": 128000, "temperature": 0.2}
	r := f.admin("PUT", "/v1/admin/llm/providers/gpt-4o", body)
	p := f.expect(r, 200)
	if num(p["generation"]) != 1 || r.header.Get("Aegis-Generation") != "1" || p["revision"] != cur["revision"] {
		t.Errorf("no-op PUT: %v", p)
	}
	a := f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "claude-3-5-haiku"}), 200)
	if num(a["generation"]) != 1 {
		t.Errorf("no-op alias PUT: %v", a)
	}
	if f.reloads() != 0 || f.generation() != 1 {
		t.Errorf("reloads %d, generation %d after no-op PUTs", f.reloads(), f.generation())
	}
	if !bytes.Equal(before, f.fileBytes()) {
		t.Error("a no-op PUT rewrote the file")
	}
}

func TestCommentsAndForeignSectionsSurvive(t *testing.T) {
	f := newFixture(t)
	// A hand edit of another section, not reloaded, is kept by the next write.
	writeFile(t, f.path, bytes.Replace(f.fileBytes(), []byte("logs: json"), []byte("logs: text # edited by hand"), 1))
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("gpt-4o-mini-2024")), 200)
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o-mini"}), 200)
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/extra", openaiBody("extra")), 201)
	got := string(f.fileBytes())
	for _, want := range []string{
		"# AEGIS node configuration (hand-edited; keep this comment)",
		"node:\n  id: node-1\n  region: eu-west-1 # foreign section, must survive",
		"# OpenAI",
		"# Used when no model is specified",
		"fast: gpt-4o-mini            # Low latency, lower cost", // comment column kept
		"# trailing section\nobservability:\n  logs: text # edited by hand",
		"model: gpt-4o-mini-2024",
		"name: extra",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the file lost %q:\n%s", want, got)
		}
	}
}

func TestMethodNotAllowedAndUnknownRoutes(t *testing.T) {
	f := newFixture(t)
	r := f.admin("PATCH", "/v1/admin/llm/providers/gpt-4o", `{}`)
	p := f.expect(r, 405)
	if p["type"] != "urn:aegis:problem:method-not-allowed" || r.header.Get("Allow") != "DELETE, GET, HEAD, PUT" {
		t.Errorf("405: %v, Allow %q", p, r.header.Get("Allow"))
	}
	f.expect(f.admin("POST", "/v1/admin/llm/providers", `{}`), 405)
	f.expect(f.admin("GET", "/v1/admin/reload", nil), 405)
	f.expect(f.admin("PUT", "/v1/executions", nil), 405)
	f.expect(f.do("POST", "/healthz", "", nil), 405)
	for _, path := range []string{"/", "/v1", "/v1/admin/llm/providers/", "/v1/admin/llm/providers/a/b", "/v2/admin/status"} {
		p := f.expect(f.admin("GET", path, nil), 404)
		if p["type"] != "urn:aegis:problem:not-found" {
			t.Errorf("%s: %v", path, p)
		}
	}
}

func TestPanicIsA500Problem(t *testing.T) {
	f := newFixture(t)
	h := f.srv.accessLog(f.srv.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !strings.Contains(rec.Body.String(), "urn:aegis:problem:internal") {
		t.Errorf("body %s", rec.Body)
	}
	if !strings.Contains(f.logs.String(), "panic serving request") {
		t.Error("the panic was not logged")
	}
}

func TestRequestsTotalCountsEveryRequest(t *testing.T) {
	f := newFixture(t)
	n0 := num(f.status()["requests_total"])
	f.do("GET", "/healthz", "", nil)
	f.do("GET", "/v1/admin/status", "wrong", nil)
	f.admin("GET", "/nope", nil)
	if n := num(f.status()["requests_total"]); n != n0+4 {
		t.Errorf("requests_total %d, want %d", n, n0+4)
	}
}

func TestCloseAnswers503AndReleasesTheLock(t *testing.T) {
	f := newFixture(t)
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	p := f.expect(f.admin("PUT", "/v1/admin/llm/providers/x", openaiBody("x")), 503)
	if p["type"] != "urn:aegis:problem:unavailable" {
		t.Errorf("type %v", p["type"])
	}
	s2, err := New(Config{ConfigPath: f.path, Token: "t"})
	if err != nil {
		t.Fatalf("the lock was not released: %v", err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
}
