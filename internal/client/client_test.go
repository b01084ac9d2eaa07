package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

const (
	testToken = "tok_7Qx9ZpL2vR8sW4kM"
	testUA    = "terraform-provider-aegis/1.2.3-test"
)

// recorded is one request as the fake server saw it.
type recorded struct {
	Method      string
	Path        string // decoded
	EscapedPath string // as sent on the wire
	RawQuery    string
	Header      http.Header
	Body        []byte
	At          time.Time
}

// fake is an httptest server that records every request and answers through handle,
// which gets the 1-based number of the request.
type fake struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	handle func(w http.ResponseWriter, r *http.Request, n int)
}

func newFake(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fake {
	t.Helper()
	f := &fake{handle: handle}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{
		Method: r.Method, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, At: time.Now(),
	})
	n := len(f.reqs)
	f.mu.Unlock()
	f.handle(w, r, n)
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// newTestClient returns a client for endpoint with fast retries; mod may adjust the config.
func newTestClient(t *testing.T, endpoint string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		Endpoint:     endpoint,
		Token:        testToken,
		UserAgent:    testUA,
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Timeout:      10 * time.Second,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func int64p(v int64) *int64 { return &v }

// ---------------------------------------------------------------------------
// Request shape

func TestRequestHeadersMethodsAndPaths(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, http.StatusOK, map[string]any{"name": "x", "generation": 1})
	})
	c := newTestClient(t, f.URL)
	ctx := context.Background()
	prov := llmconfig.Provider{Name: "gpt-4o", Type: "openai", APIKey: "env:OPENAI_API_KEY", Model: "gpt-4o", MaxTokens: int64p(10)}

	cases := []struct {
		name     string
		call     func() error
		method   string
		path     string
		wantBody string // JSON the body must equal; "" means no body
	}{
		{"Status", func() error { _, err := c.Status(ctx); return err }, "GET", "/v1/admin/status", ""},
		{"GetConfig", func() error { _, err := c.GetConfig(ctx); return err }, "GET", "/v1/admin/llm/config", ""},
		{"GetProvider", func() error { _, err := c.GetProvider(ctx, "gpt-4o"); return err }, "GET", "/v1/admin/llm/providers/gpt-4o", ""},
		{"PutProvider", func() error { _, err := c.PutProvider(ctx, prov, Precondition{}); return err }, "PUT", "/v1/admin/llm/providers/gpt-4o",
			`{"name":"gpt-4o","type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","max_tokens":10}`},
		{"DeleteProvider", func() error { _, err := c.DeleteProvider(ctx, "gpt-4o", Precondition{}); return err }, "DELETE", "/v1/admin/llm/providers/gpt-4o", ""},
		{"GetAlias", func() error { _, err := c.GetAlias(ctx, "fast"); return err }, "GET", "/v1/admin/llm/aliases/fast", ""},
		{"PutAlias", func() error { _, err := c.PutAlias(ctx, "fast", "gpt-4o", Precondition{}); return err }, "PUT", "/v1/admin/llm/aliases/fast", `{"provider":"gpt-4o"}`},
		{"DeleteAlias", func() error { _, err := c.DeleteAlias(ctx, "fast", Precondition{}); return err }, "DELETE", "/v1/admin/llm/aliases/fast", ""},
		{"StartExecutionDefault", func() error { _, err := c.StartExecution(ctx, ""); return err }, "POST", "/v1/executions", `{}`},
		{"StartExecutionAlias", func() error { _, err := c.StartExecution(ctx, "fast"); return err }, "POST", "/v1/executions", `{"model":"fast"}`},
		{"FinishExecution", func() error { _, err := c.FinishExecution(ctx, "ex-1"); return err }, "DELETE", "/v1/executions/ex-1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.count()
			if err := tc.call(); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.requests()[before:]
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("request = %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
			}
			if got := r.Header.Values("User-Agent"); len(got) != 1 || got[0] != testUA {
				t.Errorf("User-Agent = %q, want [%q]", got, testUA)
			}
			if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer "+testToken {
				t.Errorf("Authorization = %q, want [%q]", got, "Bearer "+testToken)
			}
			if got := r.Header.Get("Accept"); !strings.Contains(got, "application/json") || !strings.Contains(got, "application/problem+json") {
				t.Errorf("Accept = %q, want application/json and application/problem+json", got)
			}
			if r.Header.Get("If-Match") != "" || r.Header.Get("If-None-Match") != "" {
				t.Errorf("unexpected precondition headers: If-Match=%q If-None-Match=%q", r.Header.Get("If-Match"), r.Header.Get("If-None-Match"))
			}
			if tc.wantBody == "" {
				if len(r.Body) != 0 {
					t.Errorf("body = %q, want none", r.Body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "" {
					t.Errorf("Content-Type = %q on a request without body", ct)
				}
				return
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			var got, want any
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Fatalf("body %q is not JSON: %v", r.Body, err)
			}
			_ = json.Unmarshal([]byte(tc.wantBody), &want)
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if !bytes.Equal(gb, wb) {
				t.Errorf("body = %s, want %s", gb, wb)
			}
		})
	}
}

