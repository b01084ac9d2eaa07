package adminserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// maxBatch bounds one group commit; whatever is left goes into the next one.
const maxBatch = 512

// mutateFunc applies one mutation to the working copy of the config. It checks its
// preconditions against that copy, and reports whether it changed anything. An
// error (a *problem) leaves the mutation out of the batch.
type mutateFunc func(work *workingCopy) (changed bool, err error)

// commitRequest is one unit of work for the committer: a mutation, or (mutate ==
// nil) a re-read of the file.
type commitRequest struct {
	mutate  mutateFunc
	trigger string
	reply   chan commitReply
	// at is when the request was queued.
	at time.Time
	// idem, when set, is the idempotency key of the request; the mutation fills
	// in what it produced, and the committer remembers it once it is live.
	idem *idemRecord
	// settleAll: after the mutation, write every awaiting alias whose provider
	// is live (settleNow), not only those whose provider the mutation made live.
	settleAll bool
}

type commitReply struct {
	generation int64
	changed    bool
	err        error
}

// ReloadResult is the outcome of Reload.
type ReloadResult = adminapi.ReloadResult

var errShuttingDown = &problem{Status: 503, Type: adminapi.ProblemUnavailable, Title: "Service Unavailable", Detail: "the server is shutting down; nothing was written"}

// submit queues a request for the committer and waits for its answer.
func (s *Server) submit(req *commitRequest) commitReply {
	req.reply = make(chan commitReply, 1)
	req.at = time.Now()
	select {
	case <-s.stop:
		return commitReply{err: errShuttingDown}
	default:
	}
	select {
	case s.queue <- req:
	case <-s.stop:
		return commitReply{err: errShuttingDown}
	}
	select {
	case rep := <-req.reply:
		return rep
	case <-s.done:
		select {
		case rep := <-req.reply:
			return rep
		default:
			return commitReply{err: errShuttingDown}
		}
	}
}

// Reload re-reads the config file, as POST /v1/admin/reload and SIGHUP do. When
// the llm section changed (and, in sidecar mode, the reload command succeeds) a new
// generation is published. An invalid file leaves the live config unchanged and
// returns a validation error listing the problems.
func (s *Server) Reload(trigger string) (ReloadResult, error) {
	rep := s.submit(&commitRequest{trigger: trigger})
	return ReloadResult{Generation: rep.generation, Changed: rep.changed}, rep.err
}

// Bounds of the adaptive group commit, in commit windows (see collect). The policy
// and the measurements behind these values: DESIGN.md, "Group commit".
const (
	// patienceWindows bounds the quiet gap while a batch holds fewer mutations
	// than the writers seen lately.
	patienceWindows = 200
	// minPatienceWindows is the least patience once writers are expected, and
	// initialPatienceWindows the patience before any gap was measured (the first
	// batch of a run arrives at once; the next ones spread out).
	minPatienceWindows     = 5
	initialPatienceWindows = 20
	// maxDelayWindows bounds how long a batch that holds the writers it expects
	// stays open after its first mutation; a committer idle that long forgets
	// what it learned.
	maxDelayWindows = 200
	// maxExpectWindows bounds how long a batch waits for writers it expects:
	// each may take up to the patience, so this only cuts writers that keep
	// trickling in.
	maxExpectWindows = 1000
	// shortfallsToForget is how many batches in a row may fall short of the
	// high-water mark before it is lowered to what they carried.
	shortfallsToForget = 3
)

// commitLoop is the single writer. It collects a batch (see collect) and applies
// it; whatever arrives while a batch is being applied is carried by the next one.
func (s *Server) commitLoop() {
	defer close(s.done)
	var g batcher
	tick := time.NewTicker(s.awaitCheckInterval())
	defer tick.Stop()
	for {
		var first *commitRequest
		select {
		case first = <-s.queue:
		case <-tick.C:
			s.settleNow()
			continue
		case <-s.stop:
			return
		}
		batch, st := s.collect(first, &g)
		s.runBatch(batch)
		g.committed(batch, st, time.Now())
	}
}

// batcher is what the committer learned about its writers, to size the next batch.
type batcher struct {
	// high is the high-water mark: the most mutations in flight at once since
	// the committer was last idle, i.e. how many writers keep mutations coming.
	high int
	// patience is the quiet gap used while a batch holds fewer than high, and
	// ceiling its upper bound (patienceWindows×W).
	patience, ceiling time.Duration
	// shortfalls counts consecutive batches that closed below high.
	shortfalls int
	shortMax   int
	// The last batch: when it was answered, how many mutations it carried,
	// when its last one arrived, whether it closed short.
	lastDone    time.Time
	lastCount   int
	lastArrival time.Time
	lastShort   bool
}

