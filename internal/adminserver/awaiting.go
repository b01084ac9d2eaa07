package adminserver

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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
// creates its provider (the write that makes the provider exist settles it:
// a writer's commit never carries an awaiting alias that is not its own doing;
// one whose provider came otherwise — a hand edit, a restart — is written in a
// commit of its own, settleNow). One that is not written within
// Config.AwaitProviderTimeout is dropped and logged, whether its provider
// exists or not. An awaiting alias never blocks other writes: one the config
// cannot take when its provider comes fails the write that created the
// provider (422 naming it) and is dropped; one whose commit the validate
// command, the reload command or the ready check refuses is dropped with that
// commit (and named in the answer to the provider's writer).

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
	// IdemKey is the Idempotency-Key of the write that recorded it, if any:
	// when the alias goes live, that key's record takes the live alias's
	// revision (normalized against the provider, so not always the awaiting
	// one), and a retry whose 202 was lost is answered again instead of
	// refused by its own If-None-Match.
	IdemKey string `json:"idem_key,omitempty"`
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

// providerLive reports whether a provider exists in w and is not being
// deleted: an alias awaiting it can be written.
func (w *workingCopy) providerLive(name string) bool {
	if w.Provider(name) == nil {
		return false
	}
	_, deleting := w.deleting[name]
	return !deleting
}

// expireAwaiting drops the awaiting aliases whose time is up, whether their
// provider exists or not (the deadline is checked first, so a record that
// cannot go live — its provider is being deleted, say — never outlives it).
func (s *Server) expireAwaiting(w *workingCopy, now time.Time) {
	for _, name := range slices.Sorted(maps.Keys(w.awaiting)) {
		rec := w.awaiting[name]
		if now.Before(rec.Until) {
			continue
		}
		delete(w.awaiting, name)
		s.log.Warn("alias awaiting its provider dropped: it was not written in time",
			"alias", name, "provider", rec.Provider, "provider_exists", w.Provider(rec.Provider) != nil, "since", rec.Since, "until", rec.Until)
	}
}

// settledAlias is an awaiting alias that a commit writes.
type settledAlias struct {
	name string
	rec  awaitRecord
	// revision is the live alias's revision (normalized against its provider,
	// so not always the awaiting one), created whether the alias is new.
	revision string
	created  bool
	// changed: the alias was not already live exactly so.
	changed bool
}

// failedAlias is an awaiting alias that the config cannot take now that its
// provider exists.
type failedAlias struct {
	name string
	rec  awaitRecord
	err  error
}

// settleAwaiting writes into w the awaiting aliases whose provider is live in
// w and for which due says so. Each is checked on its own: one the config
// cannot take is left out of w (its record stays in w.awaiting; the caller
// decides) and returned in failed.
func (s *Server) settleAwaiting(w *workingCopy, format string, due func(awaitRecord) bool) (settled []settledAlias, failed []failedAlias) {
	if len(w.awaiting) == 0 {
		return nil, nil
	}
	for _, name := range slices.Sorted(maps.Keys(w.awaiting)) {
		rec := w.awaiting[name]
		if !w.providerLive(rec.Provider) || !due(rec) {
			continue
		}
		before := w.clone()
		out, changed, created, err := w.writeAlias(name, rec.Body, format)
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
			failed = append(failed, failedAlias{name: name, rec: rec, err: err})
			continue
		}
		delete(w.awaiting, name)
		settled = append(settled, settledAlias{name: name, rec: rec, revision: out.Revision, created: created, changed: changed})
	}
	return settled, failed
}

// awaitingFieldErrors are the field errors of failed awaiting aliases, each
// field named under its alias ("aliases.NAME.FIELD").
func awaitingFieldErrors(failed []failedAlias) []llmconfig.FieldError {
	var out []llmconfig.FieldError
	for _, f := range failed {
		var errs []llmconfig.FieldError
		var p *problem
		var ve *llmconfig.ValidationError
		var fe llmconfig.FieldError
		switch {
		case errors.As(f.err, &p) && len(p.Errors) > 0:
			errs = p.Errors
		case errors.As(f.err, &ve):
			errs = ve.Errors
		case errors.As(f.err, &fe):
			errs = []llmconfig.FieldError{fe}
		case errors.As(f.err, &p):
			errs = []llmconfig.FieldError{{Detail: p.Detail}}
		default:
			errs = []llmconfig.FieldError{{Detail: f.err.Error()}}
		}
		prefix := "aliases." + f.name
		for _, e := range errs {
			switch {
			case e.Field == "":
				e.Field = prefix
			case !strings.HasPrefix(e.Field, "aliases."):
				e.Field = prefix + "." + e.Field
			}
			out = append(out, e)
		}
	}
	return out
}

