package adminserver

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
)

var awaitPref = []string{"Prefer", "await-provider"}

func aliasPut(provider string) adminapi.AliasPut { return adminapi.AliasPut{Provider: provider} }

// awaiting returns the status's awaiting_aliases by alias name.
func (f *fixture) awaiting() map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := f.status()["awaiting_aliases"].([]any)
	for _, a := range list {
		m := a.(map[string]any)
		out[m["alias"].(string)] = m
	}
	return out
}

// TestAwaitProvider: an alias whose provider does not exist is refused by a
// plain PUT (422, as always) and accepted with Prefer: await-provider (202):
// not routed, not listed, not in the file, visible in status. It goes live in
// the same commit (same generation) that creates its provider.
func TestAwaitProvider(t *testing.T) {
	f := newFixture(t)
	p := f.expect(f.admin("PUT", "/v1/admin/llm/aliases/later", map[string]string{"provider": "gpt-5"}), 422)
	if !strings.Contains(string(f.admin("GET", "/v1/admin/llm/aliases/later", nil).body), "does not exist") || len(f.awaiting()) != 0 || p["errors"] == nil {
		t.Fatalf("a plain PUT: %v, awaiting %v", p, f.awaiting())
	}
	before, gen := f.fileBytes(), f.generation()
	r := f.admin("PUT", "/v1/admin/llm/aliases/later", map[string]string{"provider": "gpt-5"}, append(awaitPref, "If-None-Match", "*")...)
	body := f.expect(r, 202)
	if r.header.Get("Preference-Applied") != "await-provider" || body["awaiting"] != true || body["provider"] != "gpt-5" ||
		body["awaiting_until"] == nil || r.header.Get("ETag") != `"`+body["revision"].(string)+`"` {
		t.Fatalf("awaiting answer: %v %s", r.header, r.body)
	}
	if !bytes.Equal(before, f.fileBytes()) || f.generation() != gen {
		t.Fatal("recording an awaiting alias changed the file or the generation")
	}
	// Not an alias yet: not read, not listed, not routed.
	nf := f.expect(f.admin("GET", "/v1/admin/llm/aliases/later", nil), 404)
	if !strings.Contains(nf["detail"].(string), `awaits provider "gpt-5"`) {
		t.Errorf("GET of an awaiting alias: %v", nf)
	}
	if strings.Contains(string(f.admin("GET", "/v1/admin/llm/aliases", nil).body), `"later"`) {
		t.Error("the awaiting alias is listed among the aliases")
	}
	if aw, _ := f.configAwaiting(); aw["later"]["provider"] != "gpt-5" {
		t.Errorf("the config snapshot does not list the awaiting alias under awaiting_aliases: %v", aw)
	}
	if r := f.admin("POST", "/v1/executions", map[string]string{"model": "later"}); r.status < 400 {
		t.Errorf("an execution was routed to an awaiting alias: %d %s", r.status, r.body)
	}
	aw := f.awaiting()["later"]
	if aw == nil || aw["provider"] != "gpt-5" || aw["until"] == nil || aw["since"] == nil {
		t.Fatalf("status awaiting_aliases: %v", f.awaiting())
	}

	// The provider's create writes the alias in its own commit.
	pr := f.admin("PUT", "/v1/admin/llm/providers/gpt-5", openaiBody("gpt-5"), "If-None-Match", "*")
	f.expect(pr, 201)
	created := num(pr.json(t)["generation"])
	if created != gen+1 {
		t.Fatalf("provider created in generation %d, want %d", created, gen+1)
	}
	a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/later", nil), 200)
	if a["provider"] != "gpt-5" || a["model"] != "gpt-5" {
		t.Fatalf("alias after its provider came: %v", a)
	}
	if f.generation() != created {
		t.Fatalf("generation %d after the create, want %d: the alias was written in another commit", f.generation(), created)
	}
	if !strings.Contains(string(f.fileBytes()), "later: gpt-5") {
		t.Fatalf("the file does not hold the alias:\n%s", f.fileBytes())
	}
	if len(f.awaiting()) != 0 {
		t.Fatalf("still awaiting: %v", f.awaiting())
	}
	f.expect(f.admin("POST", "/v1/executions", map[string]string{"model": "later"}), 201)
}

