package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// hostileBound is how long a well-behaved request may take while hostile clients
// hammer the server. It is generous on purpose: this is a correctness property
// (the authorized client is served at all, not after the attack ends), not a
// speed target.
const hostileBound = 15 * time.Second

// TestHostileClients: clients without a token cannot starve token holders. With a
// cap of 8 connections, slow-body clients get their 401 at once (the server does
// not wait to drain a 200 KB body) and lose their connection; dozens of
// slow-header clients, still arriving, are evicted to make room; an authorized
// read and write both succeed; oversized headers get 431.
func TestHostileClients(t *testing.T) {
	bin := testserver.Binary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "aegis-config.yaml")
	if err := os.WriteFile(cfg, []byte("llm:\n  providers: []\n  aliases: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, bin, cfg, filepath.Join(dir, "ready"), "--max-connections", "8", "--read-header-timeout", "60s", "--read-timeout", "60s")
	addr := strings.TrimPrefix(p.url, "http://")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	trickle := func(c net.Conn, b byte) {
		defer wg.Done()
		defer func() { _ = c.Close() }()
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
		}
	}

	// Slow bodies without a token: 401 at once, then the connection is closed.
	for i := range 12 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Fprintf(c, "POST /v1/admin/reload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n{"); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go trickle(c, ' ')
		_ = c.SetReadDeadline(time.Now().Add(hostileBound))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("slow body %d: no answer before the body was sent: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
			t.Fatalf("slow body %d: status %d, close %v; want 401 and the connection closed", i, resp.StatusCode, resp.Close)
		}
		// ...and the server closes it now, not after draining or timing out the body.
		var b [1]byte
		if _, err := c.Read(b[:]); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("slow body %d: the server kept the connection open after its 401: %v", i, err)
		}
	}

	// Slow headers: far more clients than the cap, and more keep arriving.
	var opened, closedByServer atomic.Int64
	slowHeader := func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		opened.Add(1)
		if _, err := fmt.Fprintf(c, "GET /v1/admin/status HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
			closedByServer.Add(1)
			_ = c.Close()
			return
		}
		wg.Add(2)
		go trickle(c, 'a')
		go func() {
			defer wg.Done()
			var b [1]byte
			if _, err := c.Read(b[:]); err != nil && ctx.Err() == nil {
				closedByServer.Add(1)
			}
		}()
	}
	for range 40 {
		slowHeader()
	}
	wg.Add(1)
	go func() { // the flood goes on while the authorized client works
		defer wg.Done()
		for ctx.Err() == nil {
			slowHeader()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	deadline := time.Now().Add(hostileBound)
	for opened.Load()-closedByServer.Load() > 8 {
		if time.Now().After(deadline) {
			t.Fatalf("%d slow-header connections opened, only %d closed by the server: the cap of 8 is not enforced", opened.Load(), closedByServer.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}

	authorized := func(method, path, body string) int {
		rctx, rcancel := context.WithTimeout(context.Background(), hostileBound)
		defer rcancel()
		req, err := http.NewRequestWithContext(rctx, method, p.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			t.Fatalf("authorized %s %s during the attack: %v (opened %d, closed %d)", method, path, err, opened.Load(), closedByServer.Load())
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	t.Logf("%d slow-header connections opened so far, %d closed by the server", opened.Load(), closedByServer.Load())
	for i := range 5 {
		start := time.Now()
		if st := authorized("GET", "/v1/admin/status", ""); st != 200 {
			t.Fatalf("authorized read %d: status %d", i, st)
		}
		t.Logf("authorized read %d during the attack: %v", i, time.Since(start).Round(time.Millisecond))
	}
	if st := authorized("PUT", "/v1/admin/llm/providers/local", `{"type":"ollama","base_url":"http://localhost:11434","model":"qwen"}`); st != 201 {
		t.Fatalf("authorized write: status %d", st)
	}

	// Headers beyond MaxHeaderBytes (16 KiB) are refused.
	req, _ := http.NewRequest("GET", p.url+"/v1/admin/status", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB of headers: status %d, want 431", resp.StatusCode)
	}
}
