package testserver

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// FaultKind is what the proxy does to one request.
type FaultKind int

const (
	// Pass forwards the request and its answer.
	Pass FaultKind = iota
	// DropResponse forwards the request (so the server commits it) and then cuts
	// the client's connection instead of answering: a lost response.
	DropResponse
	// Reset cuts the client's connection with a TCP reset before forwarding.
	Reset
	// Delay waits Fault.Delay, then forwards.
	Delay
	// Unavailable answers 503 with Retry-After: Fault.RetryAfter, without forwarding.
	Unavailable
	// TooManyRequests answers 429 with Retry-After: Fault.RetryAfter, without forwarding.
	TooManyRequests
)

// Fault is one decision of a FaultRule.
type Fault struct {
	Kind       FaultKind
	Delay      time.Duration
	RetryAfter int
	// Before runs before the fault is applied (after forwarding for DropResponse):
	// tests use it to change the server in the window a lost response opens.
	Before func()
}

// FaultRule decides the fault for a request; n counts requests with the same
// method and path, from 1.
type FaultRule func(r *http.Request, n int) Fault

// FaultProxy is a loopback HTTP proxy in front of a server that injects faults.
type FaultProxy struct {
	URL string

	mu     sync.Mutex
	rule   FaultRule
	counts map[string]int
	faults map[FaultKind]int
	srv    *httptest.Server
	target string
	client *http.Client
}

// NewFaultProxy starts a proxy to target (a base URL) that the test stops.
func NewFaultProxy(t testing.TB, target string) *FaultProxy {
	p := &FaultProxy{counts: map[string]int{}, faults: map[FaultKind]int{}, target: target,
		client: &http.Client{Timeout: time.Minute}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// SetRule replaces the fault rule (nil passes everything).
func (p *FaultProxy) SetRule(rule FaultRule) {
	p.mu.Lock()
	p.rule = rule
	p.mu.Unlock()
}

// Count returns how many requests with this method and path reached the proxy.
func (p *FaultProxy) Count(method, path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[method+" "+path]
}

// Injected returns how many faults of a kind were injected.
func (p *FaultProxy) Injected(kind FaultKind) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults[kind]
}

func (p *FaultProxy) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	p.mu.Lock()
	p.counts[key]++
	n := p.counts[key]
	rule := p.rule
	p.mu.Unlock()
	f := Fault{Kind: Pass}
	if rule != nil {
		f = rule(r, n)
	}
	if f.Kind != Pass {
		p.mu.Lock()
		p.faults[f.Kind]++
		p.mu.Unlock()
	}
	if f.Before != nil && f.Kind != DropResponse {
		f.Before()
	}
	switch f.Kind {
	case Reset:
		cut(w, true)
		return
	case Unavailable, TooManyRequests:
		status := http.StatusServiceUnavailable
		if f.Kind == TooManyRequests {
			status = http.StatusTooManyRequests
		}
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"type":"about:blank","title":"`+http.StatusText(status)+`","status":`+strconv.Itoa(status)+`}`)
		return
	case Delay:
		time.Sleep(f.Delay)
	}
	status, header, body, err := p.forward(r)
	if err != nil {
		cut(w, true)
		return
	}
	if f.Kind == DropResponse {
		if f.Before != nil {
			f.Before()
		}
		cut(w, false)
		return
	}
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (p *FaultProxy) forward(r *http.Request) (int, http.Header, []byte, error) {
	in, err := io.ReadAll(r.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(in))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

// cut closes the client connection without an answer; with reset it sends a TCP RST.
func cut(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fault proxy: response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