// TestAwaitProviderSameBatch: within one batch, awaiting aliases that come
// before their provider, and after it, are all committed with it; an awaiting
// alias never waits for a batch that does not create its provider.
func TestAwaitProviderSameBatch(t *testing.T) {
	f := newFixture(t)
	// Across batches: recorded in one, written in the provider's.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/a1", map[string]string{"provider": "p1"}, awaitPref...), 202)
	gen := f.generation()
	// One batch holding: an awaiting alias before its provider, the provider,
	// and an alias after it (through the handlers, queued together).
	done := make(chan response, 3)
	go func() {
		done <- f.admin("PUT", "/v1/admin/llm/aliases/a2", map[string]string{"provider": "p1"}, awaitPref...)
	}()
	go func() {
		done <- f.admin("PUT", "/v1/admin/llm/providers/p1", openaiBody("m1"), "If-None-Match", "*")
	}()
	go func() {
		done <- f.admin("PUT", "/v1/admin/llm/aliases/a3", map[string]string{"provider": "p1"}, awaitPref...)
	}()
	for range 3 {
		if r := <-done; r.status >= 300 && r.status != 202 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
	snap := f.srv.snap.Load()
	for _, a := range []string{"a1", "a2", "a3"} {
		if snap.llm.Aliases[a] != "p1" {
			t.Errorf("alias %s not live: %v", a, snap.llm.Aliases)
		}
	}
	if len(snap.awaiting) != 0 {
		t.Errorf("still awaiting: %v", snap.awaiting)
	}
	// a1 went live in the commit that created p1 (no generation without p1).
	if snap.generation > gen+3 {
		t.Errorf("generation %d after at most three commits from %d", snap.generation, gen)
	}

	// Directly in one batch, in the order alias, provider, alias.
	reqs := []*commitRequest{}
	var b1, b2 *awaitRecord
	alias := func(name string, rec **awaitRecord) *commitRequest {
		return &commitRequest{mutate: func(c *workingCopy) (bool, error) {
			if c.Provider("p2") == nil {
				p := fieldProblem("x")
				p.retryAfterBatch = true
				if !c.final {
					return false, p
				}
				return false, c.awaitProvider(name, aliasPut("p2"), f.srv.snap.Load().format, time.Minute, nil, rec)
			}
			_, ch, _, err := c.writeAlias(name, aliasPut("p2"), f.srv.snap.Load().format)
			return ch, err
		}}
	}
	reqs = append(reqs, alias("b1", &b1), &commitRequest{mutate: func(c *workingCopy) (bool, error) {
		p := c.Provider("gpt-4o").Clone()
		p.Name = "p2"
		c.Providers = append(c.Providers, p)
		return true, nil
	}}, alias("b2", &b2))
	for _, r := range reqs {
		r.reply = make(chan commitReply, 1)
	}
	gen = f.generation()
	f.srv.runBatch(reqs)
	for _, r := range reqs {
		if rep := <-r.reply; rep.err != nil || rep.generation != gen+1 {
			t.Fatalf("reply %+v, want generation %d", rep, gen+1)
		}
	}
	if b1 != nil || b2 != nil {
		t.Errorf("an alias of the batch that creates its provider was recorded as awaiting: %v %v", b1, b2)
	}
	if l := f.srv.snap.Load().llm; l.Aliases["b1"] != "p2" || l.Aliases["b2"] != "p2" {
		t.Fatalf("aliases of the batch: %v", l.Aliases)
	}
}

// TestAwaitProviderExpires: an awaiting alias whose provider does not come in
// time is dropped (and logged); a provider created afterwards gets no alias.
func TestAwaitProviderExpires(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AwaitProviderTimeout = 300 * time.Millisecond })
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/late", map[string]string{"provider": "never"}, awaitPref...), 202)
	if len(f.awaiting()) != 1 {
		t.Fatal("not awaiting")
	}
	for i := 0; len(f.awaiting()) != 0; i++ {
		if i > 200 {
			t.Fatal("the awaiting alias was never dropped")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(f.logs.String(), "alias awaiting its provider dropped") {
		t.Error("the drop was not logged")
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/never", openaiBody("m"), "If-None-Match", "*"), 201)
	f.expect(f.admin("GET", "/v1/admin/llm/aliases/late", nil), 404)
}

// TestAwaitProviderSurvivesRestart: the awaiting alias is kept in the state
// file, so the provider's create after a restart still writes it.
func TestAwaitProviderSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/later", map[string]string{"provider": "gpt-5"}, awaitPref...), 202)
	f.ts.Close()
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	g := newFixtureAt(t, f.path)
	if g.awaiting()["later"] == nil {
		t.Fatalf("awaiting after restart: %v", g.awaiting())
	}
	g.expect(g.admin("PUT", "/v1/admin/llm/providers/gpt-5", openaiBody("gpt-5")), 201)
	g.expect(g.admin("GET", "/v1/admin/llm/aliases/later", nil), 200)
}

// TestAwaitProviderRefusals: a target that is being deleted is still a 409
// (it exists), an invalid target name a 422, and If-Match needs a live alias.
func TestAwaitProviderRefusals(t *testing.T) {
	f := newFixture(t)
	f.expect(f.admin("DELETE", "/v1/admin/llm/providers/gpt-4o", nil, "Prefer", "deferred-delete"), 202)
	p := f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o"}, awaitPref...), 409)
	if p["type"] != "urn:aegis:problem:provider-deleting" {
		t.Errorf("alias awaiting a deleting provider: %v", p)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "Bad Name!"}, awaitPref...), 422)
	// A seed-format node holds no alias settings: refused now, not dropped later.
	if p := f.expect(f.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "later", "model": "m"}, awaitPref...), 422); !strings.Contains(p["detail"].(string), `provider "later" does not exist yet`) {
		t.Errorf("override awaiting on a seed node: %v", p)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "nope"}, append(awaitPref, "If-Match", `"abc"`)...), 412)
	if len(f.awaiting()) != 0 {
		t.Fatalf("a refused write left something awaiting: %v", f.awaiting())
	}
}