func TestDefaultUserAgentAndNoToken(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusOK, map[string]any{})
	})
	c := newTestClient(t, f.URL, func(c *Config) { c.UserAgent = DefaultConfig().UserAgent; c.Token = "" })
	if _, err := c.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "terraform-provider-aegis/") {
		t.Errorf("default User-Agent = %q", ua)
	}
	if a, ok := r.Header["Authorization"]; ok {
		t.Errorf("Authorization sent without a token: %q", a)
	}
}

func TestPreconditionHeaders(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusOK, map[string]any{"name": "fast"})
	})
	c := newTestClient(t, f.URL)
	ctx := context.Background()
	cases := []struct {
		name        string
		pre         Precondition
		ifMatch     []string
		ifNoneMatch []string
	}{
		{"none", Precondition{}, nil, nil},
		{"if-match", Precondition{IfMatch: "abc"}, []string{`"abc"`}, nil},
		{"create-only", Precondition{CreateOnly: true}, nil, []string{"*"}},
		{"both", Precondition{IfMatch: "9f2c1e", CreateOnly: true}, []string{`"9f2c1e"`}, []string{"*"}},
	}
	ops := []struct {
		name string
		call func(Precondition) error
	}{
		{"PutAlias", func(p Precondition) error { _, err := c.PutAlias(ctx, "fast", "p", p); return err }},
		{"PutProvider", func(p Precondition) error {
			_, err := c.PutProvider(ctx, llmconfig.Provider{Name: "p", Type: "ollama", Model: "m"}, p)
			return err
		}},
		{"DeleteAlias", func(p Precondition) error { _, err := c.DeleteAlias(ctx, "fast", p); return err }},
		{"DeleteProvider", func(p Precondition) error { _, err := c.DeleteProvider(ctx, "p", p); return err }},
	}
	for _, op := range ops {
		for _, tc := range cases {
			t.Run(op.name+"/"+tc.name, func(t *testing.T) {
				before := f.count()
				if err := op.call(tc.pre); err != nil {
					t.Fatal(err)
				}
				r := f.requests()[before]
				if got := r.Header.Values("If-Match"); fmt.Sprint(got) != fmt.Sprint(tc.ifMatch) {
					t.Errorf("If-Match = %q, want %q", got, tc.ifMatch)
				}
				if got := r.Header.Values("If-None-Match"); fmt.Sprint(got) != fmt.Sprint(tc.ifNoneMatch) {
					t.Errorf("If-None-Match = %q, want %q", got, tc.ifNoneMatch)
				}
			})
		}
	}
}

func TestPathEscaping(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusOK, map[string]any{})
	})
	c := newTestClient(t, f.URL)
	ctx := context.Background()
	names := []string{"a/b", "a b", "q?x=1", "frag#x", "100%", "..", ".", "../status", "é-ü", "a%2Fb", "semi;colon"}
	ops := []struct {
		prefix string
		call   func(name string) error
	}{
		{"/v1/admin/llm/providers/", func(n string) error { _, err := c.GetProvider(ctx, n); return err }},
		{"/v1/admin/llm/providers/", func(n string) error {
			_, err := c.PutProvider(ctx, llmconfig.Provider{Name: n}, Precondition{})
			return err
		}},
		{"/v1/admin/llm/providers/", func(n string) error { _, err := c.DeleteProvider(ctx, n, Precondition{}); return err }},
		{"/v1/admin/llm/aliases/", func(n string) error { _, err := c.GetAlias(ctx, n); return err }},
		{"/v1/admin/llm/aliases/", func(n string) error { _, err := c.PutAlias(ctx, n, "p", Precondition{}); return err }},
		{"/v1/admin/llm/aliases/", func(n string) error { _, err := c.DeleteAlias(ctx, n, Precondition{}); return err }},
		{"/v1/executions/", func(n string) error { _, err := c.FinishExecution(ctx, n); return err }},
	}
	for i, op := range ops {
		for _, name := range names {
			t.Run(fmt.Sprintf("%d%s%s", i, op.prefix, name), func(t *testing.T) {
				before := f.count()
				if err := op.call(name); err != nil {
					t.Fatal(err)
				}
				r := f.requests()[before]
				if r.RawQuery != "" {
					t.Errorf("name %q leaked into the query: %q", name, r.RawQuery)
				}
				seg, ok := strings.CutPrefix(r.EscapedPath, op.prefix)
				if !ok || seg == "" || strings.Contains(seg, "/") {
					t.Fatalf("name %q sent as path %q, want exactly one segment under %q", name, r.EscapedPath, op.prefix)
				}
				if got, err := url.PathUnescape(seg); err != nil || got != name {
					t.Errorf("segment %q unescapes to %q (%v), want %q", seg, got, err, name)
				}
			})
		}
	}
}

func TestEndpointWithBasePath(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeJSON(w, http.StatusOK, map[string]any{"name": "fast"})
	})
	c := newTestClient(t, f.URL+"/aegis/")
	if _, err := c.GetAlias(context.Background(), "fast"); err != nil {
		t.Fatal(err)
	}
	if got := f.requests()[0].Path; got != "/aegis/v1/admin/llm/aliases/fast" {
		t.Errorf("path = %q, want the base path kept", got)
	}
}

