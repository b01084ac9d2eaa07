// Package client is the typed client of the AEGIS admin API (docs/admin-api.md),
// built on go-retryablehttp and logging through terraform-plugin-log.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Defaults for Config fields left zero.
const (
	// DefaultTimeout outlasts the reference server's default reload timeout (60s):
	// a write answers only once its reload is done.
	DefaultTimeout    = 90 * time.Second
	DefaultMaxRetries = 4
	maxResponseBytes  = 64 << 20
)

// Config configures a Client.
type Config struct {
	// Endpoint is the base URL of the admin API, e.g. "http://127.0.0.1:8787".
	Endpoint string
	// Token is the bearer token. It is never logged.
	Token string
	// CACertPEM, when set, is the only CA trusted for the server certificate.
	CACertPEM string
	// InsecureSkipVerify disables TLS certificate verification.
	InsecureSkipVerify bool
	// Timeout bounds one HTTP attempt. Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt. Negative means DefaultMaxRetries.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the wait between attempts (defaults 250ms and 10s).
	RetryWaitMin, RetryWaitMax time.Duration
	// UserAgent is sent on every request.
	UserAgent string
}

// Client talks to one admin API endpoint. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	ua    string
	http  *retryablehttp.Client

	snap snapshotCache
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := ParseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	transport := cleanhttp.DefaultPooledTransport()
	if base.Scheme == "https" {
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.CACertPEM != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(cfg.CACertPEM)) {
				return nil, errors.New("ca_cert_pem holds no PEM-encoded certificate")
			}
			tlsCfg.RootCAs = pool
		}
		tlsCfg.InsecureSkipVerify = cfg.InsecureSkipVerify //nolint:gosec // explicit opt-in, warned about by the provider
		transport.TLSClientConfig = tlsCfg
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	retries := cfg.MaxRetries
	if retries < 0 {
		retries = DefaultMaxRetries
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: transport, Timeout: timeout}
	rc.Logger = nil // logging goes through tflog in the hooks below, with the request's context
	rc.RetryMax = retries
	rc.RetryWaitMin = orDefault(cfg.RetryWaitMin, 250*time.Millisecond)
	rc.RetryWaitMax = orDefault(cfg.RetryWaitMax, 10*time.Second)
	rc.CheckRetry = checkRetry
	rc.Backoff = backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if attempt > 0 {
			tflog.Warn(req.Context(), "retrying AEGIS admin API request", map[string]any{
				"method": req.Method, "path": req.URL.Path, "attempt": attempt + 1,
			})
		}
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "terraform-provider-aegis/dev"
	}
	return &Client{base: base, token: cfg.Token, ua: ua, http: rc}, nil
}

// ParseEndpoint checks an endpoint URL and returns it without a trailing slash.
func ParseEndpoint(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("endpoint must be an absolute http:// or https:// URL such as \"https://aegis.example.com:8787\"")
	}
	if u.User != nil {
		return nil, errors.New("endpoint must not contain user info; set the token instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("endpoint must not contain a query or fragment")
	}
	return u, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// checkRetry is go-retryablehttp's default policy, except that an attempt that
// timed out is not repeated: a server that did not answer within the timeout will
// not answer the same request faster, and retrying would multiply the wait.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	var ue *url.Error
	if err != nil && errors.As(err, &ue) && ue.Timeout() && ctx.Err() == nil {
		return false, err
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// backoff waits exponentially, or as long as a Retry-After header on a 429 or 5xx
// asks for, capped at max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) {
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			var d time.Duration
			if secs, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && secs >= 0 {
				d = time.Duration(secs) * time.Second
			} else if t, err := http.ParseTime(ra); err == nil {
				d = time.Until(t)
			}
			if d < 0 {
				d = 0
			}
			if d > maxWait {
				d = maxWait
			}
			return d
		}
	}
	return retryablehttp.DefaultBackoff(minWait, maxWait, attempt, nil)
}

// request describes one API call.
type request struct {
	method string
	path   string
	body   any
	header http.Header
}

