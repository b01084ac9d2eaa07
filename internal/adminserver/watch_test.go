package adminserver

import (
	"bytes"
	"testing"
	"time"
)

// waitFor polls cond until it holds; the deadline only bounds a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatchReloadsValidEdits: with Watch, a valid edit goes live by itself, an
// invalid one is left alone and reported, and the server's own writes cause no
// extra reload.
func TestWatchReloadsValidEdits(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Watch = true; c.WatchDebounce = 50 * time.Millisecond })

	// Our own write: exactly one reload, and no watch reload after it.
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/fast", map[string]string{"provider": "gpt-4o"}), 200)
	checks := f.srv.watchChecks.Load()
	waitFor(t, "the watcher to look at our own write", func() bool { return f.srv.watchChecks.Load() > checks })
	if f.reloads() != 1 {
		t.Fatalf("reloads = %d after one API write, want 1 (the watcher reloaded our own write)", f.reloads())
	}

	// A valid edit goes live.
	gen := f.generation()
	writeFile(t, f.path, bytes.Replace(f.fileBytes(), []byte("fast: gpt-4o "), []byte("fast: gpt-4o-mini "), 1))
	waitFor(t, "the edit to go live", func() bool { return f.generation() > gen })
	a := f.expect(f.admin("GET", "/v1/admin/llm/aliases/fast", nil), 200)
	if a["provider"] != "gpt-4o-mini" {
		t.Fatalf("alias after the watched edit: %v", a)
	}
	if lr := f.status()["last_reload"].(map[string]any); lr["trigger"] != TriggerWatch {
		t.Errorf("last reload trigger = %v, want %s", lr["trigger"], TriggerWatch)
	}

	// An invalid edit is left alone and reported.
	gen = f.generation()
	checks = f.srv.watchChecks.Load()
	writeFile(t, f.path, bytes.Replace(f.fileBytes(), []byte("fast: gpt-4o-mini"), []byte("fast: no-such-provider"), 1))
	waitFor(t, "the watcher to look at the invalid edit", func() bool { return f.srv.watchChecks.Load() > checks })
	if f.generation() != gen {
		t.Fatal("an invalid edit went live")
	}
	if e, _ := f.status()["file_edit"].(map[string]any); e == nil || e["valid"] != false {
		t.Fatalf("the invalid edit is not reported: %v", e)
	}
}