func TestResponseDecoding(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.URL.Path {
		case "/v1/admin/llm/providers/gpt-4o":
			writeJSON(w, http.StatusCreated, map[string]any{
				"name": "gpt-4o", "type": "openai", "model": "gpt-4o", "api_key": "env:K", "temperature": 0.2,
				"revision": "rev1", "generation": 7, "credential": map[string]string{"source": "env", "status": "resolved"},
			})
		case "/v1/admin/llm/config":
			writeJSON(w, http.StatusOK, map[string]any{
				"generation": 3, "revision": "secrev",
				"providers": []map[string]any{{"name": "a", "type": "ollama", "model": "m"}},
				"aliases":   []map[string]any{{"name": "fast", "provider": "a", "provider_type": "ollama", "model": "m"}},
			})
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "this is not json")
		}
	})
	c := newTestClient(t, f.URL)
	ctx := context.Background()
	p, err := c.PutProvider(ctx, llmconfig.Provider{Name: "gpt-4o"}, Precondition{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "gpt-4o" || p.Revision != "rev1" || p.Generation != 7 || p.Credential == nil || p.Credential.Status != "resolved" ||
		p.Temperature == nil || *p.Temperature != 0.2 {
		t.Errorf("decoded provider = %+v", p)
	}
	cfg, err := c.GetConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Generation != 3 || cfg.Provider("a") == nil || cfg.Alias("fast") == nil || cfg.Alias("fast").ProviderType != "ollama" ||
		cfg.Provider("zz") != nil || cfg.Alias("zz") != nil {
		t.Errorf("decoded config = %+v", cfg)
	}
	_, err = c.Status(ctx)
	if err == nil {
		t.Fatal("a 200 with a non-JSON body decoded without error")
	}
	if _, ok := AsAPIError(err); ok {
		t.Errorf("a decoding error is an *APIError: %v", err)
	}
	if !strings.Contains(err.Error(), "decoding response") {
		t.Errorf("error = %v", err)
	}
}

// ---------------------------------------------------------------------------
// Retries

func TestRetryTransientStatus(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 1 {
					w.Header().Set("Retry-After", "0")
					writeProblem(w, status, `{"title":"busy"}`)
					return
				}
				writeJSON(w, http.StatusOK, map[string]any{"name": "fast", "provider": "p", "revision": "r2"})
			})
			// Large RetryWaitMin: only Retry-After: 0 keeps this test fast.
			c := newTestClient(t, f.URL, func(c *Config) { c.RetryWaitMin = 20 * time.Second; c.RetryWaitMax = 30 * time.Second })
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			a, err := c.PutAlias(ctx, "fast", "p", Precondition{IfMatch: "r1"})
			if err != nil {
				t.Fatalf("PutAlias: %v", err)
			}
			if a.Revision != "r2" {
				t.Errorf("revision = %q", a.Revision)
			}
			reqs := f.requests()
			if len(reqs) != 2 {
				t.Fatalf("attempts = %d, want 2", len(reqs))
			}
			// The retried PUT carries the same body and headers.
			for i, r := range reqs {
				if string(bytes.TrimSpace(r.Body)) != `{"provider":"p"}` {
					t.Errorf("attempt %d body = %q", i+1, r.Body)
				}
				if r.Header.Get("If-Match") != `"r1"` || r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("User-Agent") != testUA {
					t.Errorf("attempt %d headers = %v", i+1, r.Header)
				}
			}
		})
	}
}

func TestRetryConnectionClosed(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST rather than FIN
			}
			_ = conn.Close()
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"generation": 5, "mode": "standalone"})
	})
	c := newTestClient(t, f.URL)
	st, err := c.Status(context.Background())
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if st.Generation != 5 {
		t.Errorf("generation = %d", st.Generation)
	}
	if n := f.count(); n != 2 {
		t.Errorf("attempts = %d, want 2", n)
	}
}

func TestRetryConnectionRefusedGivesUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c := newTestClient(t, "http://"+addr, func(c *Config) { c.MaxRetries = 1 })
	_, err = c.Status(context.Background())
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	if _, ok := AsAPIError(err); ok {
		t.Errorf("a transport error is an *APIError: %v", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestRetryExhaustedReturnsAPIError(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				writeProblem(w, status, fmt.Sprintf(`{"type":"urn:aegis:problem:internal","title":"Boom","detail":"attempt %d"}`, n))
			})
			c := newTestClient(t, f.URL, func(c *Config) { c.MaxRetries = 2 })
			_, err := c.DeleteAlias(context.Background(), "fast", Precondition{})
			if n := f.count(); n != 3 {
				t.Errorf("attempts = %d, want 3 (1 + MaxRetries 2)", n)
			}
			e, ok := AsAPIError(err)
			if !ok {
				t.Fatalf("error %T %v is not an *APIError", err, err)
			}
			if e.Status != status || e.Method != "DELETE" || e.Path != "/v1/admin/llm/aliases/fast" {
				t.Errorf("APIError = %+v", e)
			}
			if e.Title != "Boom" || e.Detail != "attempt 3" {
				t.Errorf("APIError should carry the last answer: title %q detail %q", e.Title, e.Detail)
			}
		})
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 405, 409, 412, 413, 422, 424, 501} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Retry-After", "0")
				writeProblem(w, status, `{"title":"no"}`)
			})
			c := newTestClient(t, f.URL)
			_, err := c.PutAlias(context.Background(), "fast", "p", Precondition{})
			if n := f.count(); n != 1 {
				t.Errorf("attempts = %d, want 1", n)
			}
			if e, ok := AsAPIError(err); !ok || e.Status != status {
				t.Errorf("err = %v, want *APIError %d", err, status)
			}
		})
	}
}

