// Package client is the typed client of the AEGIS admin API (docs/admin-api.md),
// built on go-retryablehttp and logging through terraform-plugin-log.
package client

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
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

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/sync/singleflight"
)

// Defaults of DefaultConfig.
const (
	// DefaultTimeout outlasts the reference server's default reload timeout (60s):
	// a write answers only once its reload is done.
	DefaultTimeout      = 90 * time.Second
	DefaultMaxRetries   = 4
	DefaultMinRetryWait = 250 * time.Millisecond
	DefaultMaxRetryWait = 10 * time.Second
	maxResponseBytes    = 64 << 20
)

// ErrCACertPEM is returned by New when Config.CACertPEM holds no certificate.
var ErrCACertPEM = errors.New("ca_cert_pem holds no PEM-encoded certificate")

// Config configures a Client. Every field is taken as it is (zero included);
// start from DefaultConfig.
type Config struct {
	// Endpoint is the base URL of the admin API, e.g. "http://127.0.0.1:8787".
	Endpoint string
	// Token is the bearer token. It is never logged.
	Token string
	// CACertPEM, when set, is the only CA trusted for the server certificate.
	CACertPEM string
	// InsecureSkipVerify disables TLS certificate verification.
	InsecureSkipVerify bool
	// Timeout bounds one HTTP attempt; it must be positive.
	Timeout time.Duration
	// MaxRetries is the number of retries after the first attempt; 0 means none.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the wait between attempts.
	RetryWaitMin, RetryWaitMax time.Duration
	// UserAgent is sent on every request.
	UserAgent string
}

// DefaultConfig returns the defaults of every field but Endpoint, Token and the
// TLS settings.
func DefaultConfig() Config {
	return Config{
		Timeout: DefaultTimeout, MaxRetries: DefaultMaxRetries,
		RetryWaitMin: DefaultMinRetryWait, RetryWaitMax: DefaultMaxRetryWait,
		UserAgent: "terraform-provider-aegis/dev",
	}
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
	switch {
	case cfg.Timeout <= 0:
		return nil, fmt.Errorf("client: Timeout must be positive, got %s", cfg.Timeout)
	case cfg.MaxRetries < 0:
		return nil, fmt.Errorf("client: MaxRetries must not be negative, got %d", cfg.MaxRetries)
	case cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < cfg.RetryWaitMin:
		return nil, fmt.Errorf("client: need 0 <= RetryWaitMin <= RetryWaitMax, got %s and %s", cfg.RetryWaitMin, cfg.RetryWaitMax)
	}
	transport := cleanhttp.DefaultPooledTransport()
	if base.Scheme == "https" {
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.CACertPEM != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(cfg.CACertPEM)) {
				return nil, ErrCACertPEM
			}
			tlsCfg.RootCAs = pool
		}
		tlsCfg.InsecureSkipVerify = cfg.InsecureSkipVerify //nolint:gosec // explicit opt-in, warned about by the provider
		transport.TLSClientConfig = tlsCfg
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: transport, Timeout: cfg.Timeout}
	rc.Logger = nil // logging goes through tflog in the hooks below, with the request's context
	rc.RetryMax = cfg.MaxRetries
	rc.RetryWaitMin = cfg.RetryWaitMin
	rc.RetryWaitMax = cfg.RetryWaitMax
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
	return &Client{base: base, token: cfg.Token, ua: cfg.UserAgent, http: rc}, nil
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

// checkRetry is go-retryablehttp's default policy, except that an attempt that
// timed out is not repeated: a server that did not answer within the timeout will
// not answer the same request faster, and retrying would multiply the wait.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if isAttemptTimeout(ctx, err) {
		return false, err
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// isAttemptTimeout reports an attempt cut off by Config.Timeout (not by the
// caller's context).
func isAttemptTimeout(ctx context.Context, err error) bool {
	var ue *url.Error
	return err != nil && errors.As(err, &ue) && ue.Timeout() && ctx.Err() == nil
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
		if isAttemptTimeout(ctx, err) {
			return nil, &TimeoutError{Method: r.method, URL: u.Redacted(), Err: err}
		}
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
	// Deferred (provider deletes only) asks the server to delete a provider
	// that aliases still use once the last of them has left, instead of
	// refusing with 409.
	Deferred bool
	// AwaitProvider (alias writes only) asks the server to accept an alias
	// whose provider does not exist yet as awaiting it (202, Alias.Awaiting)
	// instead of refusing with 422.
	AwaitProvider bool
}