// batchStats describes how collect closed a batch.
type batchStats struct {
	short   bool          // closed on a quiet gap below the high-water mark
	maxGap  time.Duration // longest wait between two mutations of the batch
	arrival time.Time     // when its last mutation arrived
}

// committed records a batch that was just applied.
func (g *batcher) committed(batch []*commitRequest, st batchStats, now time.Time) {
	k := mutations(batch)
	g.lastDone, g.lastCount, g.lastArrival, g.lastShort = now, k, st.arrival, st.short
	// Enough patience for the slowest arrival seen lately, with room to spare;
	// arrival gaps are heavy-tailed, so it comes down slowly. The gaps of a
	// short batch count too; the quiet gap that closed it does not (it was no
	// arrival), so a tail does not make the next tail wait longer.
	if g.ceiling > 0 {
		g.patience = min(max(4*st.maxGap, g.patience*15/16), g.ceiling)
	}
	if !st.short {
		g.shortfalls, g.shortMax = 0, 0
		g.high = max(g.high, k)
		return
	}
	// The expected writers did not all come: they are late or gone, as at the
	// end of a run. After a few short batches in a row, expect only what came
	// (unless the next batch shows they were late: see lateArrivals).
	g.shortfalls++
	g.shortMax = max(g.shortMax, k)
	if g.shortfalls >= shortfallsToForget {
		g.high, g.shortfalls, g.shortMax = g.shortMax, 0, 0
	}
}

// lateArrivals takes what was queued before the last batch was answered: those
// writers were in flight together with the last batch, so the high-water mark is
// at least that batch plus them, and when it closed short, they were late, not
// gone: the shortfall is taken back and the patience covers the gap they took.
func (g *batcher) lateArrivals(batch []*commitRequest) {
	late := 0
	var gap time.Duration
	for _, r := range batch {
		if r.mutate == nil || r.at.After(g.lastDone) {
			continue
		}
		late++
		gap = max(gap, r.at.Sub(g.lastArrival))
	}
	if late == 0 {
		return
	}
	g.high = max(g.high, g.lastCount+late)
	if g.lastShort {
		g.lastShort = false
		g.shortfalls = max(g.shortfalls-1, 0)
		g.patience = min(max(g.patience, 4*gap), g.ceiling)
	}
}

// collect builds a batch starting with first. With a commit window W > 0 it is
// an adaptive group commit:
//
//   - debounce: after each mutation the committer waits up to W for another one,
//     and the batch closes when none came (a lone writer waits W);
//   - expectation: writers whose mutations were answered come back with their
//     next one (Terraform keeps its parallelism's worth of writes in flight, each
//     after some work of its own), so while the batch holds fewer mutations than
//     the high-water mark — the most mutations in flight at once lately: a
//     batch, plus what arrived while it was being applied — the quiet gap is the
//     patience instead: four times the longest gap between two arrivals of
//     recent batches (decaying by 1/16 per batch from initialPatienceWindows×W),
//     and at least twice the time the first writer took to come back, at least
//     minPatienceWindows×W and at most patienceWindows×W. After
//     shortfallsToForget short batches in a row the mark is lowered to what
//     they carried, unless writers arriving while one was applied show they
//     were late;
//   - a batch that holds the writers it expects closes at the latest
//     maxDelayWindows×W after its first mutation (one still receiving expected
//     writers, each within the patience, at the latest maxExpectWindows×W),
//     and a committer idle for maxDelayWindows×W starts afresh.
//
// With W <= 0 the batch is whatever is queued already.
func (s *Server) collect(first *commitRequest, g *batcher) ([]*commitRequest, batchStats) {
	batch := []*commitRequest{first}
	st := batchStats{arrival: first.at}
	window := s.cfg.CommitWindow
	if window <= 0 {
		batch = drainQueue(s.queue, batch)
		st.short = mutations(batch) < g.high
		return batch, st
	}
	start := time.Now()
	limit := maxDelayWindows * window
	if start.Sub(g.lastDone) > limit {
		*g = batcher{patience: initialPatienceWindows * window}
	}
	g.ceiling = patienceWindows * window
	// Whatever is queued already belongs to this batch.
	batch = drainQueue(s.queue, batch)
	g.lateArrivals(batch)
	patience := min(max(g.patience, minPatienceWindows*window), g.ceiling)
	if back := first.at.Sub(g.lastDone); back > 0 && g.high > 0 {
		// The others were answered with the first one; they need about as
		// long each, one after the other at worst: twice that, with room to spare.
		patience = min(max(patience, 2*back), g.ceiling)
	}
	deadline, expectDeadline := start.Add(limit), start.Add(maxExpectWindows*window)
	last := first.at
	for _, r := range batch[1:] {
		if r.mutate != nil {
			st.maxGap = max(st.maxGap, r.at.Sub(last))
			last = r.at
		}
	}
	n := mutations(batch)
	t := time.NewTimer(window)
	defer t.Stop()
wait:
	for len(batch) < maxBatch {
		gap, until := window, deadline
		if n < g.high {
			gap, until = patience, expectDeadline
		}
		left := time.Until(until)
		if left <= 0 {
			break
		}
		t.Reset(min(gap, left))
		select {
		case r := <-s.queue:
			batch = append(batch, r)
			if r.mutate != nil {
				n++
				st.maxGap = max(st.maxGap, r.at.Sub(last))
				last = r.at
			}
		case <-t.C:
			break wait
		case <-s.stop:
			break wait
		}
	}
	batch = drainQueue(s.queue, batch)
	for _, r := range batch {
		if r.mutate != nil && r.at.After(last) {
			last = r.at
		}
	}
	st.arrival = last
	st.short = mutations(batch) < g.high
	return batch, st
}