// response is a successful (2xx) API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do runs one API call. Non-2xx answers become *APIError. The token is masked in
// every log line written under the derived context, and bodies are never logged.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	if c.token != "" {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, c.token)
		ctx = tflog.MaskMessageStrings(ctx, c.token)
	}
	var body any
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("encoding request body: %w", err)
		}
		body = b
	}
	u := c.base.JoinPath(r.path)
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", "application/json, application/problem+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		tflog.Debug(ctx, "AEGIS admin API request failed", map[string]any{"method": r.method, "path": r.path})
		return nil, fmt.Errorf("%s %s: %w", r.method, u.Redacted(), err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading response: %w", r.method, u.Redacted(), err)
	}
	tflog.Debug(ctx, "AEGIS admin API request", map[string]any{
		"method": r.method, "path": r.path, "status": resp.StatusCode,
		"duration_ms": time.Since(start).Milliseconds(),
	})
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newAPIError(r.method, r.path, resp, data)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// doJSON runs a call and decodes a JSON answer into out (when non-nil).
func (c *Client) doJSON(ctx context.Context, r request, out any) (*response, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return nil, fmt.Errorf("%s %s: decoding response: %w", r.method, r.path, err)
		}
	}
	return resp, nil
}

// Precondition is a conditional-write header set.
type Precondition struct {
	// IfMatch, when set, makes the write apply only to this revision.
	IfMatch string
	// CreateOnly sends If-None-Match: *, so the write only creates.
	CreateOnly bool
}

func (p Precondition) header() http.Header {
	h := http.Header{}
	if p.IfMatch != "" {
		h.Set("If-Match", strconv.Quote(p.IfMatch))
	}
	if p.CreateOnly {
		h.Set("If-None-Match", "*")
	}
	return h
}

// snapshotCache shares one GET /v1/admin/llm/config among all reads of a process
// until the next write through this client, so that refreshing N objects costs one
// request. A write invalidates it; reads that overlap a write fetch anew.
type snapshotCache struct {
	mu      sync.Mutex
	epoch   uint64
	cur     *LLMConfig
	pending *snapshotCall
	// baseline is the first snapshot fetched before any write of this client.
	baseline *LLMConfig
}

type snapshotCall struct {
	done  chan struct{}
	epoch uint64
	cfg   *LLMConfig
	err   error
}

func (s *snapshotCache) invalidate() {
	s.mu.Lock()
	s.epoch++
	s.cur = nil
	s.pending = nil
	s.mu.Unlock()
}

// Snapshot returns the whole llm section, fetched at most once between writes.
func (c *Client) Snapshot(ctx context.Context) (*LLMConfig, error) {
	s := &c.snap
	s.mu.Lock()
	if s.cur != nil {
		cur := s.cur
		s.mu.Unlock()
		return cur, nil
	}
	call := s.pending
	if call == nil {
		call = &snapshotCall{done: make(chan struct{}), epoch: s.epoch}
		s.pending = call
		s.mu.Unlock()
		// Other callers may wait for this fetch: it must not end with this caller's context.
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
		call.cfg, call.err = c.GetConfig(fetchCtx)
		cancel()
		s.mu.Lock()
		if s.pending == call {
			s.pending = nil
		}
		if call.err == nil && s.epoch == call.epoch {
			s.cur = call.cfg
			if call.epoch == 0 && s.baseline == nil {
				s.baseline = call.cfg
			}
		}
		s.mu.Unlock()
		close(call.done)
	} else {
		s.mu.Unlock()
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return call.cfg, call.err
}

// Baseline returns the llm section as this client first saw it, when that was
// before any write of its own (otherwise the current snapshot). Plan logic reads it, so that Terraform's re-plan of a resource during
// apply sees what the plan saw even after other resources of the same apply were
// written; reading the live state there would make the plan inconsistent.
func (c *Client) Baseline(ctx context.Context) (*LLMConfig, error) {
	c.snap.mu.Lock()
	b := c.snap.baseline
	c.snap.mu.Unlock()
	if b != nil {
		return b, nil
	}
	return c.Snapshot(ctx)
}