// writeHeader is header plus a fresh Idempotency-Key: one key per write call,
// which go-retryablehttp sends unchanged on every retry of that call, so that the
// server answers a retry whose first answer was lost with that answer (see the
// IETF httpapi Idempotency-Key draft).
func (p Precondition) writeHeader() http.Header {
	h := p.header()
	var k [16]byte
	_, _ = rand.Read(k[:])
	h.Set(adminapi.HeaderIdempotencyKey, strconv.Quote(hex.EncodeToString(k[:])))
	return h
}

func (p Precondition) header() http.Header {
	h := http.Header{}
	if p.IfMatch != "" {
		h.Set("If-Match", strconv.Quote(p.IfMatch))
	}
	if p.CreateOnly {
		h.Set("If-None-Match", "*")
	}
	if p.AwaitProvider {
		h.Add("Prefer", adminapi.PreferAwaitProvider)
	}
	return h
}

// snapshotCache shares one GET /v1/admin/llm/config among all reads of a process
// until the next write through this client, so that refreshing N objects costs one
// request. Concurrent reads share one fetch (singleflight, keyed by the write
// epoch); a write invalidates the cache and starts a new epoch, so reads after it
// never join or keep a fetch that began before it.
type snapshotCache struct {
	group singleflight.Group
	mu    sync.Mutex
	epoch uint64
	cur   *LLMConfig
	// baseline is the first snapshot fetched before any write of this client.
	baseline *LLMConfig
}

func (s *snapshotCache) invalidate() {
	s.mu.Lock()
	s.epoch++
	s.cur = nil
	s.mu.Unlock()
}

// store keeps cfg, fetched in epoch, unless a write came in between.
func (s *snapshotCache) store(epoch uint64, cfg *LLMConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epoch != epoch {
		return
	}
	s.cur = cfg
	if epoch == 0 && s.baseline == nil {
		s.baseline = cfg
	}
}

// Snapshot returns the whole llm section, fetched at most once between writes.
func (c *Client) Snapshot(ctx context.Context) (*LLMConfig, error) {
	s := &c.snap
	s.mu.Lock()
	cur, epoch := s.cur, s.epoch
	s.mu.Unlock()
	if cur != nil {
		return cur, nil
	}
	ch := s.group.DoChan(strconv.FormatUint(epoch, 10), func() (any, error) {
		// Other callers may wait for this fetch: it must not end with this caller's context.
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
		defer cancel()
		cfg, err := c.GetConfig(fetchCtx)
		if err != nil {
			return nil, err
		}
		s.store(epoch, cfg)
		return cfg, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		cfg, _ := res.Val.(*LLMConfig)
		return cfg, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Baseline returns the llm section as this client first saw it, when that was
// before any write of its own (otherwise the current snapshot). Plan logic reads
// it, so that Terraform's re-plan of a resource during apply sees what the plan saw
// even after other resources of the same apply were written; reading the live
// state there would make the plan inconsistent.
func (c *Client) Baseline(ctx context.Context) (*LLMConfig, error) {
	c.snap.mu.Lock()
	b := c.snap.baseline
	c.snap.mu.Unlock()
	if b != nil {
		return b, nil
	}
	return c.Snapshot(ctx)
}

// CachedBaseline is Baseline without a request: the baseline, else the
// current snapshot, else nil. An apply's write path reads it to recall what
// its plan saw without costing a GET.
func (c *Client) CachedBaseline() *LLMConfig {
	c.snap.mu.Lock()
	defer c.snap.mu.Unlock()
	if c.snap.baseline != nil {
		return c.snap.baseline
	}
	return c.snap.cur
}
