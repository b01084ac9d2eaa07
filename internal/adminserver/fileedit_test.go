package adminserver

import (
	"bytes"
	"strings"
	"testing"
)

// TestHandEditVisible: an edit of the file that nobody reloaded shows in every read
// of the configuration and in the status (hash, time noticed, validity), until a
// reload applies it; the server's own writes never show as edits.
func TestHandEditVisible(t *testing.T) {
	f := newFixture(t)
	if st := f.status(); st["file_edit"] != nil {
		t.Fatalf("fresh server reports a file edit: %v", st["file_edit"])
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("gpt-4o-mini-2024")), 200)
	if r := f.admin("GET", "/v1/admin/llm/config", nil); r.header.Get("Aegis-File-Edit") != "" || r.json(t)["file_edit"] != nil {
		t.Fatalf("the server's own write shows as a hand edit: %s", r.body)
	}

	// A valid edit of the llm section.
	writeFile(t, f.path, bytes.Replace(f.fileBytes(), []byte("fast: claude-3-5-haiku"), []byte("fast: gpt-4o-mini     "), 1))
	for _, path := range []string{"/v1/admin/llm/config", "/v1/admin/llm/providers", "/v1/admin/llm/aliases", "/v1/admin/status"} {
		r := f.admin("GET", path, nil)
		e, _ := f.expect(r, 200)["file_edit"].(map[string]any)
		if e == nil || e["valid"] != true || e["llm_changed"] != true || e["path"] != f.path || len(e["sha256"].(string)) != 64 || e["noticed_at"] == "" || e["sha256"] == e["live_sha256"] {
			t.Fatalf("%s: file_edit = %v", path, e)
		}
		if !strings.HasPrefix(r.header.Get("Aegis-File-Edit"), "sha256="+e["sha256"].(string)+"; valid=true") {
			t.Errorf("%s: header %q", path, r.header.Get("Aegis-File-Edit"))
		}
	}
	first := f.status()["file_edit"].(map[string]any)["noticed_at"]
	if again := f.status()["file_edit"].(map[string]any)["noticed_at"]; again != first {
		t.Errorf("noticed_at moved from %v to %v for the same content", first, again)
	}
	if r := f.admin("GET", "/v1/admin/llm/aliases/fast", nil); r.header.Get("Aegis-File-Edit") == "" {
		t.Error("a single-object read does not flag the edit")
	}
	f.expect(f.admin("POST", "/v1/admin/reload", nil), 200)
	if st := f.status(); st["file_edit"] != nil {
		t.Fatalf("the edit is still reported after the reload: %v", st["file_edit"])
	}

	// An edit outside the llm section: reported, llm_changed false; a write acknowledges it.
	writeFile(t, f.path, bytes.Replace(f.fileBytes(), []byte("logs: json"), []byte("logs: text"), 1))
	if e, _ := f.status()["file_edit"].(map[string]any); e == nil || e["llm_changed"] != false || e["valid"] != true {
		t.Fatalf("foreign-section edit: %v", e)
	}
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o"}), 200)
	if st := f.status(); st["file_edit"] != nil {
		t.Fatalf("still reported after a write that kept it: %v", st["file_edit"])
	}

	// An invalid edit: reported with its error, without the value, never applied.
	const mistyped = "sk-proj-typed-into-the-wrong-field"
	writeFile(t, f.path, bytes.Replace(f.fileBytes(), []byte("max_tokens: 4096"), []byte("max_tokens: "+mistyped), 1))
	e, _ := f.status()["file_edit"].(map[string]any)
	if e == nil || e["valid"] != false || !strings.Contains(e["error"].(string), "line 13") {
		t.Fatalf("invalid edit: %v", e)
	}
	gen := f.generation()
	f.expect(f.admin("POST", "/v1/admin/reload", nil), 422)
	if f.generation() != gen {
		t.Fatal("an invalid edit was applied")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.bodies {
		if bytes.Contains(b, []byte(mistyped)) {
			t.Fatalf("a response echoes the mistyped value: %s", b)
		}
	}
	if strings.Contains(f.logs.String(), mistyped) {
		t.Fatal("the log echoes the mistyped value")
	}
}