// drainQueue appends what is queued already, up to maxBatch.
func drainQueue(q chan *commitRequest, batch []*commitRequest) []*commitRequest {
	for len(batch) < maxBatch {
		select {
		case r := <-q:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func mutations(batch []*commitRequest) int {
	n := 0
	for _, r := range batch {
		if r.mutate != nil {
			n++
		}
	}
	return n
}

// runBatch applies a batch in order: consecutive mutations are committed together;
// a file reload is its own step, so that it serializes with the mutations around it.
func (s *Server) runBatch(batch []*commitRequest) {
	var muts []*commitRequest
	for _, r := range batch {
		if r.mutate != nil {
			muts = append(muts, r)
			continue
		}
		if len(muts) > 0 {
			s.commitMutations(muts)
			muts = nil
		}
		s.reloadFromFile(r)
	}
	if len(muts) > 0 {
		s.commitMutations(muts)
	}
}

func (s *Server) commitMutations(muts []*commitRequest) {
	live := s.snap.Load()
	work := &workingCopy{LLM: live.llm.Clone(), deleting: maps.Clone(live.deleting), awaiting: maps.Clone(live.awaiting)}
	if work.deleting == nil {
		work.deleting = map[string]time.Time{}
	}
	if work.awaiting == nil {
		work.awaiting = map[string]awaitRecord{}
	}
	// Deadline first: an awaiting alias whose time is up is dropped, whether
	// its provider exists or not.
	s.expireAwaiting(work, time.Now())
	var ok, later []*commitRequest
	changes := 0
	// settledBy: the awaiting aliases each mutation made go live; invalid:
	// those dropped because the config could not take them.
	settledBy := map[*commitRequest][]settledAlias{}
	var invalid []failedAlias
	apply := func(m *commitRequest, last bool) {
		before := work.clone()
		changed, err := s.safeApply(m.mutate, work)
		if err == nil && changed {
			work.NormalizeOptions()
			if c := llmconfig.CheckPreserved(before.LLM, work.LLM); c != nil {
				err = conflictProblem(c)
			} else if verr := work.ValidateForWith(live.format, s.checks); verr != nil {
				err = validationProblem("The change would make the llm section invalid; nothing was written.", verr)
			}
		}
		// Aliases awaiting a provider that this mutation made live go live
		// with it, in its commit. One the config cannot take fails the
		// mutation (its writer hears of it) and is dropped.
		var settled []settledAlias
		var failed []failedAlias
		if err == nil {
			settled, failed = s.settleAwaiting(work, live.format, func(rec awaitRecord) bool {
				return m.settleAll || !before.providerLive(rec.Provider)
			})
			if len(failed) > 0 && !m.settleAll {
				err = awaitingInvalid(failed)
			}
			for _, f := range failed {
				s.log.Error("alias awaiting its provider dropped: the config cannot take it now that the provider exists",
					"alias", f.name, "provider", f.rec.Provider, "trigger", m.trigger, "error", f.err.Error())
				delete(before.awaiting, f.name)
				delete(work.awaiting, f.name)
			}
			invalid = append(invalid, failed...)
		}
		if err != nil {
			work = before
			// An alias whose provider comes later in this batch, or a provider
			// whose aliases leave later in it, is tried again after the others.
			var p *problem
			if !last && errors.As(err, &p) && p.retryAfterBatch {
				later = append(later, m)
				return
			}
			m.reply <- commitReply{err: err}
			return
		}
		ok = append(ok, m)
		if changed {
			changes++
		}
		if len(settled) > 0 {
			settledBy[m] = settled
			for _, a := range settled {
				if a.changed {
					changes++
				}
			}
		}
	}
	for _, m := range muts {
		apply(m, false)
	}
	work.final = true
	for _, m := range later {
		apply(m, true)
	}
	changes += work.finalizeDeletions()
	if len(ok) == 0 {
		// Every mutation failed; what the batch dropped from the awaiting
		// aliases (expired, or refused when their provider came) is dropped
		// all the same.
		if !maps.Equal(work.awaiting, live.awaiting) {
			next := *live
			next.awaiting = work.awaiting
			s.snap.Store(&next)
			if err := s.saveState(live.deleting, work.awaiting); err != nil {
				s.log.Error("writing the admin state file failed; pending deletions, awaiting aliases and idempotency keys may be lost on restart",
					"path", s.statePath(), "error", err)
			}
		}
		return
	}
	stateChanged := !maps.Equal(work.deleting, live.deleting) || !maps.Equal(work.awaiting, live.awaiting) ||
		slices.ContainsFunc(ok, func(m *commitRequest) bool { return m.idem != nil })
	gen := live.generation
	if changes == 0 {
		if stateChanged {
			next := *live
			next.deleting = work.deleting
			next.awaiting = work.awaiting
			s.snap.Store(&next)
		}
	} else {
		var err error
		gen, err = s.writeAndPublish(live, work, changes)
		if err != nil {
			s.commitFailed(live, ok, settledBy, invalid, err)
			return
		}
	}
	if stateChanged {
		var recs []idemRecord
		now := time.Now()
		for _, m := range ok {
			if m.idem != nil {
				m.idem.At = now
				recs = append(recs, *m.idem)
			}
		}
		s.idem.put(recs)
		// A retry of an awaiting write whose 202 was lost is answered with the
		// live alias from now on.
		for _, m := range ok {
			for _, a := range settledBy[m] {
				if a.rec.IdemKey != "" {
					s.idem.wentLive(a.rec.IdemKey, a.name, a.rec.Revision, a.revision, a.created)
				}
				s.log.Info("alias awaiting its provider written", "alias", a.name, "provider", a.rec.Provider, "generation", gen)
			}
		}
		if err := s.saveState(work.deleting, work.awaiting); err != nil {
			s.log.Error("writing the admin state file failed; pending deletions, awaiting aliases and idempotency keys may be lost on restart",
				"path", s.statePath(), "error", err)
		}
	}
	for _, m := range ok {
		m.reply <- commitReply{generation: gen, changed: changes > 0}
	}
}

// commitFailed answers the writers of a batch whose commit failed. When the
// failure may come from awaiting aliases the batch wrote (the validate
// command, the reload command or the ready check refused the new file), those
// are dropped (logged, and named in the answer to the writer whose write made
// them go live), so that they are not written, and do not fail, again in every
// later commit. Those the batch found invalid (already answered as dropped)
// stay dropped.
func (s *Server) commitFailed(live *snapshot, ok []*commitRequest, settledBy map[*commitRequest][]settledAlias, invalid []failedAlias, err error) {
	drop := len(settledBy) > 0 && dropsAwaiting(err)
	awaiting := maps.Clone(live.awaiting)
	for _, f := range invalid {
		delete(awaiting, f.name)
	}
	if drop {
		for _, m := range ok {
			for _, a := range settledBy[m] {
				if cur, found := awaiting[a.name]; found && cur.Revision == a.rec.Revision && cur.Since.Equal(a.rec.Since) {
					delete(awaiting, a.name)
				}
				s.log.Error("alias awaiting its provider dropped: the commit that wrote it with its provider failed",
					"alias", a.name, "provider", a.rec.Provider, "error", err.Error())
			}
		}
	}
	if !maps.Equal(awaiting, live.awaiting) {
		next := *live
		next.awaiting = awaiting
		s.snap.Store(&next)
		if serr := s.saveState(live.deleting, awaiting); serr != nil {
			s.log.Error("writing the admin state file failed; pending deletions, awaiting aliases and idempotency keys may be lost on restart",
				"path", s.statePath(), "error", serr)
		}
	}
	for _, m := range ok {
		e := err
		if drop {
			e = withDropped(err, settledBy[m])
		}
		m.reply <- commitReply{generation: live.generation, err: e}
	}
}

// safeApply runs one mutation, turning a panic (a bug) into a 500 for that
// mutation alone.
func (s *Server) safeApply(f mutateFunc, work *workingCopy) (changed bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic applying a mutation", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			changed, err = false, errInternal
		}
	}()
	return f(work)
}

// writeAndPublish writes work into the file (keeping every other section and the
// comments), runs the reload command in sidecar mode and publishes the new
// generation. On failure the previous file is restored and the generation kept.
func (s *Server) writeAndPublish(live *snapshot, wc *workingCopy, changes int) (int64, error) {
	work := wc.LLM
	start := time.Now()
	path := s.cfg.ConfigPath
	fail := func(p *problem) (int64, error) {
		s.recordReload(start, outcomeFailure, changes, TriggerAPI, p.Detail)
		s.log.Error("commit failed", "changes", changes, "status", p.Status, "error", p.Detail)
		return live.generation, p
	}

	prev, err := os.ReadFile(path)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return fail(writeFailed(fmt.Sprintf("reading %s: %v", path, err)))
	}
	statePath := configfile.StatePath(path)
	prevState, err := readState(path)
	if err != nil {
		return fail(writeFailed(fmt.Sprintf("reading %s: %v", statePath, err)))
	}
	cached, err := s.parseFile(prev, prevState)
	if err != nil {
		return fail(writeFailed(fmt.Sprintf("%s can no longer be parsed (hand edit?), so it cannot be updated without losing its other sections: %v; fix the file and POST /v1/admin/reload", path, err)))
	}
	doc := cached.doc
	if doc.Format() != live.format || cached.revision != live.revision {
		// Writing now would silently undo an operator's edit that the orchestrator may
		// already run (aegis daemon reload) and that plans cannot see yet.
		return fail(fileChanged(path))
	}
	// The file must read back as exactly what is about to go live; what it reads
	// back as is what is published (a format may order providers its own way).
	var (
		data  []byte
		state []byte
		back  configfile.Document
	)
	if nx, ok := doc.(configfile.Successor); ok {
		// The format builds the new parse from the last one, parsing only the
		// entries that changed, and checks they read back as work.
		data, back, err = nx.Next(work)
		s.file = nil // Next moved the last parse into back
		if sd, ok := back.(configfile.Stateful); ok && err == nil {
			state = sd.State()
		}
		if errors.Is(err, configfile.ErrReadBack) {
			return fail(internalProblem("the rendered config does not read back as the intended llm section; nothing was written"))
		}
		if err != nil {
			return fail(internalProblem(fmt.Sprintf("rendering %s: %v", path, err)))
		}
	} else {
		if sd, ok := doc.(configfile.Stateful); ok {
			data, state, err = sd.RenderWithState(work)
		} else {
			data, err = doc.Render(work)
		}
		if err != nil {
			return fail(internalProblem(fmt.Sprintf("rendering %s: %v", path, err)))
		}
		back, err = configfile.ParseWithState(data, state)
		if err != nil || !llmconfig.SameContent(back.LLM(), work) {
			return fail(internalProblem("the rendered config does not read back as the intended llm section; nothing was written"))
		}
	}
	fileDiffers := missing || !bytes.Equal(prev, data)
	if s.cfg.ValidateCommand != "" && fileDiffers {
		if verr := s.validateCandidate(data, live.llm, work); verr != nil {
			// The command's output (redacted) goes to the writer alone, as an
			// error of field "validate_command"; last_reload gets the status.
			p := &problem{Status: 422, Type: adminapi.ProblemValidation, Title: titleValidation,
				Detail: "The daemon's validate command refused the new config file; nothing was written: " + verr.Error()}
			var ce *commandError
			if errors.As(verr, &ce) && ce.output != "" {
				p.Errors = []llmconfig.FieldError{{Field: "validate_command", Detail: ce.output}}
			}
			return fail(p)
		}
	}
	if state != nil && !bytes.Equal(state, prevState) {
		if err := configfile.WriteFileAtomic(statePath, state); err != nil {
			return fail(writeFailed(fmt.Sprintf("writing %s: %v", statePath, err)))
		}
	}
	restoreState := func() {
		if state == nil || bytes.Equal(state, prevState) {
			return
		}
		if rerr := restoreFile(statePath, prevState, prevState == nil); rerr != nil {
			s.log.Error("restoring the previous state file failed", "path", statePath, "error", rerr)
		}
	}
	if fileDiffers {
		defer s.files.writing(data)() // our own write is no hand edit
		if err := configfile.WriteFileAtomic(path, data); err != nil {
			restoreState()
			return fail(writeFailed(fmt.Sprintf("writing %s: %v", path, err)))
		}
	}
	// The daemon reads only the file: a change that lives in the server's state
	// alone (an aegis/v1 provider without aliases yet) needs no reload.
	if s.cfg.ReloadCommand != "" && fileDiffers {
		cmdErr := s.runReloadCommand(live.llm, work)
		readyFailed := false
		if cmdErr == nil {
			if cmdErr = s.waitReady(); cmdErr != nil {
				readyFailed = true
			}
		}
		if cmdErr != nil {
			if rerr := restoreFile(path, prev, missing); rerr != nil {
				s.log.Error("restoring the previous config file failed", "path", path, "error", rerr)
				cmdErr = fmt.Errorf("%w; restoring the previous file also failed: %w", cmdErr, rerr)
			}
			restoreState()
			if readyFailed {
				// The daemon runs (or tried to run) the new file: start it on the
				// previous one again.
				if again := s.runReloadCommand(live.llm, work); again != nil {
					cmdErr = fmt.Errorf("%w; the previous file was restored, and running the reload command again also failed: %w", cmdErr, again)
				} else if rdy := s.waitReady(); rdy != nil {
					cmdErr = fmt.Errorf("%w; the previous file was restored and the reload command ran again, but %w", cmdErr, rdy)
				} else {
					cmdErr = fmt.Errorf("%w; the previous file was restored and the daemon is ready on it again", cmdErr)
				}
			}
			return fail(reloadFailed(cmdErr.Error()))
		}
	}
	next := s.publish(live, back.LLM(), wc.deleting, wc.awaiting, TriggerAPI, changes, start)
	s.file = &parsedFile{data: data, state: state, doc: back, revision: next.revision}
	if fileDiffers {
		s.files.setLive(data)
	}
	return next.generation, nil
}

