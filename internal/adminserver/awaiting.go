package adminserver

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Aliases awaiting their provider (PUT of an alias with "Prefer: await-provider"
// whose provider does not exist yet). A configuration that names providers as
// literal strings gives Terraform no order between an alias and its provider,
// and at -parallelism=1 an alias write that waited client-side for its provider
// would hold the only slot the provider's create needs. So the server accepts
// the alias as a pending write instead: it is recorded in the admin state file
// (never in the node config file, never routed), and written in the commit that
// creates its provider. One that does not get its provider within
// Config.AwaitProviderTimeout is dropped and logged.

// DefaultAwaitProviderTimeout is aegis-admin's --await-provider-timeout default:
// far longer than one apply takes to reach a provider's create (including
// reload and ready timeouts of a slow sidecar), short enough that an alias
// whose provider never came does not appear by surprise when somebody creates a
// provider of that name much later.
const DefaultAwaitProviderTimeout = 10 * time.Minute

// awaitRecord is one alias awaiting its provider.
type awaitRecord struct {
	Provider string            `json:"provider"`
	Body     adminapi.AliasPut `json:"body"`
	Revision string            `json:"revision"`
	Since    time.Time         `json:"since"`
	Until    time.Time         `json:"until"`
}

// writeAlias applies an alias PUT whose provider exists to the working copy:
// the body's overrides replace the alias's (normalized against the provider);
// capabilities and cost that the body leaves out stay as they are. It returns
// the alias as the API shows it and whether anything changed.
func (w *workingCopy) writeAlias(name string, b adminapi.AliasPut, format string) (out adminapi.Alias, changed, created bool, err error) {
	cur, exists := w.Aliases[name]
	old := w.Options(name)
	o := llmconfig.AliasOptions{Model: b.Model, MaxTokens: b.MaxTokens, ContextWindow: b.ContextWindow, Temperature: b.Temperature,
		Capabilities: old.Capabilities, CostPer1kTokens: old.CostPer1kTokens}
	if b.Capabilities != nil {
		o.Capabilities = append([]string{}, *b.Capabilities...)
	}
	if b.CostPer1kTokens != nil {
		o.CostPer1kTokens = b.CostPer1kTokens
	}
	// An override equal to the provider's value is no override (and so is
	// accepted on every format).
	o = o.Normalize(*w.Provider(b.Provider))
	if errs := llmconfig.CheckAliasOptionsFormat(format, o); len(errs) > 0 {
		return out, false, false, fieldProblem("The alias is invalid; nothing was written.", errs...)
	}
	if exists && cur == b.Provider && sameOpts(old, o) {
		return aliasOf(w.LLM, format, name, b.Provider), false, false, nil
	}
	if _, deleting := w.deleting[b.Provider]; deleting && cur != b.Provider {
		return out, false, false, &problem{Status: 409, Type: adminapi.ProblemProviderDeleting, Title: "Provider Being Deleted",
			Detail: fmt.Sprintf("provider %q is being deleted (it waits for alias(es) %s to leave), so no alias may be pointed at it; "+
				"point the alias at another provider, or write the provider again (PUT) to cancel its deletion",
				b.Provider, llmconfig.QuoteList(w.AliasesOf(b.Provider)))}
	}
	if w.Aliases == nil {
		w.Aliases = map[string]string{}
	}
	w.Aliases[name] = b.Provider
	w.SetOptions(name, o)
	return aliasOf(w.LLM, format, name, b.Provider), true, !exists, nil
}

// awaitingRevision is the revision an awaiting alias is answered with (its
// ETag): that of the alias as the body describes it.
func awaitingRevision(name string, b adminapi.AliasPut) string {
	o := llmconfig.AliasOptions{Model: b.Model, MaxTokens: b.MaxTokens, ContextWindow: b.ContextWindow, Temperature: b.Temperature, CostPer1kTokens: b.CostPer1kTokens}
	if b.Capabilities != nil {
		o.Capabilities = append([]string{}, *b.Capabilities...)
	}
	return llmconfig.AliasRevisionOf(name, b.Provider, o)
}

// settleAwaiting drops the awaiting aliases whose time is up and writes those
// whose provider exists now (in the commit that created it). Each is checked
// on its own: one the config cannot take is dropped, and logged, without
// affecting the rest of the commit. It returns how many aliases it wrote.
func (s *Server) settleAwaiting(w *workingCopy, format string, now time.Time) int {
	n := 0
	for _, name := range slices.Sorted(maps.Keys(w.awaiting)) {
		rec := w.awaiting[name]
		if w.Provider(rec.Provider) == nil {
			if !now.Before(rec.Until) {
				delete(w.awaiting, name)
				s.log.Warn("alias awaiting its provider dropped: the provider was not created in time",
					"alias", name, "provider", rec.Provider, "since", rec.Since, "until", rec.Until)
			}
			continue
		}
		if _, deleting := w.deleting[rec.Provider]; deleting {
			continue // it waits until the deletion is canceled or done
		}
		before := w.clone()
		_, changed, _, err := w.writeAlias(name, rec.Body, format)
		if err == nil && changed {
			w.NormalizeOptions()
			if c := llmconfig.CheckPreserved(before.LLM, w.LLM); c != nil {
				err = conflictProblem(c)
			} else if verr := w.ValidateFor(format); verr != nil {
				err = verr
			}
		}
		if err != nil {
			*w = *before
			delete(w.awaiting, name)
			s.log.Error("alias awaiting its provider dropped: the config cannot take it now that the provider exists",
				"alias", name, "provider", rec.Provider, "error", err.Error())
			continue
		}
		delete(w.awaiting, name)
		s.log.Info("alias awaiting its provider written", "alias", name, "provider", rec.Provider)
		if changed {
			n++
		}
	}
	return n
}

// awaitingDue reports whether an awaiting alias of snap can be settled now:
// its provider exists (after a reload of a hand edit, or a restart) or its
// time is up.
func awaitingDue(snap *snapshot, now time.Time) bool {
	for _, rec := range snap.awaiting {
		if !now.Before(rec.Until) || snap.llm.Provider(rec.Provider) != nil {
			return true
		}
	}
	return false
}

// settleRetry is how long the commit loop waits before it tries again to
// settle awaiting aliases after that commit failed (say an unreloaded hand
// edit refuses every write), instead of failing and logging every tick.
const settleRetry = 30 * time.Second

// settleNow commits the awaiting aliases that are due (see awaitingDue). Only
// the commit loop calls it.
func (s *Server) settleNow() {
	now := time.Now()
	if now.Before(s.settleRetryAt) || !awaitingDue(s.snap.Load(), now) {
		return
	}
	req := &commitRequest{trigger: "await-provider", reply: make(chan commitReply, 1),
		mutate: func(*workingCopy) (bool, error) { return false, nil }}
	s.commitMutations([]*commitRequest{req})
	select {
	case rep := <-req.reply:
		if rep.err != nil {
			s.settleRetryAt = now.Add(settleRetry)
		}
	default: // commitMutations answers every mutation before it returns
	}
}

// awaitCheckInterval is how often the commit loop looks for awaiting aliases
// that are due.
func (s *Server) awaitCheckInterval() time.Duration {
	return min(max(s.cfg.AwaitProviderTimeout/20, 50*time.Millisecond), time.Second)
}

func awaitingAliases(snap *snapshot) []adminapi.AwaitingAlias {
	out := []adminapi.AwaitingAlias{}
	for _, name := range slices.Sorted(maps.Keys(snap.awaiting)) {
		rec := snap.awaiting[name]
		out = append(out, adminapi.AwaitingAlias{Alias: name, Provider: rec.Provider, Revision: rec.Revision,
			Since: rec.Since.UTC().Truncate(time.Millisecond), Until: rec.Until.UTC().Truncate(time.Millisecond)})
	}
	return out
}
