package client

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Baseline keeps what the client saw before its first write, while Snapshot
// moves on after writes.
func TestBaselineStaysBeforeWrites(t *testing.T) {
	s := newConfigServer(t)
	c := newTestClient(t, s.URL)
	ctx := context.Background()
	b1, err := c.Baseline(ctx)
	if err != nil || b1.Revision != "rev-0" {
		t.Fatalf("first baseline = %+v, %v", b1, err)
	}
	if _, err := c.PutAlias(ctx, "fast", "x", Precondition{}); err != nil {
		t.Fatal(err)
	}
	snap, err := c.Snapshot(ctx)
	if err != nil || snap.Revision != "rev-1" {
		t.Fatalf("snapshot after a write = %+v, %v; want rev-1", snap, err)
	}
	b2, err := c.Baseline(ctx)
	if err != nil || b2.Revision != "rev-0" {
		t.Fatalf("baseline after a write = %+v, %v; want the pre-write rev-0", b2, err)
	}
}

// With no snapshot before the first write, Baseline falls back to the current state.
func TestBaselineAfterWriteFallsBack(t *testing.T) {
	s := newConfigServer(t)
	c := newTestClient(t, s.URL)
	ctx := context.Background()
	if _, err := c.PutProvider(ctx, llmconfig.Provider{Name: "x"}, Precondition{}); err != nil {
		t.Fatal(err)
	}
	b, err := c.Baseline(ctx)
	if err != nil || b.Revision != "rev-1" {
		t.Fatalf("baseline = %+v, %v; want the current rev-1", b, err)
	}
}

// A snapshot fetch shared by several callers does not fail for all of them when
// the caller that started it gives up.
func TestSnapshotLeaderCancelDoesNotFailWaiters(t *testing.T) {
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
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() { _, err := c.Snapshot(leaderCtx); leaderErr <- err }()
	<-entered
	waiter := make(chan error, 1)
	go func() { _, err := c.Snapshot(context.Background()); waiter <- err }()
	time.Sleep(20 * time.Millisecond) // let the waiter join the pending fetch
	cancel()
	close(release)
	if err := <-waiter; err != nil {
		t.Fatalf("the waiter failed because the leader's context ended: %v", err)
	}
	if err := <-leaderErr; err != nil {
		t.Logf("the canceled leader got %v (fine: its own context ended)", err)
	}
}

// An attempt that timed out is not retried.
func TestTimeoutNotRetried(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		time.Sleep(300 * time.Millisecond)
		writeJSON(w, http.StatusOK, map[string]any{})
	})
	c := newTestClient(t, f.URL, func(cfg *Config) { cfg.Timeout = 50 * time.Millisecond; cfg.MaxRetries = 3 })
	_, err := c.Status(context.Background())
	if !IsTimeout(err) {
		t.Fatalf("err = %v, want a *TimeoutError", err)
	}
	if n := f.count(); n != 1 {
		t.Fatalf("attempts = %d, want 1", n)
	}
	// The caller's own deadline is not the client's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	c = newTestClient(t, f.URL, func(cfg *Config) { cfg.Timeout = 10 * time.Second; cfg.MaxRetries = 0 })
	if _, err := c.Status(ctx); err == nil || IsTimeout(err) {
		t.Fatalf("err = %v, want an error that is not a *TimeoutError", err)
	}
}

// The snapshot carries the alias writes awaiting their provider in the same
// GET (a refresh of N aliases stays one request), and a server that predates
// the field gives none.
func TestSnapshotAwaitingAliases(t *testing.T) {
	body := map[string]any{"generation": 3, "revision": "rev-3", "providers": []any{},
		"aliases": []any{map[string]any{"name": "fast", "provider": "p", "revision": "r-live"}},
		"awaiting_aliases": []any{map[string]any{"alias": "fast", "provider": "q", "revision": "r-q",
			"since": "2026-11-27T07:50:00Z", "until": "2026-11-27T08:00:00Z"}}}
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, body) })
	c := newTestClient(t, f.URL)
	ctx := context.Background()
	if c.CachedBaseline() != nil {
		t.Fatal("a cached baseline before any read")
	}
	for range 3 {
		snap, err := c.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		aw := snap.AwaitingAlias("fast")
		if aw == nil || aw.Provider != "q" || aw.Revision != "r-q" || !aw.Until.Equal(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)) {
			t.Fatalf("awaiting alias of the snapshot: %+v", aw)
		}
		if snap.AwaitingAlias("slow") != nil || snap.Alias("fast") == nil {
			t.Fatalf("snapshot: %+v", snap)
		}
	}
	if b := c.CachedBaseline(); b == nil || b.AwaitingAlias("fast") == nil {
		t.Fatalf("cached baseline: %+v", b)
	}
	if n := f.count(); n != 1 {
		t.Fatalf("requests = %d, want 1", n)
	}
	delete(body, "awaiting_aliases")
	old := newTestClient(t, newFake(t, func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, body) }).URL)
	if snap, err := old.Snapshot(ctx); err != nil || snap.AwaitingAlias("fast") != nil {
		t.Fatalf("snapshot of an older server: %+v, %v", snap, err)
	}
}