// TestAwaitProviderCancelAndReplace: a DELETE cancels an awaiting alias (If-Match
// compares with its 202's ETag); a later PUT replaces it (If-None-Match: *
// passes: nothing is live); a PUT of a live alias cancels what was awaiting
// under its name; an Idempotency-Key retry is answered 202 again.
func TestAwaitProviderCancelAndReplace(t *testing.T) {
	f := newFixture(t)
	r := f.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "p1"}, awaitPref...)
	f.expect(r, 202)
	etag := r.header.Get("ETag")
	f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/x", nil, "If-Match", `"other"`), 412)
	d := f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/x", nil, "If-Match", etag), 200)
	if d["awaiting_canceled"] != true || len(f.awaiting()) != 0 {
		t.Fatalf("cancel: %v, awaiting %v", d, f.awaiting())
	}
	f.expect(f.admin("DELETE", "/v1/admin/llm/aliases/x", nil), 404)

	// Replace: the later write wins.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "p1"}, awaitPref...), 202)
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "p2"}, append(awaitPref, "If-None-Match", "*")...), 202)
	if aw := f.awaiting(); len(aw) != 1 || aw["x"]["provider"] != "p2" {
		t.Fatalf("replaced: %v", aw)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "gpt-4o"}, awaitPref...), 201)
	if len(f.awaiting()) != 0 {
		t.Fatalf("a live write left the awaiting one: %v", f.awaiting())
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/p2", openaiBody("m")), 201)
	if a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/x", nil), 200); a["provider"] != "gpt-4o" {
		t.Fatalf("a canceled awaiting write was applied: %v", a)
	}

	// A live alias retargeted to a provider that does not exist yet keeps its
	// target until the provider comes.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/x", map[string]string{"provider": "p3"}, awaitPref...), 202)
	if a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/x", nil), 200); a["provider"] != "gpt-4o" {
		t.Fatalf("awaiting retarget changed the live alias: %v", a)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/p3", openaiBody("m3")), 201)
	if a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/x", nil), 200); a["provider"] != "p3" {
		t.Fatalf("awaiting retarget not applied: %v", a)
	}

	// Idempotency-Key retry.
	key := append(awaitPref, "Idempotency-Key", `"k-await"`, "If-None-Match", "*")
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/y", map[string]string{"provider": "p4"}, key...), 202)
	rr := f.admin("PUT", "/v1/admin/llm/aliases/y", map[string]string{"provider": "p4"}, key...)
	f.expect(rr, 202)
	if rr.header.Get("Idempotent-Replayed") != "true" {
		t.Error("retry of an awaiting write not replayed")
	}
}