// parsedFile is the committer's last parse of the config file: a commit whose file
// still holds these bytes skips parsing it again.
type parsedFile struct {
	data     []byte
	state    []byte // the server's state file beside it (configfile.StatePath)
	doc      configfile.Document
	revision string
}

// parseFile parses the config file's bytes, reusing the committer's last parse
// when they did not change. Only the commit loop calls it.
func (s *Server) parseFile(data, state []byte) (*parsedFile, error) {
	if f := s.file; f != nil && bytes.Equal(f.data, data) && bytes.Equal(f.state, state) {
		return f, nil
	}
	doc, err := configfile.ParseWithState(data, state)
	if err != nil {
		return nil, err
	}
	f := &parsedFile{data: data, state: state, doc: doc, revision: doc.LLM().Revision()}
	s.file = f
	return f, nil
}

func restoreFile(path string, prev []byte, missing bool) error {
	if missing {
		return os.Remove(path)
	}
	return configfile.WriteFileAtomic(path, prev)
}

// reloadFromFile re-reads the file; see Reload.
func (s *Server) reloadFromFile(r *commitRequest) {
	start := time.Now()
	trigger := r.trigger
	if trigger == "" {
		trigger = TriggerFile
	}
	live := s.snap.Load()
	reject := func(p *problem) {
		s.recordReload(start, outcomeFailure, 0, trigger, p.Detail)
		s.log.Warn("reload rejected", "trigger", trigger, "status", p.Status, "error", p.Detail)
		r.reply <- commitReply{generation: live.generation, err: p}
	}
	path := s.cfg.ConfigPath
	data, err := os.ReadFile(path)
	var state []byte
	if err == nil {
		state, err = readState(path)
	}
	if err != nil {
		reject(&problem{Status: 422, Type: adminapi.ProblemValidation, Title: titleValidation,
			Detail: fmt.Sprintf("The config file cannot be read; the live config is unchanged: %v", err)})
		return
	}
	doc, err := configfile.ParseWithState(data, state)
	if err != nil {
		reject(&problem{Status: 422, Type: adminapi.ProblemValidation, Title: titleValidation,
			Detail: "The config file cannot be parsed; the live config is unchanged.",
			Errors: []llmconfig.FieldError{{Field: "llm", Detail: err.Error()}}})
		return
	}
	llm := doc.LLM()
	if err := llm.ValidateFor(doc.Format()); err != nil {
		reject(validationProblem("The llm section of the config file is invalid; the live config is unchanged.", err))
		return
	}
	if llm.Revision() == live.revision && doc.Format() == live.format {
		s.log.Info("reload: llm section unchanged", "trigger", trigger, "generation", live.generation)
		s.files.setLive(data) // an edit outside the llm section is now acknowledged
		r.reply <- commitReply{generation: live.generation}
		return
	}
	changes := countChanges(live.llm, llm)
	if s.cfg.ReloadCommand != "" {
		if err := s.runReloadCommand(live.llm, llm); err != nil {
			reject(reloadFailed(err.Error()))
			return
		}
		if err := s.waitReady(); err != nil {
			reject(reloadFailed(err.Error() + "; the file was edited by hand, so there is no previous version to go back to: fix it and reload again"))
			return
		}
	}
	deleting := maps.Clone(live.deleting)
	for name := range deleting {
		if llm.Provider(name) == nil {
			delete(deleting, name)
		}
	}
	// Aliases awaiting a provider that the edit added go live in the next
	// commit (settleNow, within awaitCheckInterval).
	next := s.publishFormat(live, llm, deleting, live.awaiting, doc.Format(), trigger, changes, start)
	s.files.setLive(data)
	r.reply <- commitReply{generation: next.generation, changed: true}
}

