package adminserver

import (
	"sync"
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
	return &commitRequest{mutate: func(*workingCopy) (bool, error) { return false, nil }, at: time.Now()}
}

// feed queues one mutation after each of the delays (measured from the call).
func feed(s *Server, delays ...time.Duration) {
	start := time.Now()
	go func() {
		for _, d := range delays {
			time.Sleep(time.Until(start.Add(d)))
			select {
			case s.queue <- noopMutation():
			case <-s.stop:
				return
			}
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
	if g.patience > 120*time.Millisecond || g.high != 10 || g.shortfalls != 1 {
		t.Errorf("after a short batch: patience %s (want no more than before), high-water mark %d, shortfalls %d", g.patience, g.high, g.shortfalls)
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
// expectation, so a lone writer waits one window; a batch that holds what it
// expects never stays open much longer than maxDelayWindows windows, and one
// still receiving expected writers no longer than maxExpectWindows windows.
func TestCollectBounded(t *testing.T) {
	const window = 2 * time.Millisecond
	limit := maxDelayWindows * window
	s := newCollector(window)

	g := batcher{high: 10, patience: time.Second, lastDone: time.Now().Add(-2 * limit)}
	start := time.Now()
	batch, _ := s.collect(noopMutation(), &g)
	if took := time.Since(start); len(batch) != 1 || took > limit/2 {
		t.Errorf("after idling: batch of %d after %s, want 1 after about one window (%s)", len(batch), took, window)
	}

	// Writers that never stop coming, a window apart or less: the batch closes
	// at the bound.
	endless := func(span, every time.Duration) {
		var delays []time.Duration
		for d := every; d < span; d += every {
			delays = append(delays, d)
		}
		feed(s, delays...)
	}
	endless(3*limit, window/2)
	g = batcher{high: 1, patience: time.Second, lastDone: time.Now()}
	start = time.Now()
	batch, _ = s.collect(noopMutation(), &g)
	if took := time.Since(start); took > limit+time.Second || len(batch) >= maxBatch {
		t.Errorf("endless writers: batch of %d after %s, want it closed at about %s", len(batch), took, limit)
	}
	time.Sleep(3 * limit)
	for len(s.queue) > 0 {
		<-s.queue
	}

	// The same while it expects more writers than come: closed at the longer bound.
	expectLimit := maxExpectWindows * window
	endless(expectLimit+time.Second, 5*window) // fewer than maxBatch in all
	g = batcher{high: maxBatch, patience: time.Second, lastDone: time.Now()}
	start = time.Now()
	batch, _ = s.collect(noopMutation(), &g)
	if took := time.Since(start); took < limit || took > expectLimit+time.Second {
		t.Errorf("endless expected writers: batch of %d after %s, want it closed at about %s", len(batch), took, expectLimit)
	}
	time.Sleep(time.Second)
}

// TestCollectExpectedOutlastDelay: expected writers that arrive one by one,
// each within the patience, all make the batch, even when together they take
// longer than maxDelayWindows windows (Terraform on a busy machine: each of its
// writers updates the state under one lock before its next write).
func TestCollectExpectedOutlastDelay(t *testing.T) {
	const window = 2 * time.Millisecond
	s := newCollector(window)
	// The patience is the ceiling (200 windows, 400ms): arrivals 60ms apart leave
	// 340ms for a busy machine to be late, and together they still take longer
	// than maxDelayWindows windows.
	g := batcher{high: 10, patience: 400 * time.Millisecond, lastDone: time.Now()}
	var delays []time.Duration
	for i := range 9 {
		delays = append(delays, time.Duration(i+1)*60*time.Millisecond) // 540ms in all, past 200 windows (400ms)
	}
	feed(s, delays...)
	batch, st := s.collect(noopMutation(), &g)
	if len(batch) != 10 || st.short {
		t.Errorf("batch of %d (short %v), want the 10 expected writers", len(batch), st.short)
	}
}

// TestCollectLateWriters: writers that arrive while a short batch is being
// applied were late, not gone: the shortfall is taken back, the patience grows
// to cover the gap they took, and the high-water mark stays.
func TestCollectLateWriters(t *testing.T) {
	const window = 5 * time.Millisecond
	s := newCollector(window)
	now := time.Now()
	g := batcher{high: 10, patience: 20 * time.Millisecond, shortfalls: shortfallsToForget - 1, shortMax: 6,
		lastDone: now, lastCount: 6, lastArrival: now.Add(-100 * time.Millisecond), lastShort: true, ceiling: patienceWindows * window}
	late := func() *commitRequest {
		r := noopMutation()
		r.at = now.Add(-10 * time.Millisecond) // queued before the last batch was answered
		return r
	}
	for range 3 {
		s.queue <- late()
	}
	feed(s, 10*time.Millisecond, 20*time.Millisecond, 30*time.Millisecond, 40*time.Millisecond, 50*time.Millisecond, 60*time.Millisecond)
	batch, st := s.collect(late(), &g)
	if len(batch) != 10 || st.short {
		t.Errorf("batch of %d (short %v), want the 4 late writers and the 6 answered ones", len(batch), st.short)
	}
	g.committed(batch, st, time.Now())
	if g.high != 10 || g.shortfalls != 0 || g.patience < 4*90*time.Millisecond*15/16 {
		t.Errorf("after the late writers: high-water mark %d, shortfalls %d, patience %s (want 10, 0, about 4×90ms)", g.high, g.shortfalls, g.patience)
	}
}

// TestCollectTerraformRounds drives collect as the committer does, with writers
// like Terraform's on a busy machine: ten of them, each updating a shared state
// under one lock after its write is answered and before its next write, so that
// they come back one after the other and a round takes longer than
// maxDelayWindows windows. Every batch must carry the ten (one reload per ten
// writes); a few arrivals late beyond the patience cost one batch each.
func TestCollectTerraformRounds(t *testing.T) {
	const (
		window  = 2 * time.Millisecond
		writers = 10
		rounds  = 6
		lock    = 45 * time.Millisecond // a round: 450ms, past 200 windows (400ms)
	)
	s := newCollector(window)
	var state sync.Mutex
	for range writers {
		go func() {
			for range rounds {
				r := noopMutation()
				r.reply = make(chan commitReply, 1)
				s.queue <- r
				<-r.reply
				state.Lock()
				time.Sleep(lock)
				state.Unlock()
			}
		}()
	}
	var g batcher
	var sizes []int
	for done := 0; done < writers*rounds; {
		first := <-s.queue
		batch, st := s.collect(first, &g)
		for _, r := range batch {
			r.reply <- commitReply{}
		}
		g.committed(batch, st, time.Now())
		done += len(batch)
		sizes = append(sizes, len(batch))
	}
	// Quiet, this is 6 batches; the rules before this test split such rounds into
	// about 51. A busy machine stretches the 45ms sleeps and may split a few more
	// rounds: up to twice the rounds passes, far below what the old rules did.
	if len(sizes) > 2*rounds {
		t.Errorf("%d writes in %d batches %v, want about %d batches of %d (at most %d)", writers*rounds, len(sizes), sizes, rounds, writers, 2*rounds)
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