// TestAwaitProviderHandEdit: a provider added by a hand edit (reload) gets its
// awaiting aliases in the next commit.
func TestAwaitProviderHandEdit(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AwaitProviderTimeout = time.Minute })
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/later", map[string]string{"provider": "hand"}, awaitPref...), 202)
	data := strings.Replace(string(f.fileBytes()), "  providers:\n", "  providers:\n    - name: hand\n      type: openai\n      api_key: env:OPENAI_API_KEY\n      model: m\n", 1)
	if !strings.Contains(data, "name: hand") {
		t.Fatalf("cannot edit the seed:\n%s", f.fileBytes())
	}
	writeFile(t, f.path, []byte(data))
	f.expect(f.admin("POST", "/v1/admin/reload", nil), 200)
	for i := 0; f.srv.snap.Load().llm.Aliases["later"] != "hand"; i++ {
		if i > 200 {
			t.Fatal("the awaiting alias was not written after the reload")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// refuseAlias is a validate or reload command that refuses (exits 1 on) a
// config file holding the alias "refused-alias".
const refuseAlias = `! grep -q refused-alias "$AEGIS_CONFIG"`

// waitFor polls cond until it holds, and fails the test if it does not within
// a generous deadline (a bound on a condition, not a timed assertion).
func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("%s: not by the deadline", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// addProviderByHand adds a provider to the seed file as an operator would.
func (f *fixture) addProviderByHand(name string) {
	f.t.Helper()
	data := strings.Replace(string(f.fileBytes()), "  providers:\n", "  providers:\n    - name: "+name+"\n      type: openai\n      api_key: env:OPENAI_API_KEY\n      model: m\n", 1)
	writeFile(f.t, f.path, []byte(data))
	f.expect(f.admin("POST", "/v1/admin/reload", nil), 200)
}

// TestAwaitProviderRefusedAfterHandEdit: an awaiting alias whose provider
// was added by a hand edit, and that the validate (or reload) command refuses,
// never fails a writer's commit: it is settled in a commit of its own, which
// fails, drops it and logs it; every API write works throughout.
func TestAwaitProviderRefusedAfterHandEdit(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  func(*Config)
	}{
		{"validate command", func(c *Config) { c.ValidateCommand = refuseAlias }},
		{"reload command", func(c *Config) { c.ReloadCommand = refuseAlias }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opt, func(c *Config) { c.AwaitProviderTimeout = time.Hour })
			f.expect(f.admin("PUT", "/v1/admin/llm/aliases/refused-alias", aliasPut("hand"), awaitPref...), 202)
			f.addProviderByHand("hand")
			// An unrelated write right after the reload (before or after the
			// settle commit: either way it is not the awaiting alias's commit).
			f.expect(f.admin("PUT", "/v1/admin/llm/providers/other", openaiBody("m"), "If-None-Match", "*"), 201)
			f.waitFor("the refused awaiting alias is dropped", func() bool { return len(f.awaiting()) == 0 })
			if !strings.Contains(f.logs.String(), "alias awaiting its provider dropped") {
				t.Error("the drop was not logged")
			}
			f.expect(f.admin("GET", "/v1/admin/llm/aliases/refused-alias", nil), 404)
			if strings.Contains(string(f.fileBytes()), "refused-alias") {
				t.Fatalf("the refused alias was written:\n%s", f.fileBytes())
			}
			for _, p := range []string{"other2", "other3"} {
				f.expect(f.admin("PUT", "/v1/admin/llm/providers/"+p, openaiBody("m"), "If-None-Match", "*"), 201)
			}
		})
	}
}