// publish makes cfg the live config as the next generation.
func (s *Server) publish(live *snapshot, cfg *llmconfig.LLM, deleting map[string]time.Time, awaiting map[string]awaitRecord, trigger string, changes int, start time.Time) *snapshot {
	return s.publishFormat(live, cfg, deleting, awaiting, live.format, trigger, changes, start)
}

// publishFormat is publish for a file whose format may have changed (a reload).
func (s *Server) publishFormat(live *snapshot, cfg *llmconfig.LLM, deleting map[string]time.Time, awaiting map[string]awaitRecord, format, trigger string, changes int, start time.Time) *snapshot {
	next := &snapshot{generation: live.generation + 1, llm: cfg, revision: cfg.Revision(), format: format, deleting: deleting, awaiting: awaiting}
	s.snap.Store(next)
	s.reloadsTotal.Add(1)
	s.recordReload(start, outcomeSuccess, changes, trigger, "")
	s.log.Info("reloaded", "generation", next.generation, "trigger", trigger, "changes", changes,
		"duration_ms", durationMS(time.Since(start)))
	return next
}

func (s *Server) recordReload(start time.Time, outcome string, changes int, trigger, errText string) {
	s.lastReload.Store(&reloadRecord{
		Time: start, Outcome: outcome, Duration: time.Since(start),
		Changes: changes, Trigger: trigger, Error: errText,
	})
}

