package adminserver

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const literalKey = "sk-proj-LITERAL-in-the-file-9c41d2"

// A file written by hand, as the orchestrator's guide allows: a literal api_key, a
// hand-formatted foreign section and odd spacing. The server starts on it, never
// returns or logs the key, refuses new literals, keeps the literal line byte for
// byte while other providers change, and replaces it when a reference is written.
func TestLiteralKeyInExistingFile(t *testing.T) {
	seed, err := os.ReadFile("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	orig := bytes.Replace(seed, []byte(`api_key: "env:OPENAI_API_KEY"`), []byte(`api_key: `+literalKey+`   # TODO move to vault`), 1)
	orig = append(orig, []byte("extra:   {a: 1,   b: [x,  y]}   # hand formatted\n")...)
	if bytes.Equal(orig, seed) {
		t.Fatal("test setup: no literal written")
	}
	path := filepath.Join(t.TempDir(), "aegis-config.yaml")
	writeFile(t, path, orig)
	f := newFixtureAt(t, path)

	p := f.expect(f.admin("GET", "/v1/admin/llm/providers/gpt-4o", nil), 200)
	if hasField(p, "api_key") {
		t.Errorf("GET returns api_key for a literal key: %v", p)
	}
	cred, _ := p["credential"].(map[string]any)
	if cred["source"] != "literal" {
		t.Errorf("credential = %v, want source literal", p["credential"])
	}
	f.expect(f.admin("GET", "/v1/admin/llm/config", nil), 200)
	f.expect(f.admin("GET", "/v1/admin/llm/providers", nil), 200)

	// A write to another provider keeps the literal line byte for byte.
	f.expect(f.admin("PUT", "/v1/admin/llm/providers/gpt-4o-mini", openaiBody("gpt-4o-mini-2024")), 200)
	want := bytes.Replace(orig, []byte("model: gpt-4o-mini\n"), []byte("model: gpt-4o-mini-2024\n"), 1)
	want = bytes.Replace(want, []byte("max_tokens: 2048\n      context_window: 128000\n"), []byte("max_tokens: 1024\n      context_window: 8192\n"), 1)
	if got := f.fileBytes(); !bytes.Equal(got, want) {
		t.Fatalf("the write changed more than its entry:\n%s", got)
	}

	// No new literal, neither on the literal's provider nor elsewhere.
	for _, name := range []string{"gpt-4o", "gpt-4o-mini", "new-one"} {
		body := openaiBody("gpt-4o")
		body["api_key"] = "sk-proj-ANOTHER-literal-77aa"
		r := f.admin("PUT", "/v1/admin/llm/providers/"+name, body)
		f.expect(r, 422)
		if strings.Contains(string(r.body), "ANOTHER") {
			t.Errorf("the 422 echoes the refused key: %s", r.body)
		}
	}
	if got := f.fileBytes(); !bytes.Equal(got, want) {
		t.Fatal("a refused literal changed the file")
	}

	// Writing a reference replaces the literal, and only that value.
	body := map[string]any{"type": "openai", "api_key": "env:OPENAI_API_KEY", "model": "gpt-4o", "max_tokens": 4096, "context_window": 128000, "temperature": 0.2}
	r := f.admin("PUT", "/v1/admin/llm/providers/gpt-4o", body, "If-Match", `"`+p["revision"].(string)+`"`)
	got := f.expect(r, 200)
	if c, _ := got["credential"].(map[string]any); c["source"] != "env" {
		t.Errorf("after the reference: credential %v", got["credential"])
	}
	// Same quoting (plain), same comment column.
	want = bytes.Replace(want, []byte(literalKey+"   # TODO"), []byte("env:OPENAI_API_KEY"+strings.Repeat(" ", len(literalKey)-len("env:OPENAI_API_KEY")+3)+"# TODO"), 1)
	if got := f.fileBytes(); !bytes.Equal(got, want) {
		t.Fatalf("replacing the literal changed more than its value:\n%s", got)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.bodies {
		if bytes.Contains(b, []byte(literalKey)) {
			t.Errorf("a response contains the literal key: %s", b)
		}
	}
	if strings.Contains(f.logs.String(), literalKey) {
		t.Error("the server log contains the literal key")
	}
}

// A malformed reference is still an error at start-up, not a literal.
func TestMalformedReferenceIsNotALiteral(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aegis-config.yaml")
	writeFile(t, path, []byte("llm:\n  providers:\n    - name: a\n      type: openai\n      api_key: \"env:1BAD\"\n      model: m\n"))
	_, err := New(Config{ConfigPath: path, Token: adminToken})
	if err == nil || !strings.Contains(err.Error(), "api_key") {
		t.Fatalf("want a start-up error naming api_key, got %v", err)
	}
}
