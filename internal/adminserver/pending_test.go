package adminserver

import (
	"bytes"
	"strings"
	"testing"
)

// TestDeferredDelete: a provider that aliases still use is refused by a plain
// DELETE (409, as always) and accepted with Prefer: deferred-delete. It keeps
// serving its aliases and running executions, is listed in status, refuses new
// aliases, and disappears in the same commit as its last alias.
func TestDeferredDelete(t *testing.T) {
	f := newFixture(t)
	exec := f.expect(f.admin("POST", "/v1/executions", map[string]string{"model": "reasoning"}), 201)

	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/gpt-4o", nil), 409)
	before := f.fileBytes()
	r := f.admin("DELETE", "/v1/admin/llm/providers/gpt-4o", nil, "Prefer", "deferred-delete")
	body := f.expect(r, 202)
	if r.header.Get("Preference-Applied") != "deferred-delete" || body["deleting"] != true {
		t.Fatalf("deferred delete answer: %v %s", r.header, r.body)
	}
	if !bytes.Equal(before, f.fileBytes()) || f.generation() != 1 {
		t.Fatal("marking a provider deleting changed the file or the generation")
	}
	// Still served: executions start on its aliases, the provider reads as deleting.
	f.expect(f.admin("POST", "/v1/executions", map[string]string{"model": "default"}), 201)
	if p := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o", nil), 200); p["deleting"] != true {
		t.Errorf("provider does not read as deleting: %v", p)
	}
	pending, _ := f.status()["pending_deletions"].([]any)
	if len(pending) != 1 || pending[0].(map[string]any)["provider"] != "gpt-4o" ||
		len(pending[0].(map[string]any)["aliases"].([]any)) != 2 {
		t.Fatalf("status pending_deletions: %v", pending)
	}
	// A retry of the deferred delete is answered alike.
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/gpt-4o", nil, "Prefer", "deferred-delete"), 202)
	// Nothing new may be pointed at it.
	p := f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o"}), 409)
	if p["type"] != "urn:aegis:problem:provider-deleting" || !strings.Contains(p["detail"].(string), "cancel its deletion") {
		t.Errorf("alias to a deleting provider: %v", p)
	}

	// One alias leaves: the provider stays.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/default", map[string]string{"provider": "claude-3-5-sonnet"}), 200)
	f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o", nil), 200)
	gen := f.generation()
	// The last one leaves: the provider goes in the same commit.
	del := f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/reasoning", nil), 200)
	if num(del["generation"]) != gen+1 {
		t.Errorf("alias delete in generation %v, want %d", del["generation"], gen+1)
	}
	f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o", nil), 404)
	if strings.Contains(string(f.fileBytes()), "name: gpt-4o\n") {
		t.Fatalf("the file still holds the provider:\n%s", f.fileBytes())
	}
	if pending, _ := f.status()["pending_deletions"].([]any); len(pending) != 0 {
		t.Errorf("pending_deletions after the last alias left: %v", pending)
	}
	// The execution started before keeps its provider.
	e := f.expect(f.admin("GET", "/v1/executions/"+exec["id"].(string), nil), 200)
	if e["provider"] != "gpt-4o" || e["model"] != "gpt-4o" {
		t.Errorf("running execution lost its provider: %v", e)
	}
	if d, _ := f.status()["draining"].([]any); len(d) == 0 {
		t.Error("the old generation is not draining while its execution runs")
	}
}

// TestDeferredDeleteCancelledByCreate: creating the provider again while it is
// being deleted cancels the deletion (it belonged to nobody any more).
func TestDeferredDeleteCancelledByCreate(t *testing.T) {
	f := newFixture(t)
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/claude-3-5-haiku", nil, "Prefer", "deferred-delete"), 202)
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/claude-3-5-haiku", map[string]any{
		"type": "anthropic", "api_key": "env:ANTHROPIC_API_KEY", "model": "claude-3-5-haiku-latest",
	}, "If-None-Match", "*"), 201)
	f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/fast", nil), 200)
	p := f.expect(f.admin("GET", "/v1/admin/llm/providers/claude-3-5-haiku", nil), 200)
	if p["model"] != "claude-3-5-haiku-latest" || p["deleting"] != nil {
		t.Errorf("re-created provider: %v", p)
	}
}

// TestDeferredDeleteSurvivesRestart: the pending deletion is kept in the state
// file, so a restart does not leave the provider behind.
func TestDeferredDeleteSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/claude-3-5-haiku", nil, "Prefer", "deferred-delete"), 202)
	f.ts.Close()
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	g := newFixtureAt(t, f.path)
	g.expect(g.admin("DELETE", "/v1/admin/llm/aliases/fast", nil), 200)
	g.expect(g.admin("GET", "/v1/admin/llm/providers/claude-3-5-haiku", nil), 404)
}

// TestBatchOrdersProvidersBeforeAliases: in one batch, an alias that arrives
// before the provider it names, and a plain provider delete that arrives before
// its alias's delete, both succeed.
func TestBatchOrdersProvidersBeforeAliases(t *testing.T) {
	f := newFixture(t)
	ok := func(status int, err error) {
		if err != nil || status >= 300 {
			t.Errorf("status %d: %v", status, err)
		}
	}
	reqs := []*commitRequest{
		{mutate: func(c *workingCopy) (bool, error) {
			if c.Provider("new") == nil {
				p := fieldProblem("x")
				p.retryAfterBatch = true
				return false, p
			}
			c.Aliases["newalias"] = "new"
			return true, nil
		}},
		{mutate: func(c *workingCopy) (bool, error) {
			c.Providers = append(c.Providers, c.Provider("gpt-4o").Clone())
			c.Providers[len(c.Providers)-1].Name = "new"
			return true, nil
		}},
	}
	for _, r := range reqs {
		r.reply = make(chan commitReply, 1)
	}
	f.srv.runBatch(reqs)
	for _, r := range reqs {
		rep := <-r.reply
		ok(200, rep.err)
	}
	if f.srv.snap.Load().llm.Aliases["newalias"] != "new" {
		t.Fatal("alias not committed")
	}
}

// TestIdempotencyKey: a retried create with the same key is answered again
// (not 412) while the object is what it made; a new key for the same create
// gets 412; a key reused for another request is refused.
func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	key := []string{"Idempotency-Key", `"k-1"`, "If-None-Match", "*"}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/new", openaiBody("m1"), key...), 201)
	r := f.admin("PUT", "/v1/admin/llm/providers/new", openaiBody("m1"), key...)
	f.expect(r, 201)
	if r.header.Get("Idempotent-Replayed") != "true" {
		t.Error("replayed answer not marked")
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/new", openaiBody("m1"), "Idempotency-Key", `"k-2"`, "If-None-Match", "*"), 412)
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/new", openaiBody("m2"), key...), 422)
	// Once the object changed, the key no longer adopts it.
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/new", openaiBody("m3")), 200)
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/new", openaiBody("m1"), key...), 412)
	// Aliases alike, and keys survive a restart.
	akey := []string{"Idempotency-Key", `"a-1"`, "If-None-Match", "*"}
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/newalias", map[string]string{"provider": "new"}, akey...), 201)
	f.ts.Close()
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	g := newFixtureAt(t, f.path)
	g.expect(g.admin("PUT", "/v1/admin/llm/aliases/newalias", map[string]string{"provider": "new"}, akey...), 201)
	g.expect(g.admin("PUT", "/v1/admin/llm/aliases/newalias", map[string]string{"provider": "new"}, "If-None-Match", "*"), 412)
	g.expect(g.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "new"}, "Idempotency-Key", "bad key"), 400)
}