// countChanges counts the providers and aliases that differ between two configs.
func countChanges(a, b *llmconfig.LLM) int {
	n := 0
	for _, p := range b.Providers {
		if q := a.Provider(p.Name); q == nil || !q.Equal(p) {
			n++
		}
	}
	for _, p := range a.Providers {
		if b.Provider(p.Name) == nil {
			n++
		}
	}
	for name, target := range b.Aliases {
		if old, ok := a.Aliases[name]; !ok || old != target {
			n++
		}
	}
	for name := range a.Aliases {
		if _, ok := b.Aliases[name]; !ok {
			n++
		}
	}
	return n
}

// outputTailMax bounds the part of the reload command's output that is reported.
const outputTailMax = 2048

// runReloadCommand runs the sidecar reload command. Its error carries the exit
// status only: it reaches API callers (a 424, last_reload in the status, which
// the read-only token reads), and the command's output may hold anything. The
// tail of the output goes to the log alone, redacted.
func (s *Server) runReloadCommand(cfgs ...*llmconfig.LLM) error {
	return s.runCommand("reload", s.cfg.ReloadCommand, s.cfg.ConfigPath, cfgs...)
}

// runCommand runs a sidecar command (`sh -c command`) with AEGIS_CONFIG=configPath,
// the reload command's environment and limit. A failure is a *commandError.
func (s *Server) runCommand(what, command, configPath string, cfgs ...*llmconfig.LLM) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ReloadTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Env = s.reloadEnvFor(configPath)
	var out tailBuffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 2 * time.Second
	setProcessGroup(cmd)
	start := time.Now()
	err := cmd.Run()
	if err == nil {
		s.log.Info(what+" command succeeded", "duration_ms", durationMS(time.Since(start)))
		return nil
	}
	var msg string
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		msg = fmt.Sprintf("%s command timed out after %s", what, s.cfg.ReloadTimeout)
	} else {
		msg = fmt.Sprintf("%s command failed: %v", what, err)
	}
	output := strings.TrimSpace(s.redact(out.String(), cfgs...))
	s.log.Error(what+" command failed", "error", msg, "duration_ms", durationMS(time.Since(start)), "output", output)
	return &commandError{msg: msg, output: output}
}

