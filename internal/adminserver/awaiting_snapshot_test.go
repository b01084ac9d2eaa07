package adminserver

import (
	"bytes"
	"testing"
)

// configAwaiting returns awaiting_aliases of GET /v1/admin/llm/config by alias
// name, and whether the field was present at all.
func (f *fixture) configAwaiting() (map[string]map[string]any, bool) {
	f.t.Helper()
	cfg := f.expect(f.admin("GET", "/v1/admin/llm/config", nil), 200)
	list, present := cfg["awaiting_aliases"].([]any)
	out := map[string]map[string]any{}
	for _, a := range list {
		m := a.(map[string]any)
		out[m["alias"].(string)] = m
	}
	return out, present
}

// TestAwaitingInSnapshot: the config snapshot (one GET, what a refresh reads)
// lists the alias writes awaiting their provider, a pending retarget of a live
// alias included, exactly as the status does; absent when there are none. A
// PUT of the live alias to the provider it already routes to changes nothing
// in the file or the generation, yet cancels the pending retarget (and says
// so in the snapshot), and creating that provider afterwards does not move
// the alias.
func TestAwaitingInSnapshot(t *testing.T) {
	f := newFixture(t)
	if aw, present := f.configAwaiting(); present || len(aw) != 0 {
		t.Fatalf("awaiting_aliases in a snapshot without any: %v", aw)
	}
	live := f.expect(f.admin("GET", "/v1/admin/llm/aliases/fast", nil), 200)
	r := f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "later"}, awaitPref...)
	f.expect(r, 202)
	aw, _ := f.configAwaiting()
	st := f.awaiting()
	if len(aw) != 1 || aw["fast"]["provider"] != "later" || aw["fast"]["revision"] != st["fast"]["revision"] ||
		aw["fast"]["until"] != st["fast"]["until"] || aw["fast"]["since"] != st["fast"]["since"] {
		t.Fatalf("snapshot awaiting_aliases %v, status %v", aw, st)
	}
	// The live alias is unchanged and still listed as it was.
	if a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/fast", nil), 200); a["provider"] != "claude-3-5-haiku" || a["revision"] != live["revision"] {
		t.Fatalf("the pending retarget changed the live alias: %v", a)
	}

	// Writing the alias again as it is live cancels the pending retarget.
	before, gen := f.fileBytes(), f.generation()
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "claude-3-5-haiku"},
		append(awaitPref, "If-Match", `"`+live["revision"].(string)+`"`)...), 200)
	if !bytes.Equal(before, f.fileBytes()) || f.generation() != gen {
		t.Fatal("a PUT that changes no alias wrote the file or published a generation")
	}
	if aw, present := f.configAwaiting(); present || len(aw) != 0 || len(f.awaiting()) != 0 {
		t.Fatalf("still awaiting after the PUT of the live alias: snapshot %v, status %v", aw, f.awaiting())
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/later", openaiBody("m")), 201)
	if a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/fast", nil), 200); a["provider"] != "claude-3-5-haiku" {
		t.Fatalf("the canceled retarget was applied when its provider came: %v", a)
	}
}
