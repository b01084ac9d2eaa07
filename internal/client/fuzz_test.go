package client

import (
	"net/http"
	"strings"
	"testing"
)

func FuzzDecodeProblem(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{422, `{"type":"urn:aegis:problem:validation","title":"Validation Failed","status":422,"detail":"The provider configuration is invalid; nothing was written.","errors":[{"field":"temperature","detail":"must be between 0.0 and 2.0, got 3"}]}`},
		{409, `{"type":"urn:aegis:problem:provider-in-use","title":"Provider In Use","status":409,"aliases":["default","fast"]}`},
		{412, `{"type":"urn:aegis:problem:precondition-failed","title":"Precondition Failed","status":412,"current_revision":"9f2c1e"}`},
		{424, `{"type":"urn:aegis:problem:reload-failed","title":"Reload Failed","status":424,"detail":"exit status 1: tail of output\n..."}`},
		{404, `{"type":"urn:aegis:problem:not-found","title":"Not Found","status":404}`},
		{401, `{"status":"not-a-number","method":7,"path":null}`},
		{500, `{"status":200,"title":"OK?"}`},
		{413, `{"errors":[null,{"field":1}],"aliases":[1,2]}`},
		{422, `{"errors":"oops","title":"x"}`},
		{502, `<html><body>Bad Gateway</body></html>`},
		{503, ``},
		{200, `null`},
		{0, `[]`},
		{-1, `{"title":"%s %d %!"}`},
		{999, "\xff\xfe\x00{"},
		{400, `{"title":"a","title":"b","Title":"c"}`},
		{400, `{"detail":"` + strings.Repeat("x", 4096) + `"}`},
		{http.StatusTeapot, `{"type":` + strings.Repeat("[", 1000)},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := DecodeProblem(status, body)
		if e == nil {
			t.Fatal("DecodeProblem returned nil")
		}
		if e.Status != status {
			t.Fatalf("Status = %d, want %d", e.Status, status)
		}
		if e.Method != "" || e.Path != "" {
			t.Fatalf("body set Method %q / Path %q", e.Method, e.Path)
		}
		if want := http.StatusText(status); want != "" && e.Title == "" {
			t.Fatalf("empty Title for status %d", status)
		}
		msg := e.Error()
		if msg == "" {
			t.Fatal("empty Error()")
		}
		if e.Detail != "" && !strings.Contains(msg, e.Detail) {
			t.Fatalf("Error() %q lacks Detail %q", msg, e.Detail)
		}
		_ = IsNotFound(e) || IsConflict(e) || IsValidation(e) || IsPreconditionFailed(e)
	})
}
