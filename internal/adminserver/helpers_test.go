package adminserver

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const (
	adminToken = "admin-token-7f3a9c1e5b"
	roToken    = "readonly-token-2d4f6a8c"
	// secretValue is what env:OPENAI_API_KEY points to; no response may contain it.
	secretValue = "sk-live-SECRETVALUE-0123456789abcdef"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type fixture struct {
	t    *testing.T
	srv  *Server
	ts   *httptest.Server
	path string
	logs *syncBuffer

	mu     sync.Mutex
	bodies [][]byte // every response body, for the secret check
}

// newFixture starts a server on a copy of testdata/seed.yaml.
func newFixture(t *testing.T, opts ...func(*Config)) *fixture {
	t.Helper()
	seed, err := os.ReadFile("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "aegis-config.yaml")
	if err := os.WriteFile(path, seed, 0o600); err != nil { //nolint:gosec // a path under t.TempDir()
		t.Fatal(err)
	}
	return newFixtureAt(t, path, opts...)
}

func newFixtureAt(t *testing.T, path string, opts ...func(*Config)) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	env := map[string]string{"OPENAI_API_KEY": secretValue}
	cfg := Config{
		ConfigPath:    path,
		Token:         adminToken,
		ReadOnlyToken: roToken,
		CommitWindow:  DefaultCommitWindow,
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Getenv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f := &fixture{t: t, srv: srv, path: path, logs: logs}
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		f.ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		f.checkNoSecrets()
	})
	return f
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request. body may be nil, a string (sent verbatim) or any value
// (JSON-encoded). hdr holds header name/value pairs.
func (f *fixture) do(method, path, token string, body any, hdr ...string) response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, data)
	f.mu.Unlock()
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

func (f *fixture) admin(method, path string, body any, hdr ...string) response {
	f.t.Helper()
	return f.do(method, path, adminToken, body, hdr...)
}

// expect fails the test unless the status matches; it returns the decoded body.
func (f *fixture) expect(r response, status int) map[string]any {
	f.t.Helper()
	if r.status != status {
		f.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	if status >= 400 {
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			f.t.Fatalf("error Content-Type %q, want application/problem+json", ct)
		}
	}
	return r.json(f.t)
}

func (f *fixture) fileBytes() []byte {
	f.t.Helper()
	data, err := os.ReadFile(f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	return data
}

func (f *fixture) status() map[string]any {
	f.t.Helper()
	return f.expect(f.admin("GET", "/v1/admin/status", nil), 200)
}

func (f *fixture) generation() int64 { return f.srv.Generation() }

func (f *fixture) reloads() int64 { return f.srv.reloadsTotal.Load() }

// checkNoSecrets asserts that no response and no log line carried a secret.
func (f *fixture) checkNoSecrets() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.bodies {
		for _, s := range []string{secretValue, adminToken, roToken} {
			if bytes.Contains(b, []byte(s)) {
				f.t.Errorf("a response contains a secret: %s", b)
			}
		}
	}
	logs := f.logs.String()
	for _, s := range []string{secretValue, adminToken, roToken} {
		if strings.Contains(logs, s) {
			f.t.Errorf("the log contains a secret")
		}
	}
}

func fieldsOf(m map[string]any) []string {
	var out []string
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		if em, ok := e.(map[string]any); ok {
			out = append(out, em["field"].(string))
		}
	}
	return out
}

func hasField(m map[string]any, field string) bool {
	for _, f := range fieldsOf(m) {
		if f == field {
			return true
		}
	}
	return false
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func openaiBody(model string) map[string]any {
	return map[string]any{"type": "openai", "api_key": "env:OPENAI_API_KEY", "model": model, "max_tokens": 1024, "context_window": 8192}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil { //nolint:gosec // a path under t.TempDir()
		t.Fatal(err)
	}
}

// allowHosts adds hosts to the default base_url allow-list.
func allowHosts(hosts ...string) func(*Config) {
	return func(c *Config) {
		p := DefaultPolicy()
		p.BaseURLHosts = append(p.BaseURLHosts, hosts...)
		c.Policy = &p
	}
}
