package adminserver

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Execution is a simulated orchestrator execution (the wire type).
type Execution = adminapi.Execution

// Execution limits: a token holder (the read-only token may start executions)
// cannot grow the table without bound, nor keep an old generation draining
// forever by never finishing what it started.
const (
	DefaultMaxExecutions = 1000
	DefaultExecutionTTL  = time.Hour
)

// expireLocked finishes the executions older than the TTL. s.execMu is held.
func (s *Server) expireLocked(now time.Time) {
	for id, e := range s.execs {
		if now.Sub(e.StartedAt) > s.cfg.ExecutionTTL {
			s.removeLocked(id, e)
			s.log.Info("execution expired", "id", id, "generation", e.Generation, "ttl", s.cfg.ExecutionTTL.String())
		}
	}
}

func (s *Server) removeLocked(id string, e *Execution) {
	delete(s.execs, id)
	if s.inflight[e.Generation]--; s.inflight[e.Generation] <= 0 {
		delete(s.inflight, e.Generation)
	}
}

// startExecution resolves an alias in the live generation and registers a running
// execution on it.
func (s *Server) startExecution(alias string) (Execution, *problem) {
	if alias == "" {
		alias = llmconfig.DefaultAlias
	}
	s.execMu.Lock()
	defer s.execMu.Unlock()
	s.expireLocked(time.Now())
	if len(s.execs) >= s.cfg.MaxExecutions {
		return Execution{}, &problem{Status: 429, Type: adminapi.ProblemTooMany, Title: "Too Many Executions",
			Detail: fmt.Sprintf("%d executions are running, the most this server allows; finish one (DELETE /v1/executions/{id}) or wait for one to expire (after %s)",
				len(s.execs), s.cfg.ExecutionTTL)}
	}
	snap := s.snap.Load()
	target, ok := snap.llm.Aliases[alias]
	if !ok {
		detail := "is not a valid alias name"
		if llmconfig.CheckName(alias) == nil {
			detail = fmt.Sprintf("names alias %q, which does not exist in generation %d", alias, snap.generation)
		}
		return Execution{}, fieldProblem("The execution cannot start: unknown model alias.",
			llmconfig.FieldError{Field: "model", Detail: detail})
	}
	p := snap.llm.Provider(target)
	if p == nil { // a validated config has no dangling alias
		return Execution{}, internalProblem("alias points to a missing provider")
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	e := &Execution{
		ID: hex.EncodeToString(id[:]), Alias: alias, Provider: p.Name, Model: p.Model,
		Generation: snap.generation, State: adminapi.ExecutionRunning, StartedAt: time.Now().UTC(),
	}
	s.execs[e.ID] = e
	s.inflight[e.Generation]++
	return *e, nil
}

func (s *Server) getExecution(id string) (Execution, bool) {
	s.execMu.Lock()
	defer s.execMu.Unlock()
	s.expireLocked(time.Now())
	e, ok := s.execs[id]
	if !ok {
		return Execution{}, false
	}
	return *e, true
}

func (s *Server) finishExecution(id string) (Execution, bool) {
	s.execMu.Lock()
	defer s.execMu.Unlock()
	e, ok := s.execs[id]
	if !ok {
		return Execution{}, false
	}
	s.removeLocked(id, e)
	out := *e
	out.State = adminapi.ExecutionFinished
	return out, true
}

// draining lists the generations older than live that still run executions.
func (s *Server) draining(live int64) []adminapi.Draining {
	s.execMu.Lock()
	defer s.execMu.Unlock()
	s.expireLocked(time.Now())
	out := []adminapi.Draining{}
	for gen, n := range s.inflight {
		if gen < live && n > 0 {
			out = append(out, adminapi.Draining{Generation: gen, InFlight: int64(n)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Generation < out[j].Generation })
	return out
}

func (s *Server) handleStartExecution(w http.ResponseWriter, r *http.Request) {
	var b adminapi.ExecutionStart
	if p := decodeJSON(http.MaxBytesReader(w, r.Body, MaxBodyBytes), &b, true); p != nil {
		writeProblemDoc(w, p)
		return
	}
	e, p := s.startExecution(b.Model)
	if p != nil {
		writeProblemDoc(w, p)
		return
	}
	s.log.Info("execution started", "id", e.ID, "alias", e.Alias, "provider", e.Provider, "generation", e.Generation)
	w.Header().Set("Location", "/v1/executions/"+e.ID)
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) handleGetExecution(w http.ResponseWriter, r *http.Request) {
	e, ok := s.getExecution(r.PathValue("id"))
	if !ok {
		writeProblemDoc(w, notFound("no running execution has this id"))
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) handleFinishExecution(w http.ResponseWriter, r *http.Request) {
	e, ok := s.finishExecution(r.PathValue("id"))
	if !ok {
		writeProblemDoc(w, notFound("no running execution has this id"))
		return
	}
	s.log.Info("execution finished", "id", e.ID, "generation", e.Generation)
	writeJSON(w, http.StatusOK, e)
}