// awaitingInvalid is the answer to a write that makes a provider live while
// aliases awaiting it cannot be written with it: the write fails (nothing of
// it, nor of them, is written) and they are dropped, so that the writer hears
// of them instead of their drop being only in the log.
func awaitingInvalid(failed []failedAlias) *problem {
	var names, provs []string
	for _, f := range failed {
		names, provs = append(names, f.name), append(provs, f.rec.Provider)
	}
	return fieldProblem(fmt.Sprintf("This write makes %s exist, and %s, which awaited it (accepted earlier with \"Prefer: %s\"), "+
		"must be written in the same commit, but the config cannot take it (see errors): nothing was written, and the awaiting alias was dropped. "+
		"Fix the alias and write it again, then this write (with Terraform: fix the alias and apply again; the next plan creates it again).",
		plural("provider", "providers", provs), plural("alias", "aliases", names), adminapi.PreferAwaitProvider), awaitingFieldErrors(failed)...)
}

// plural names one or more objects: `provider "a"`, `providers "a", "b"`.
func plural(one, many string, names []string) string {
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	if len(names) == 1 {
		return fmt.Sprintf("%s %q", one, names[0])
	}
	return many + " " + llmconfig.QuoteList(names)
}

// dropsAwaiting reports whether a failed commit may have failed because of the
// awaiting aliases it wrote: the validate command refused the file, or the
// reload command or ready check failed on it. Such a commit drops them, so that
// the next commit does not fail alike; other failures (a hand edit not
// reloaded, an unwritable file) are none of theirs, and they stay.
func dropsAwaiting(err error) bool {
	var p *problem
	return errors.As(err, &p) && (p.Type == adminapi.ProblemValidation || p.Type == adminapi.ProblemReloadFailed)
}

// withDropped adds to the failed commit's answer to a writer that the awaiting
// aliases its write made go live were dropped with it.
func withDropped(err error, settled []settledAlias) error {
	var p *problem
	if len(settled) == 0 || !errors.As(err, &p) {
		return err
	}
	var names, provs []string
	for _, a := range settled {
		names, provs = append(names, a.name), append(provs, a.rec.Provider)
	}
	q := *p
	q.Detail = fmt.Sprintf("%s This write made %s exist, so the commit also wrote %s, which awaited it (accepted earlier with \"Prefer: %s\"); "+
		"that may be the cause, so the awaiting alias was dropped: nothing of it was written. Once the cause is fixed, write it again, then this write "+
		"(with Terraform: fix the cause and apply again; the next plan creates the alias again).",
		strings.TrimSpace(p.Detail), plural("provider", "providers", provs), plural("alias", "aliases", names), adminapi.PreferAwaitProvider)
	return &q
}

// awaitingDue reports whether an awaiting alias of snap is due: its time is
// up, or its provider exists and is not being deleted (after a reload of a
// hand edit, or a restart).
func awaitingDue(snap *snapshot, now time.Time) bool {
	for _, rec := range snap.awaiting {
		if !now.Before(rec.Until) {
			return true
		}
		if _, deleting := snap.deleting[rec.Provider]; !deleting && snap.llm.Provider(rec.Provider) != nil {
			return true
		}
	}
	return false
}

// settleRetry is how long the commit loop waits before it tries again to
// settle awaiting aliases after that commit failed for a reason that is none
// of theirs (say an unreloaded hand edit refuses every write), instead of
// failing and logging every tick.
const settleRetry = 30 * time.Second

// settleNow commits the awaiting aliases that are due (see awaitingDue) in a
// commit of their own, so that aliases whose provider was not created by an
// API write (a hand edit, a restart) never ride in, and never fail, a writer's
// commit. Only the commit loop calls it.
func (s *Server) settleNow() {
	now := time.Now()
	if now.Before(s.settleRetryAt) || !awaitingDue(s.snap.Load(), now) {
		return
	}
	req := &commitRequest{trigger: "await-provider", settleAll: true, reply: make(chan commitReply, 1),
		mutate: func(*workingCopy) (bool, error) { return false, nil }}
	s.commitMutations([]*commitRequest{req})
	select {
	case rep := <-req.reply:
		if rep.err != nil && !dropsAwaiting(rep.err) {
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
