package adminserver

import (
	"bytes"
	"strings"
	"testing"
)

// TestStrictInputHTTP: the strict-input rules of llmconfig answered as 422 naming
// the field; duplicate and case-mismatched JSON keys refused; a body without
// Content-Type: application/json refused with 415; the file untouched by all.
func TestStrictInputHTTP(t *testing.T) {
	f := newFixture(t)
	before := f.fileBytes()
	const ok = `"type":"openai-compatible","api_key":"env:OPENAI_API_KEY","model":"m"`
	cases := []struct {
		name, body, field, want string
	}{
		{"api_version CR LF", `{` + ok + `,"base_url":"https://r.openai.azure.com/x","api_version":"2024-02-01\r\nX: 1"}`, "api_version", "letters, digits"},
		{"api_version NUL", `{` + ok + `,"base_url":"https://r.openai.azure.com/x","api_version":"2024-02-01\u0000"}`, "api_version", "letters, digits"},
		{"api_version ampersand", `{` + ok + `,"base_url":"https://r.openai.azure.com/x","api_version":"1&x=2"}`, "api_version", "letters, digits"},
		{"api_version hash", `{` + ok + `,"base_url":"https://r.openai.azure.com/x","api_version":"1#2"}`, "api_version", "letters, digits"},
		{"model U+2028", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt\u2028x"}`, "model", "U+2028"},
		{"model RLO", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt\u202e4o"}`, "model", "U+202E"},
		{"model zero-width", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt\u200b4o"}`, "model", "U+200B"},
		{"base_url Cyrillic host", `{` + ok + `,"base_url":"https://\u0430pi.openai.com/v1"}`, "base_url", "xn--"},
		{"base_url mixed-script", `{` + ok + `,"base_url":"https://xn--pple-43d.com/v1"}`, "base_url", "mixes scripts"},
		{"base_url quote", `{` + ok + `,"base_url":"http://a\"b.example.com/v1"}`, "base_url", "quotes"},
		{"vault literal key", `{"type":"openai","api_key":"vault:sk-live-abcdef0123","model":"m"}`, "api_key", "literal API key"},
		{"duplicate key", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"a","model":"b"}`, "model", "given twice"},
		{"case-mismatched duplicate", `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"a","MODEL":"b"}`, "MODEL", "once as"},
		{"case-mismatched key", `{"type":"openai","api_key":"env:OPENAI_API_KEY","Model":"b"}`, "Model", "case-sensitive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.admin("PUT", "/v1/admin/llm/providers/strict", c.body)
			m := f.expect(r, 422)
			if !hasField(m, c.field) || !strings.Contains(string(r.body), c.want) {
				t.Fatalf("want field %q and %q in %s", c.field, c.want, r.body)
			}
			if strings.Contains(string(r.body), "sk-live") {
				t.Fatalf("the answer repeats the value: %s", r.body)
			}
		})
	}
	alias := f.admin("PUT", "/v1/admin/llm/aliases/fast", `{"provider":"gpt-4o","Provider":"claude-3-5-haiku"}`)
	if m := f.expect(alias, 422); !hasField(m, "Provider") {
		t.Fatalf("alias with case-duplicated key: %s", alias.body)
	}

	body := `{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o-mini"}`
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"} {
		f.expect(f.do("PUT", "/v1/admin/llm/providers/ct", adminToken, body, "Content-Type", ct), 415)
	}
	if st := f.do("POST", "/v1/executions", roToken, `{"model":"fast"}`, "Content-Type", "text/plain").status; st != 415 {
		t.Fatalf("execution start with text/plain: %d", st)
	}
	if !bytes.Equal(before, f.fileBytes()) {
		t.Fatalf("a refused request changed the file:\n%s", f.fileBytes())
	}
	f.expect(f.do("PUT", "/v1/admin/llm/providers/ct", adminToken, body, "Content-Type", "application/json; charset=utf-8"), 201)
}