// TestAwaitProviderCommitRefused: when the commit of a provider's create, which
// writes the aliases awaiting it, is refused by the validate command (422) or
// the reload command (424), the creator's answer names the awaiting alias and
// says it was dropped; the next create of the provider works.
func TestAwaitProviderCommitRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opt    func(*Config)
		status int
	}{
		{"validate command", func(c *Config) { c.ValidateCommand = refuseAlias }, 422},
		{"reload command", func(c *Config) { c.ReloadCommand = refuseAlias }, 424},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opt, func(c *Config) { c.AwaitProviderTimeout = time.Hour })
			f.expect(f.admin("PUT", "/v1/admin/llm/aliases/refused-alias", aliasPut("p1"), awaitPref...), 202)
			before := f.fileBytes()
			p := f.expect(f.admin("PUT", "/v1/admin/llm/providers/p1", openaiBody("m"), "If-None-Match", "*"), tc.status)
			if d, _ := p["detail"].(string); !strings.Contains(d, `alias "refused-alias"`) || !strings.Contains(d, "dropped") {
				t.Fatalf("the creator's answer does not name the dropped awaiting alias: %v", p)
			}
			if len(f.awaiting()) != 0 {
				t.Fatalf("still awaiting after its commit failed: %v", f.awaiting())
			}
			if !bytes.Equal(before, f.fileBytes()) {
				t.Fatal("the failed commit changed the file")
			}
			f.expect(f.admin("PUT", "/v1/admin/llm/providers/p1", openaiBody("m"), "If-None-Match", "*"), 201)
			f.expect(f.admin("PUT", "/v1/admin/llm/providers/p2", openaiBody("m"), "If-None-Match", "*"), 201)
			f.expect(f.admin("GET", "/v1/admin/llm/aliases/refused-alias", nil), 404)
		})
	}
}

// TestAwaitProviderExpiresWhileProviderDeleting: the deadline is checked
// whether the provider exists or not: an awaiting alias whose provider exists
// but is being deleted (so it cannot go live) is dropped at its deadline.
func TestAwaitProviderExpiresWhileProviderDeleting(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AwaitProviderTimeout = time.Hour })
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/late", aliasPut("p9"), awaitPref...), 202)
	f.ts.Close()
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	// While the server is down: p9 is added with an alias by hand, and the
	// state says p9 is being deleted and the awaiting alias's time is up.
	data := strings.Replace(string(f.fileBytes()), "  providers:\n", "  providers:\n    - name: p9\n      type: openai\n      api_key: env:OPENAI_API_KEY\n      model: m\n", 1)
	data = strings.Replace(data, "  aliases:\n", "  aliases:\n    user9: p9\n", 1)
	writeFile(t, f.path, []byte(data))
	var st adminState
	raw, err := os.ReadFile(f.path + StateFileSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	rec := st.Awaiting["late"]
	rec.Until = time.Now().Add(-time.Second)
	st.Awaiting["late"] = rec
	st.Deleting = map[string]time.Time{"p9": time.Now()}
	raw, err = json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, f.path+StateFileSuffix, raw)

	g := newFixtureAt(t, f.path)
	if pd, _ := g.status()["pending_deletions"].([]any); len(pd) != 1 {
		t.Fatalf("pending deletions: %v", g.status())
	}
	g.waitFor("the expired awaiting alias of a deleting provider is dropped", func() bool { return len(g.awaiting()) == 0 })
	g.expect(g.admin("GET", "/v1/admin/llm/aliases/late", nil), 404)
	if a := g.expect(g.admin("GET", "/v1/admin/llm/aliases/user9", nil), 200); a["provider"] != "p9" {
		t.Fatalf("user9: %v", a)
	}
}