func TestMaxRetriesZeroAndDefault(t *testing.T) {
	for _, tc := range []struct {
		maxRetries int
		attempts   int
	}{{0, 1}, {1, 2}, {DefaultConfig().MaxRetries, DefaultMaxRetries + 1}} {
		t.Run(fmt.Sprint(tc.maxRetries), func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Retry-After", "0")
				writeProblem(w, http.StatusServiceUnavailable, `{}`)
			})
			c := newTestClient(t, f.URL, func(c *Config) { c.MaxRetries = tc.maxRetries })
			_, err := c.Status(context.Background())
			if e, ok := AsAPIError(err); !ok || e.Status != 503 || e.Title != "Service Unavailable" {
				t.Errorf("err = %v, want *APIError 503 Service Unavailable", err)
			}
			if n := f.count(); n != tc.attempts {
				t.Errorf("attempts = %d, want %d", n, tc.attempts)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeProblem(w, http.StatusServiceUnavailable, `{}`)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	})
	c := newTestClient(t, f.URL, func(c *Config) { c.RetryWaitMin = time.Millisecond; c.RetryWaitMax = 2 * time.Second })
	if _, err := c.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("attempts = %d, want 2", len(reqs))
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap < 950*time.Millisecond {
		t.Errorf("second attempt %v after the first, want >= ~1s (Retry-After: 1)", gap)
	}
}