// commandError is a failed sidecar command: Error() is its exit status only (it
// reaches API callers and last_reload, which the read-only token reads); the
// redacted output tail is for the one answer that shows it (the validate
// command's 422 to the writer) and the log.
type commandError struct {
	msg    string
	output string
}

func (e *commandError) Error() string { return e.msg + " (its output is in the aegis-admin log)" }

// validateCandidate runs the validate command on data, written to a temporary
// file beside the config (same directory, so relative paths in it resolve
// alike), before it replaces the config.
func (s *Server) validateCandidate(data []byte, cfgs ...*llmconfig.LLM) error {
	dir, base := filepath.Split(s.cfg.ConfigPath)
	f, err := os.CreateTemp(dir, "."+base+".candidate-*")
	if err != nil {
		return fmt.Errorf("writing the candidate file for the validate command: %w", err)
	}
	name := f.Name()
	defer func() { _ = os.Remove(name) }()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		return fmt.Errorf("writing the candidate file for the validate command: %w", errors.Join(werr, cerr))
	}
	return s.runCommand("validate", s.cfg.ValidateCommand, name, cfgs...)
}

// waitReady polls the daemon's ready URL until it answers 2xx or ReadyTimeout
// passes.
func (s *Server) waitReady() error {
	if s.cfg.ReadyURL == "" {
		return nil
	}
	start := time.Now()
	deadline := start.Add(s.cfg.ReadyTimeout)
	client := &http.Client{Timeout: 2 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var last string
	for {
		resp, err := client.Get(s.cfg.ReadyURL)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				s.log.Info("daemon ready", "url", s.cfg.ReadyURL, "after_ms", durationMS(time.Since(start)))
				return nil
			}
			last = "HTTP " + strconv.Itoa(resp.StatusCode)
		} else {
			last = "no answer"
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the daemon did not answer 2xx at %s within %s after the reload command (last: %s)", s.cfg.ReadyURL, s.cfg.ReadyTimeout, last)
		}
		time.Sleep(ReadyPollInterval)
	}
}

