package adminserver

import (
	"testing"
	"time"
)

// These tests drive collect directly (no HTTP, no committer goroutine), feeding
// the queue on a schedule, so that they test the batching rules rather than the
// machine's speed. The margins are wide: a busy machine only makes feeding late,
// which the assertions tolerate.

func newCollector(window time.Duration) *Server {
	return &Server{cfg: Config{CommitWindow: window}, queue: make(chan *commitRequest, 1024), stop: make(chan struct{})}
}

func noopMutation() *commitRequest {
	return &commitRequest{mutate: func(*workingCopy) (bool, error) { return false, nil }}
}

// feed queues one mutation after each of the delays (measured from the call).
func feed(s *Server, delays ...time.Duration) {
	start := time.Now()
	go func() {
		for _, d := range delays {
			time.Sleep(time.Until(start.Add(d)))
			s.queue <- noopMutation()
		}
	}()
}

// TestCollectDebounce: mutations that keep arriving less than a window apart
// share one batch, even when together they span several windows.
func TestCollectDebounce(t *testing.T) {
	const window = 150 * time.Millisecond
	s := newCollector(window)
	var g batcher
	feed(s, 30*time.Millisecond, 60*time.Millisecond, 90*time.Millisecond, 120*time.Millisecond, 150*time.Millisecond, 180*time.Millisecond)
	start := time.Now()
	batch, st := s.collect(noopMutation(), &g)
	if len(batch) != 7 || st.short {
		t.Errorf("batch of %d (short %v) after %s, want all 7 (each arrived within a window of the previous one)", len(batch), st.short, time.Since(start))
	}
	g.committed(batch, st, time.Now())
	if g.high != 7 || g.patience < 2*20*time.Millisecond {
		t.Errorf("after a batch of 7: high-water mark %d, patience %s", g.high, g.patience)
	}
}

// TestCollectExpectsReturningWriters: while a batch holds fewer mutations than
// the high-water mark, it waits for them with the learned patience, even when
// they arrive more than a window apart; without an expectation it closes after
// one quiet window.
func TestCollectExpectsReturningWriters(t *testing.T) {
	const window = 40 * time.Millisecond
	s := newCollector(window)
	g := batcher{high: 4, patience: 400 * time.Millisecond, lastDone: time.Now()}
	feed(s, 100*time.Millisecond, 200*time.Millisecond, 300*time.Millisecond)
	batch, st := s.collect(noopMutation(), &g)
	if len(batch) != 4 || st.short {
		t.Fatalf("batch of %d (short %v), want the 4 writers seen before", len(batch), st.short)
	}
	g.committed(batch, st, time.Now())
	if g.high != 4 || g.patience < 150*time.Millisecond {
		t.Errorf("after a full batch: high-water mark %d, patience %s (want about twice the 100ms gaps)", g.high, g.patience)
	}

	// No expectation (a fresh committer): the first quiet window closes the batch.
	g = batcher{}
	feed(s, 200*time.Millisecond)
	batch, _ = s.collect(noopMutation(), &g)
	if len(batch) != 1 {
		t.Errorf("batch of %d without expectation, want 1", len(batch))
	}
	<-s.queue // the late one
}

// TestCollectShortfalls: a batch that falls short of the high-water mark costs
// one patience gap and leaves the patience as it was (a tail must not make the
// next tail wait longer); after shortfallsToForget of them in a row the mark
// drops to what they carried.
func TestCollectShortfalls(t *testing.T) {
	const window = 20 * time.Millisecond
	s := newCollector(window)
	g := batcher{high: 10, patience: 120 * time.Millisecond, lastDone: time.Now()}
	start := time.Now()
	batch, st := s.collect(noopMutation(), &g)
	if took := time.Since(start); len(batch) != 1 || !st.short || took < 115*time.Millisecond || took > time.Second {
		t.Errorf("unmet expectation: batch of %d (short %v) after %s, want 1 after about 120ms", len(batch), st.short, took)
	}
	g.committed(batch, st, time.Now())
	if g.patience != 120*time.Millisecond || g.high != 10 || g.shortfalls != 1 {
		t.Errorf("after a short batch: patience %s, high-water mark %d, shortfalls %d", g.patience, g.high, g.shortfalls)
	}
	for range shortfallsToForget - 1 {
		g.committed(batch, batchStats{short: true}, time.Now())
	}
	if g.high != 1 {
		t.Errorf("after %d short batches of 1 the high-water mark is %d, want 1", shortfallsToForget, g.high)
	}
	// A fresh committer starts with the initial patience.
	g = batcher{high: 10, lastDone: time.Now().Add(-time.Hour)}
	s.collect(noopMutation(), &g)
	if g.patience != initialPatienceWindows*window || g.high != 0 {
		t.Errorf("after idling: patience %s, high-water mark %d", g.patience, g.high)
	}
}

// TestCollectBounded: a committer idle for maxDelayWindows windows forgets its
// expectation, so a lone writer waits one window; and a batch never stays open
// much longer than maxDelayWindows windows.
func TestCollectBounded(t *testing.T) {
	const window = 5 * time.Millisecond
	limit := maxDelayWindows * window
	s := newCollector(window)

	g := batcher{high: 10, patience: time.Second, lastDone: time.Now().Add(-2 * limit)}
	start := time.Now()
	batch, _ := s.collect(noopMutation(), &g)
	if took := time.Since(start); len(batch) != 1 || took > limit/2 {
		t.Errorf("after idling: batch of %d after %s, want 1 after about one window (%s)", len(batch), took, window)
	}

	// Writers that never stop coming: the batch closes at the bound.
	var delays []time.Duration
	for d := 10 * time.Millisecond; d < 3*limit; d += 10 * time.Millisecond {
		delays = append(delays, d)
	}
	g = batcher{high: 1000, patience: time.Second, lastDone: time.Now()}
	feed(s, delays...)
	start = time.Now()
	batch, _ = s.collect(noopMutation(), &g)
	if took := time.Since(start); took > limit+time.Second || len(batch) > len(delays) {
		t.Errorf("endless writers: batch of %d after %s, want it closed at about %s", len(batch), took, limit)
	}
}

// TestCollectNoWindow: a negative window takes only what is already queued.
func TestCollectNoWindow(t *testing.T) {
	s := newCollector(-1)
	s.queue <- noopMutation()
	s.queue <- noopMutation()
	g := batcher{high: 10, patience: time.Second, lastDone: time.Now()}
	start := time.Now()
	if batch, _ := s.collect(noopMutation(), &g); len(batch) != 3 || time.Since(start) > 100*time.Millisecond {
		t.Errorf("batch of %d after %s, want the 3 queued at once", len(batch), time.Since(start))
	}
}

// TestCollectStops: closing the server ends the wait at once.
func TestCollectStops(t *testing.T) {
	s := newCollector(time.Second)
	g := batcher{high: 10, patience: time.Minute, lastDone: time.Now()}
	go func() { time.Sleep(50 * time.Millisecond); close(s.stop) }()
	start := time.Now()
	if batch, _ := s.collect(noopMutation(), &g); len(batch) != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("batch of %d after %s", len(batch), time.Since(start))
	}
}