func TestRetryWaitStopsOnContextCancel(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", "30")
		writeProblem(w, http.StatusServiceUnavailable, `{}`)
	})
	c := newTestClient(t, f.URL, func(c *Config) { c.RetryWaitMax = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Status(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if n := f.count(); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

// ---------------------------------------------------------------------------
// Problem decoding

func TestProblemDecoding(t *testing.T) {
	type want struct {
		title   string
		check   func(*testing.T, *APIError)
		inError []string
	}
	helpers := map[string]func(error) bool{
		"IsNotFound": IsNotFound, "IsConflict": IsConflict, "IsPreconditionFailed": IsPreconditionFailed,
		"IsValidation": IsValidation, "IsUnauthorized": IsUnauthorized, "IsForbidden": IsForbidden, "IsReloadFailed": IsReloadFailed,
	}
	cases := []struct {
		name   string
		status int
		body   string
		helper string
		want   want
	}{
		{"validation", 422, `{"type":"urn:aegis:problem:validation","title":"Validation Failed","status":422,
			"detail":"The provider configuration is invalid; nothing was written.",
			"errors":[{"field":"temperature","detail":"must be between 0.0 and 2.0, got 3"},{"field":"providers[gpt-4o].max_tokens","detail":"must be positive"}]}`,
			"IsValidation", want{title: "Validation Failed", check: func(t *testing.T, e *APIError) {
				if e.Type != adminapi.ProblemValidation || len(e.Errors) != 2 || e.Errors[0].Field != "temperature" ||
					e.Errors[1].Detail != "must be positive" {
					t.Errorf("APIError = %+v", e)
				}
			}, inError: []string{"422", "Validation Failed", "nothing was written", "temperature", "must be between 0.0 and 2.0, got 3", "providers[gpt-4o].max_tokens", "must be positive"}}},
		{"conflict", 409, `{"type":"urn:aegis:problem:provider-in-use","title":"Provider In Use","status":409,"detail":"aliases point to it","aliases":["default","fast"]}`,
			"IsConflict", want{title: "Provider In Use", check: func(t *testing.T, e *APIError) {
				if e.Type != adminapi.ProblemProviderInUse || fmt.Sprint(e.Aliases) != "[default fast]" {
					t.Errorf("APIError = %+v", e)
				}
			}, inError: []string{"409", "aliases point to it"}}},
		{"precondition", 412, `{"type":"urn:aegis:problem:precondition-failed","title":"Precondition Failed","status":412,"current_revision":"4be0aa"}`,
			"IsPreconditionFailed", want{title: "Precondition Failed", check: func(t *testing.T, e *APIError) {
				if e.CurrentRevision != "4be0aa" {
					t.Errorf("CurrentRevision = %q", e.CurrentRevision)
				}
			}}},
		{"precondition-missing-object", 412, `{"type":"urn:aegis:problem:precondition-failed","title":"Precondition Failed","status":412}`,
			"IsPreconditionFailed", want{check: func(t *testing.T, e *APIError) {
				if e.CurrentRevision != "" {
					t.Errorf("CurrentRevision = %q", e.CurrentRevision)
				}
			}}},
		{"not-found", 404, `{"type":"urn:aegis:problem:not-found","title":"Not Found","status":404,"detail":"no provider \"x\""}`, "IsNotFound", want{title: "Not Found"}},
		{"not-found-empty-body", 404, ``, "IsNotFound", want{title: "Not Found"}},
		{"unauthorized", 401, `{"type":"urn:aegis:problem:unauthorized","title":"Unauthorized","status":401}`, "IsUnauthorized", want{title: "Unauthorized"}},
		{"forbidden", 403, `{"type":"urn:aegis:problem:forbidden","title":"Forbidden","status":403}`, "IsForbidden", want{title: "Forbidden"}},
		{"reload-failed", 424, `{"type":"urn:aegis:problem:reload-failed","title":"Reload Failed","status":424,"detail":"exit status 3: boom"}`,
			"IsReloadFailed", want{title: "Reload Failed", check: func(t *testing.T, e *APIError) {
				if e.Type != adminapi.ProblemReloadFailed {
					t.Errorf("Type = %q", e.Type)
				}
			}, inError: []string{"exit status 3: boom"}}},
		{"non-json-502", 502, `<html><body>Bad gateway from nginx</body></html>`, "", want{title: "Bad Gateway", check: func(t *testing.T, e *APIError) {
			if e.Detail != "" || e.Type != "" || e.Errors != nil {
				t.Errorf("APIError from HTML = %+v", e)
			}
		}}},
		{"wrong-types-reset", 422, `{"title":"Half","detail":"d","errors":"not-an-array"}`, "IsValidation", want{title: "Unprocessable Entity", check: func(t *testing.T, e *APIError) {
			if e.Detail != "" || e.Errors != nil {
				t.Errorf("partially decoded problem kept: %+v", e)
			}
		}}},
		{"json-null", 404, `null`, "IsNotFound", want{title: "Not Found"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				if strings.HasPrefix(tc.body, "<") {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(tc.status)
					_, _ = io.WriteString(w, tc.body)
					return
				}
				writeProblem(w, tc.status, tc.body)
			})
			c := newTestClient(t, f.URL, func(c *Config) { c.MaxRetries = 0 })
			_, err := c.DeleteProvider(context.Background(), "gpt-4o", Precondition{})
			wrapped := fmt.Errorf("outer: %w", err)
			e, ok := AsAPIError(wrapped)
			if !ok {
				t.Fatalf("err %T %v is not an *APIError", err, err)
			}
			if e.Status != tc.status || e.Method != "DELETE" || e.Path != "/v1/admin/llm/providers/gpt-4o" {
				t.Errorf("Status/Method/Path = %d %s %s", e.Status, e.Method, e.Path)
			}
			if tc.want.title != "" && e.Title != tc.want.title {
				t.Errorf("Title = %q, want %q", e.Title, tc.want.title)
			}
			if e.Title == "" {
				t.Error("empty Title")
			}
			if tc.want.check != nil {
				tc.want.check(t, e)
			}
			msg := err.Error()
			for _, s := range append([]string{"DELETE", "/v1/admin/llm/providers/gpt-4o", fmt.Sprint(tc.status)}, tc.want.inError...) {
				if !strings.Contains(msg, s) {
					t.Errorf("Error() = %q, missing %q", msg, s)
				}
			}
			for name, h := range helpers {
				if got := h(wrapped); got != (name == tc.helper) {
					t.Errorf("%s(err) = %v", name, got)
				}
			}
		})
	}
}

func TestProblemBodyDoesNotOverrideRequestFacts(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		writeProblem(w, http.StatusNotFound, `{"status":200,"Status":201,"method":"GET","Method":"PATCH","path":"/evil","Path":"/evil2","title":"Not Found","detail":"gone"}`)
	})
	c := newTestClient(t, f.URL)
	_, err := c.DeleteAlias(context.Background(), "fast", Precondition{})
	e, ok := AsAPIError(err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	if e.Status != 404 || e.Method != "DELETE" || e.Path != "/v1/admin/llm/aliases/fast" {
		t.Errorf("body overrode request facts: status %d method %q path %q", e.Status, e.Method, e.Path)
	}
	if !IsNotFound(err) || strings.Contains(err.Error(), "evil") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestDecodeProblemDirect(t *testing.T) {
	e := DecodeProblem(422, []byte(`{"title":"Validation Failed","errors":[{"field":"name","detail":"bad"}],"status":500}`))
	if e.Status != 422 || len(e.Errors) != 1 || !strings.Contains(e.Error(), "name bad") {
		t.Errorf("DecodeProblem = %+v (%q)", e, e.Error())
	}
	if e := DecodeProblem(599, []byte("junk")); e.Status != 599 || e.Error() == "" {
		t.Errorf("DecodeProblem(599) = %+v", e)
	}
	var nilErr error
	if IsNotFound(nilErr) || IsNotFound(errors.New("404")) {
		t.Error("IsNotFound matched a non-APIError")
	}
	if _, ok := AsAPIError(errors.New("x")); ok {
		t.Error("AsAPIError matched a plain error")
	}
}

// ---------------------------------------------------------------------------
// Snapshot cache

// configServer serves GET /v1/admin/llm/config with revision "rev-N", N being the
// number of writes it has accepted; every other route is a write. block, when set for
// a GET, is called after the state is read and before the answer is sent.
type configServer struct {
	*fake
	writes atomic.Int64
	gets   atomic.Int64
	block  func(get int64)
	fail   func(get int64) bool
}

func newConfigServer(t *testing.T) *configServer {
	s := &configServer{}
	s.fake = newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method == http.MethodGet && r.URL.Path == "/v1/admin/llm/config" {
			n := s.gets.Add(1)
			rev := fmt.Sprintf("rev-%d", s.writes.Load())
			if s.block != nil {
				s.block(n)
			}
			if s.fail != nil && s.fail(n) {
				writeProblem(w, http.StatusBadRequest, `{"title":"nope"}`)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"generation": 1, "revision": rev, "providers": []any{}, "aliases": []any{}})
			return
		}
		s.writes.Add(1)
		writeJSON(w, http.StatusOK, map[string]any{"name": "x", "generation": 2})
	})
	return s
}