// ReadyPollInterval is the pause between two requests to the ready URL.
const ReadyPollInterval = 200 * time.Millisecond

// reloadBaseEnv are the variables the reload command gets from the server's
// environment without being asked for: enough to find programs and run them.
var reloadBaseEnv = []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR"}

// reloadEnvFor is the whole environment of the reload and validate commands:
// reloadBaseEnv, the variables named in Config.ReloadEnv, and
// AEGIS_CONFIG=configPath (the config, or the validate command's candidate).
// Nothing else of the server's environment (API keys, the OpenBao token, the
// admin tokens) reaches them; AEGIS_ADMIN_* never does, even when named.
func (s *Server) reloadEnvFor(configPath string) []string {
	env := []string{"AEGIS_CONFIG=" + configPath}
	seen := map[string]bool{"AEGIS_CONFIG": true}
	for _, name := range append(append([]string{}, reloadBaseEnv...), s.cfg.ReloadEnv...) {
		if seen[name] || strings.HasPrefix(name, "AEGIS_ADMIN_") {
			continue
		}
		seen[name] = true
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	if os.Getenv("PATH") == "" {
		env = append(env, "PATH=/usr/local/bin:/usr/bin:/bin")
	}
	return env
}

// redact removes the tokens and the values of the env variables that credential
// references point to from text that is about to be reported.
func (s *Server) redact(text string, cfgs ...*llmconfig.LLM) string {
	secrets := []string{s.cfg.Token, s.cfg.ReadOnlyToken, s.cfg.OpenBaoToken}
	for _, c := range cfgs {
		if c == nil {
			continue
		}
		for _, p := range c.Providers {
			if llmconfig.IsLiteralKey(p.APIKey) {
				secrets = append(secrets, p.APIKey)
				continue
			}
			if ref, err := llmconfig.ParseCredentialRef(p.APIKey); err == nil && ref.Source == llmconfig.SourceEnv {
				if v, ok := s.getenv(ref.EnvVar); ok {
					secrets = append(secrets, v)
				}
			}
		}
	}
	for _, v := range secrets {
		if len(v) >= 4 {
			text = strings.ReplaceAll(text, v, "[redacted]")
		}
	}
	return text
}

// tailBuffer keeps the last outputTailMax bytes written to it.
type tailBuffer struct {
	mu        sync.Mutex
	buf       []byte
	truncated bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - outputTailMax; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.truncated = true
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if t.truncated {
		// Do not start in the middle of a UTF-8 sequence.
		for len(b) > 0 && !utf8.RuneStart(b[0]) {
			b = b[1:]
		}
		return "…" + strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