// TestAwaitProviderInvalidWithItsProvider: on an aegis/v1 node an alias
// awaiting a provider, with no context_window of its own, cannot be written
// with a provider that has none either: the provider's create is refused (422)
// naming the alias and its field error, nothing is written, the awaiting alias
// is dropped; written again (fixed), both are created.
func TestAwaitProviderInvalidWithItsProvider(t *testing.T) {
	f, orig := newV1Fixture(t, "config-minimal.yaml")
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/coder", aliasPut("np"), awaitPref...), 202)
	np := map[string]any{"type": "openai", "api_key": "env:OPENAI_API_KEY", "model": "gpt-4o"}
	p := f.expect(f.admin("PUT", "/v1/admin/llm/providers/np", np, "If-None-Match", "*"), 422)
	d, _ := p["detail"].(string)
	if !strings.Contains(d, `alias "coder"`) || !strings.Contains(d, "nothing was written") || !strings.Contains(d, "dropped") {
		t.Fatalf("detail: %q", d)
	}
	errs, _ := p["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["field"] != "aliases.coder.context_window" {
		t.Fatalf("errors: %v", p["errors"])
	}
	f.expect(f.admin("GET", "/v1/admin/llm/providers/np", nil), 404)
	f.expect(f.admin("GET", "/v1/admin/llm/aliases/coder", nil), 404)
	if len(f.awaiting()) != 0 {
		t.Fatalf("still awaiting: %v", f.awaiting())
	}
	if !bytes.Equal(f.fileBytes(), orig) {
		t.Fatal("the refused create changed the file")
	}
	// Fixed and written again: both go live in one commit.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/coder", map[string]any{"provider": "np", "context_window": 8192}, awaitPref...), 202)
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/np", np, "If-None-Match", "*"), 201)
	if a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/coder", nil), 200); a["provider"] != "np" || num(a["context_window"]) != 8192 {
		t.Fatalf("coder: %v", a)
	}
	f.checkV1(orig)
}

// TestAwaitProviderRetryAfterLive: an awaiting alias whose overrides equal its
// provider's values goes live without them (normalized: another revision than
// its 202's); a retry of its create with the same Idempotency-Key, whose 202
// was lost, is answered with the live alias, not refused by its own
// If-None-Match: *.
func TestAwaitProviderRetryAfterLive(t *testing.T) {
	f, _ := newV1Fixture(t, "config-minimal.yaml")
	body := map[string]any{"provider": "np", "model": "gpt-4o", "context_window": 128000}
	hdr := slices.Concat(awaitPref, []string{"Idempotency-Key", `"k-live"`, "If-None-Match", "*"})
	r := f.admin("PUT", "/v1/admin/llm/aliases/pinned", body, hdr...)
	f.expect(r, 202)
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/np",
		map[string]any{"type": "openai", "api_key": "env:OPENAI_API_KEY", "model": "gpt-4o", "context_window": 128000}, "If-None-Match", "*"), 201)
	live := f.admin("GET", "/v1/admin/llm/aliases/pinned", nil)
	f.expect(live, 200)
	if live.header.Get("ETag") == r.header.Get("ETag") {
		t.Fatalf("the scenario needs a live revision other than the awaiting one (%s)", live.header.Get("ETag"))
	}
	rr := f.admin("PUT", "/v1/admin/llm/aliases/pinned", body, hdr...)
	a := f.expect(rr, 201)
	if rr.header.Get("Idempotent-Replayed") != "true" || rr.header.Get("ETag") != live.header.Get("ETag") || a["provider"] != "np" {
		t.Fatalf("retry: %v %s", rr.header, rr.body)
	}
	// The key survives a restart with the live revision.
	f.ts.Close()
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	g := newFixtureAt(t, f.path)
	rr = g.admin("PUT", "/v1/admin/llm/aliases/pinned", body, hdr...)
	g.expect(rr, 201)
	if rr.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry after a restart: %v %s", rr.header, rr.body)
	}
}