func TestSnapshotSingleFlight(t *testing.T) {
	s := newConfigServer(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	s.block = func(int64) {
		once.Do(func() { close(entered) })
		<-release
	}
	c := newTestClient(t, s.URL)
	ctx := context.Background()

	const n = 20
	results := make([]*LLMConfig, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Snapshot(ctx)
		}()
	}
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no fetch reached the server")
	}
	time.Sleep(100 * time.Millisecond) // let the others pile up behind the fetch
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Snapshot %d: %v", i, errs[i])
		}
		if results[i] != results[0] || results[i].Revision != "rev-0" {
			t.Errorf("Snapshot %d = %p %+v, want the shared result", i, results[i], results[i])
		}
	}
	if g := s.gets.Load(); g != 1 {
		t.Fatalf("GET /v1/admin/llm/config ran %d times for %d concurrent Snapshots, want 1", g, n)
	}
	if _, err := c.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if g := s.gets.Load(); g != 1 {
		t.Errorf("a later Snapshot fetched again (%d GETs), want a cache hit", g)
	}
}

func TestSnapshotInvalidatedByWrites(t *testing.T) {
	s := newConfigServer(t)
	c := newTestClient(t, s.URL)
	ctx := context.Background()
	writes := []struct {
		name string
		call func() error
	}{
		{"PutAlias", func() error { _, err := c.PutAlias(ctx, "fast", "p", Precondition{}); return err }},
		{"PutProvider", func() error {
			_, err := c.PutProvider(ctx, llmconfig.Provider{Name: "p", Type: "ollama", Model: "m"}, Precondition{})
			return err
		}},
		{"DeleteProvider", func() error { _, err := c.DeleteProvider(ctx, "p", Precondition{}); return err }},
		{"DeleteAlias", func() error { _, err := c.DeleteAlias(ctx, "fast", Precondition{}); return err }},
	}
	if _, err := c.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	for i, w := range writes {
		if err := w.call(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		got, err := c.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if g := s.gets.Load(); g != int64(i+2) {
			t.Errorf("after %s: %d GETs, want %d (the write must invalidate the cache)", w.name, g, i+2)
		}
		if want := fmt.Sprintf("rev-%d", i+1); got.Revision != want {
			t.Errorf("after %s: Snapshot revision %q, want %q", w.name, got.Revision, want)
		}
		// And it is cached again.
		if _, err := c.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
		if g := s.gets.Load(); g != int64(i+2) {
			t.Errorf("after %s: second Snapshot fetched again", w.name)
		}
	}
	// Reads do not invalidate.
	before := s.gets.Load()
	_, _ = c.GetProvider(ctx, "p")
	_, _ = c.GetAlias(ctx, "fast")
	_, _ = c.Status(ctx)
	if _, err := c.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if g := s.gets.Load(); g != before {
		t.Errorf("reads invalidated the snapshot cache")
	}
}

func TestSnapshotErrorNotCached(t *testing.T) {
	s := newConfigServer(t)
	s.fail = func(n int64) bool { return n == 1 }
	c := newTestClient(t, s.URL)
	ctx := context.Background()
	if _, err := c.Snapshot(ctx); err == nil {
		t.Fatal("first Snapshot: no error")
	}
	got, err := c.Snapshot(ctx)
	if err != nil {
		t.Fatalf("second Snapshot: %v (an error was cached)", err)
	}
	if got.Revision != "rev-0" || s.gets.Load() != 2 {
		t.Errorf("second Snapshot = %+v after %d GETs, want a fresh fetch", got, s.gets.Load())
	}
}

func TestSnapshotOverlappingWriteNotCached(t *testing.T) {
	s := newConfigServer(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	s.block = func(n int64) {
		if n == 1 { // only the first fetch is slow
			close(entered)
			<-release
		}
	}
	c := newTestClient(t, s.URL)
	ctx := context.Background()

	type result struct {
		cfg *LLMConfig
		err error
	}
	first := make(chan result, 1)
	go func() {
		cfg, err := c.Snapshot(ctx)
		first <- result{cfg, err}
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("first fetch never reached the server")
	}
	// The first fetch has read "rev-0"; now a write lands.
	if _, err := c.PutAlias(ctx, "fast", "p", Precondition{}); err != nil {
		t.Fatal(err)
	}
	// A read after the write must not wait for, nor reuse, the stale fetch.
	second := make(chan result, 1)
	go func() {
		cfg, err := c.Snapshot(ctx)
		second <- result{cfg, err}
	}()
	select {
	case r := <-second:
		if r.err != nil || r.cfg.Revision != "rev-1" {
			t.Errorf("Snapshot after the write = %+v, %v; want rev-1", r.cfg, r.err)
		}
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("Snapshot after a write waited for a fetch that started before it")
	}
	close(release)
	r := <-first
	if r.err != nil || r.cfg.Revision != "rev-0" {
		t.Fatalf("first Snapshot = %+v, %v", r.cfg, r.err)
	}
	// The stale fetch finished last; it must not have replaced the cache.
	got, err := c.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != "rev-1" {
		t.Errorf("cached Snapshot = %q, want rev-1 (a fetch that overlapped a write was cached)", got.Revision)
	}
	if g := s.gets.Load(); g != 2 {
		t.Errorf("GETs = %d, want 2", g)
	}
}

func TestSnapshotOverlappingWriteWithoutNewReader(t *testing.T) {
	s := newConfigServer(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	s.block = func(n int64) {
		if n == 1 {
			close(entered)
			<-release
		}
	}
	c := newTestClient(t, s.URL)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { _, err := c.Snapshot(ctx); done <- err }()
	<-entered
	if _, err := c.DeleteProvider(ctx, "p", Precondition{}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := c.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != "rev-1" || s.gets.Load() != 2 {
		t.Errorf("Snapshot = %q after %d GETs; a fetch that started before a write and ended after it was cached", got.Revision, s.gets.Load())
	}
}

func TestSnapshotWaiterHonoursOwnContext(t *testing.T) {
	s := newConfigServer(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	s.block = func(int64) { once.Do(func() { close(entered) }); <-release }
	defer close(release)
	c := newTestClient(t, s.URL)
	go func() { _, _ = c.Snapshot(context.Background()) }()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Snapshot(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting Snapshot err = %v, want its own context's deadline", err)
	}
}

// ---------------------------------------------------------------------------
// Logging

func TestLoggingNeverLeaksTokenOrBodies(t *testing.T) {
	const (
		reqMarker  = "REQ-BODY-MARKER-4471"
		respMarker = "RESP-BODY-MARKER-9902"
		errMarker  = "ERR-BODY-MARKER-1337"
	)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.URL.Path == "/v1/admin/status":
			writeJSON(w, http.StatusOK, map[string]any{"mode": respMarker, "revision": testToken})
		case r.URL.Path == "/v1/admin/llm/providers/p" && n == 2:
			w.Header().Set("Retry-After", "0")
			writeProblem(w, http.StatusServiceUnavailable, `{"title":"busy","detail":"`+errMarker+`"}`)
		case r.URL.Path == "/v1/admin/llm/providers/p":
			writeProblem(w, http.StatusUnprocessableEntity, `{"title":"Validation Failed","detail":"`+errMarker+`","errors":[{"field":"model","detail":"`+errMarker+` `+testToken+`"}]}`)
		default:
			writeProblem(w, http.StatusNotFound, `{"detail":"`+errMarker+`"}`)
		}
	})
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	c := newTestClient(t, f.URL)

	if _, err := c.Status(ctx); err != nil { // success
		t.Fatal(err)
	}
	_, err := c.PutProvider(ctx, llmconfig.Provider{Name: "p", Type: "openai", Model: reqMarker, APIKey: "env:" + reqMarker}, Precondition{IfMatch: reqMarker})
	if !IsValidation(err) { // retried once, then fails
		t.Fatalf("PutProvider err = %v", err)
	}
	if _, err := c.GetAlias(ctx, "missing"); !IsNotFound(err) { // fails
		t.Fatalf("GetAlias err = %v", err)
	}
	if _, err := c.Snapshot(ctx); err == nil { // fails through the cache
		t.Fatal("Snapshot: no error")
	}
	// A transport failure with retries.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	_ = l.Close()
	dead := newTestClient(t, "http://"+addr, func(c *Config) { c.MaxRetries = 1 })
	if _, err := dead.Status(ctx); err == nil {
		t.Fatal("no error from a closed port")
	}

	out := buf.String()
	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil {
		t.Fatalf("decoding log: %v\n%s", err, out)
	}
	if len(entries) < 5 {
		t.Fatalf("only %d log entries; the test cannot see what is logged:\n%s", len(entries), out)
	}
	var warned, sawStatus bool
	for _, e := range entries {
		if e["@level"] == "warn" && strings.Contains(fmt.Sprint(e["@message"]), "retrying") {
			warned = true
		}
		if e["status"] != nil {
			sawStatus = true
		}
	}
	if !warned {
		t.Errorf("no retry warning logged:\n%s", out)
	}
	if !sawStatus {
		t.Errorf("no log entry carries the response status:\n%s", out)
	}
	for _, s := range []string{testToken, "Bearer", reqMarker, respMarker, errMarker} {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q:\n%s", s, out)
		}
	}
}

// ---------------------------------------------------------------------------
// TLS

func newTLSFake(t *testing.T) (*httptest.Server, *atomic.Int64, *atomic.Int64) {
	t.Helper()
	var conns, reqs atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reqs.Add(1)
		writeJSON(w, http.StatusOK, map[string]any{"generation": 9})
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake errors are expected
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &conns, &reqs
}

func TestTLSUnknownAuthorityNotRetried(t *testing.T) {
	srv, conns, reqs := newTLSFake(t)
	c := newTestClient(t, srv.URL)
	_, err := c.Status(context.Background())
	if err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &cve) && !strings.Contains(err.Error(), "certificate") {
		t.Errorf("err = %v, want a certificate error", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("connections = %d, want 1 (a certificate error must not be retried)", n)
	}
	if n := reqs.Load(); n != 0 {
		t.Errorf("requests served = %d", n)
	}
}

func TestTLSWithCACertPEM(t *testing.T) {
	srv, _, reqs := newTLSFake(t)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	c := newTestClient(t, srv.URL, func(c *Config) { c.CACertPEM = caPEM })
	st, err := c.Status(context.Background())
	if err != nil {
		t.Fatalf("Status with ca_cert_pem: %v", err)
	}
	if st.Generation != 9 || reqs.Load() != 1 {
		t.Errorf("status = %+v, requests = %d", st, reqs.Load())
	}
}

func TestTLSInsecureSkipVerify(t *testing.T) {
	srv, _, reqs := newTLSFake(t)
	c := newTestClient(t, srv.URL, func(c *Config) { c.InsecureSkipVerify = true })
	if _, err := c.Status(context.Background()); err != nil {
		t.Fatalf("Status with insecure_skip_verify: %v", err)
	}
	if reqs.Load() != 1 {
		t.Errorf("requests = %d", reqs.Load())
	}
}

func TestNewRejectsBadCACertPEM(t *testing.T) {
	for _, bad := range []string{"not a certificate", "-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n"} {
		cfg := DefaultConfig()
		cfg.Endpoint, cfg.CACertPEM = "https://127.0.0.1:8787", bad
		_, err := New(cfg)
		if !errors.Is(err, ErrCACertPEM) || !strings.Contains(err.Error(), "ca_cert_pem") {
			t.Errorf("New with CACertPEM %q: err = %v, want ErrCACertPEM mentioning ca_cert_pem", bad, err)
		}
	}
}

// Every Config field is taken as it is: values that make no sense are refused
// instead of being read as "the default".
func TestNewRefusesMeaninglessConfig(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"zero timeout":     func(c *Config) { c.Timeout = 0 },
		"negative retries": func(c *Config) { c.MaxRetries = -1 },
		"negative wait":    func(c *Config) { c.RetryWaitMin = -time.Second },
		"max below min":    func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = time.Second, time.Millisecond },
	} {
		cfg := DefaultConfig()
		cfg.Endpoint = "http://127.0.0.1:8787"
		mod(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	cfg := DefaultConfig()
	cfg.Endpoint = "http://127.0.0.1:8787"
	if _, err := New(cfg); err != nil {
		t.Errorf("New(DefaultConfig()): %v", err)
	}
}

// ---------------------------------------------------------------------------
// Endpoint

func TestParseEndpoint(t *testing.T) {
	for _, bad := range []string{
		"", "ftp://x", "localhost:8787", "127.0.0.1:8787", "http://user:pw@h", "https://user@h",
		"http://h/?q=1", "http://h#frag", "http://", "/v1/admin", "http//h", "://h",
	} {
		if u, err := ParseEndpoint(bad); err == nil {
			t.Errorf("ParseEndpoint(%q) = %v, want an error", bad, u)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("ParseEndpoint(%q) error leaks the password: %v", bad, err)
		}
	}
	for in, want := range map[string]string{
		"http://127.0.0.1:8787/":          "http://127.0.0.1:8787",
		"http://127.0.0.1:8787":           "http://127.0.0.1:8787",
		"https://aegis.example.com:8787/": "https://aegis.example.com:8787",
		"https://h/base/":                 "https://h/base",
	} {
		u, err := ParseEndpoint(in)
		if err != nil {
			t.Errorf("ParseEndpoint(%q): %v", in, err)
			continue
		}
		if u.String() != want {
			t.Errorf("ParseEndpoint(%q) = %q, want %q", in, u.String(), want)
		}
	}
	if _, err := New(Config{Endpoint: "ftp://x"}); err == nil {
		t.Error("New accepted an ftp endpoint")
	}
}

// TestWritesCarryIdempotencyKeys: every PUT carries an Idempotency-Key, the same
// on a retry of the same call and a new one for the next call.
func TestWritesCarryIdempotencyKeys(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		if n%2 == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL, Timeout: 5 * time.Second, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, MaxRetries: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.PutAlias(ctx, "fast", "p", Precondition{CreateOnly: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutProvider(ctx, llmconfig.Provider{Name: "p"}, Precondition{}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 4 || keys[0] == "" || keys[0] != keys[1] || keys[2] != keys[3] || keys[1] == keys[2] {
		t.Fatalf("keys %q: want one per call, repeated on its retry", keys)
	}
}

// TestPutAliasAwaitProvider: AwaitProvider sends "Prefer: await-provider" (and
// only then), and a 202 answer decodes as an awaiting alias.
func TestPutAliasAwaitProvider(t *testing.T) {
	var prefer []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prefer = append(prefer, r.Header.Get("Prefer"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"name":"fast","provider":"later","revision":"r1","awaiting":true,"awaiting_until":"2026-11-27T08:00:00Z","generation":3}`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	a, err := c.PutAliasWith(ctx, "fast", adminapi.AliasPut{Provider: "later"}, Precondition{CreateOnly: true, AwaitProvider: true})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Awaiting || a.AwaitingUntil == nil || a.Provider != "later" || a.Revision != "r1" {
		t.Fatalf("awaiting answer decoded as %+v", a)
	}
	if _, err := c.PutAlias(ctx, "fast", "later", Precondition{}); err != nil {
		t.Fatal(err)
	}
	if len(prefer) != 2 || prefer[0] != "await-provider" || prefer[1] != "" {
		t.Fatalf("Prefer headers sent: %q", prefer)
	}
}
