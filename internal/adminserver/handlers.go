package adminserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// routes builds the mux and wraps it in the middleware chain.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(path string, methods map[string]http.HandlerFunc) {
		var allow []string
		for m, h := range methods {
			mux.HandleFunc(m+" "+path, h)
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
		slices.Sort(allow)
		mux.Handle(path, methodNotAllowed(allow))
	}
	route(adminapi.PathHealthz, map[string]http.HandlerFunc{http.MethodGet: s.handleHealthz})
	route(adminapi.PathStatus, map[string]http.HandlerFunc{http.MethodGet: s.handleStatus})
	route(adminapi.PathConfig, map[string]http.HandlerFunc{http.MethodGet: s.handleConfig})
	route(adminapi.PathProviders, map[string]http.HandlerFunc{http.MethodGet: s.handleListProviders})
	route(adminapi.PathProviders+"/{name}", map[string]http.HandlerFunc{
		http.MethodGet: s.handleGetProvider, http.MethodPut: s.handlePutProvider, http.MethodDelete: s.handleDeleteProvider,
	})
	route(adminapi.PathAliases, map[string]http.HandlerFunc{http.MethodGet: s.handleListAliases})
	route(adminapi.PathAliases+"/{name}", map[string]http.HandlerFunc{
		http.MethodGet: s.handleGetAlias, http.MethodPut: s.handlePutAlias, http.MethodDelete: s.handleDeleteAlias,
	})
	route(adminapi.PathReload, map[string]http.HandlerFunc{http.MethodPost: s.handleReload})
	route(adminapi.PathExecutions, map[string]http.HandlerFunc{http.MethodPost: s.handleStartExecution})
	route(adminapi.PathExecutions+"/{id}", map[string]http.HandlerFunc{
		http.MethodGet: s.handleGetExecution, http.MethodDelete: s.handleFinishExecution,
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeProblemDoc(w, notFound("no such route; see docs/admin-api.md"))
	})
	return s.countRequests(s.accessLog(s.recoverPanics(s.authenticate(requireJSON(mux)))))
}

func methodNotAllowed(allow []string) http.Handler {
	allowHeader := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblemDoc(w, &problem{Status: 405, Type: adminapi.ProblemMethodNotAllowed, Title: "Method Not Allowed",
			Detail: fmt.Sprintf("%s is not allowed here; allowed: %s", r.Method, allowHeader), Allow: allowHeader})
	})
}

func setGeneration(w http.ResponseWriter, gen int64) {
	w.Header().Set(adminapi.HeaderGeneration, strconv.FormatInt(gen, 10))
}

func (s *Server) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	snap := s.snap.Load()
	writeJSON(w, http.StatusOK, adminapi.Health{Status: "ok", Generation: snap.generation})
}

func (s *Server) handleStatus(w http.ResponseWriter, _ *http.Request) {
	snap := s.snap.Load()
	out := adminapi.Status{
		Generation: snap.generation, Revision: snap.revision,
		ReloadsTotal: s.reloadsTotal.Load(), RequestsTotal: s.requestsTotal.Load(),
		Mode: s.mode(), Format: snap.format, Draining: s.draining(snap.generation), PendingDeletions: pendingDeletions(snap),
		AwaitingAliases: awaitingAliases(snap),
		FileEdit:        s.markFileEdit(w),
	}
	if lr := s.lastReload.Load(); lr != nil {
		out.LastReload = &adminapi.Reload{
			Time: lr.Time.UTC().Truncate(time.Millisecond), Outcome: lr.Outcome, DurationMS: durationMS(lr.Duration),
			Changes: int64(lr.Changes), Trigger: lr.Trigger, Error: lr.Error,
		}
	}
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) providersJSON(r *http.Request, snap *snapshot) []adminapi.Provider {
	cfg := snap.llm
	keys := make([]string, len(cfg.Providers))
	for i, p := range cfg.Providers {
		keys[i] = p.APIKey
	}
	creds := s.credentials(r.Context(), keys)
	out := make([]adminapi.Provider, len(cfg.Providers))
	for i, p := range cfg.Providers {
		out[i] = apiProvider(p, creds[p.APIKey])
		_, out[i].Deleting = snap.deleting[p.Name]
	}
	return out
}

// apiProvider is a provider as the API returns it. A literal api_key (one an
// operator wrote into the file) is never returned: the answer leaves api_key out
// and says credential.source "literal".
func apiProvider(p llmconfig.Provider, cred *adminapi.Credential) adminapi.Provider {
	out := adminapi.Provider{Provider: p, Revision: p.Revision(), Credential: cred}
	if llmconfig.IsLiteralKey(p.APIKey) {
		out.APIKey = ""
	}
	return out
}

// aliasOf renders an alias as the API returns it: the target's type and the
// values the alias resolves to (its overrides, else its provider's).
func aliasOf(cfg *llmconfig.LLM, format, name, target string) adminapi.Alias {
	a := adminapi.Alias{Name: name, Provider: target, Revision: llmconfig.AliasRevision(name, target), SharedWith: cfg.Shared[name]}
	p := cfg.Provider(target)
	if p == nil {
		return a
	}
	a.ProviderType, a.Model = p.Type, p.Model
	a.MaxTokens, a.ContextWindow, a.Temperature = p.MaxTokens, p.ContextWindow, p.Temperature
	if cfg.Aliases[name] != target {
		return a
	}
	o := cfg.Options(name)
	eff := o.Apply(*p)
	a.Model, a.MaxTokens, a.ContextWindow, a.Temperature = eff.Model, eff.MaxTokens, eff.ContextWindow, eff.Temperature
	a.Revision = llmconfig.AliasRevisionOf(name, target, o)
	if o.HasOverrides() {
		for _, f := range o.SetFields() {
			if f != llmconfig.FieldCapabilities && f != llmconfig.FieldCostPer1kTokens {
				a.Overrides = append(a.Overrides, f)
			}
		}
	}
	if format == llmconfig.FormatV1 {
		caps := append([]string{}, o.Capabilities...)
		a.Capabilities = &caps
		a.CostPer1kTokens = o.CostPer1kTokens
	}
	return a
}

func aliasesJSON(cfg *llmconfig.LLM, format string) []adminapi.Alias {
	out := []adminapi.Alias{}
	for _, name := range cfg.AliasNames() {
		out = append(out, aliasOf(cfg, format, name, cfg.Aliases[name]))
	}
	return out
}

func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	w.Header().Set("ETag", etag(snap.revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, adminapi.LLMConfig{
		Generation: snap.generation, Revision: snap.revision, Format: snap.format,
		Providers: s.providersJSON(r, snap), Aliases: aliasesJSON(snap.llm, snap.format),
		FileEdit: s.markFileEdit(w), AwaitingAliases: awaitingAliases(snap),
	})
}

func (s *Server) handleListProviders(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	w.Header().Set("ETag", etag(snap.revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, adminapi.ProviderList{
		Generation: snap.generation, Revision: snap.revision, Providers: s.providersJSON(r, snap),
		FileEdit: s.markFileEdit(w),
	})
}

func (s *Server) handleListAliases(w http.ResponseWriter, _ *http.Request) {
	snap := s.snap.Load()
	w.Header().Set("ETag", etag(snap.revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, adminapi.AliasList{
		Generation: snap.generation, Revision: snap.revision, Aliases: aliasesJSON(snap.llm, snap.format),
		FileEdit: s.markFileEdit(w),
	})
}

func (s *Server) handleGetProvider(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	snap := s.snap.Load()
	p := snap.llm.Provider(name)
	if p == nil {
		writeProblemDoc(w, notFound(fmt.Sprintf("provider %q does not exist", printable(name))))
		return
	}
	out := apiProvider(*p, s.credential(r.Context(), p.APIKey))
	s.markFileEdit(w)
	_, out.Deleting = snap.deleting[name]
	w.Header().Set("ETag", etag(out.Revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePutProvider(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	p, prob := decodeProvider(name, http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	if errs := s.policy.check(p); len(errs) > 0 {
		writeProblemDoc(w, fieldProblem("The provider names a credential or host the server's allow-lists refuse; nothing was written.", errs...))
		return
	}
	cond, prob := parseConditions(r)
	if prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	idem, release, done := s.idempotent(w, r, "provider", name, p.Revision()+"\x00"+cond.String())
	if done {
		return
	}
	defer release()
	created := false
	rep := s.submit(&commitRequest{idem: idem, mutate: func(c *workingCopy) (bool, error) {
		cur := c.Provider(name)
		_, deleting := c.deleting[name]
		var curRev string
		if cur != nil {
			curRev = cur.Revision()
		}
		// A provider being deleted belongs to nobody any more: a create takes it
		// over, and any write cancels the deletion.
		if perr := cond.check("provider", name, cur != nil && (!deleting || !cond.createOnly()), curRev); perr != nil {
			return false, perr
		}
		delete(c.deleting, name)
		created = cur == nil || (deleting && cond.createOnly())
		if idem != nil {
			idem.Revision, idem.Created = p.Revision(), created
		}
		switch {
		case cur == nil:
			c.Providers = append(c.Providers, p.Clone())
			return true, nil
		case cur.Equal(p):
			return false, nil
		default:
			*cur = p.Clone()
			return true, nil
		}
	}})
	if rep.err != nil {
		s.writeProblem(w, r, rep.err)
		return
	}
	out := apiProvider(p, s.credential(r.Context(), p.APIKey))
	out.Generation = rep.generation
	writeMutation(w, r, out.Revision, rep.generation, created, out)
}

func (s *Server) handleDeleteProvider(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cond, prob := parseConditions(r)
	if prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	deferred := prefers(r, adminapi.PreferDeferredDelete)
	var waiting []string
	rep := s.submit(&commitRequest{mutate: func(c *workingCopy) (bool, error) {
		waiting = nil
		idx := slices.IndexFunc(c.Providers, func(p llmconfig.Provider) bool { return p.Name == name })
		var curRev string
		if idx >= 0 {
			curRev = c.Providers[idx].Revision()
		}
		if perr := cond.check("provider", name, idx >= 0, curRev); perr != nil {
			return false, perr
		}
		if idx < 0 {
			return false, notFound(fmt.Sprintf("provider %q does not exist", printable(name)))
		}
		if users := c.AliasesOf(name); len(users) > 0 {
			if deferred {
				// Kept, and served to its aliases, until the commit in which the
				// last of them leaves (finalizeDeletions).
				if _, ok := c.deleting[name]; !ok {
					c.deleting[name] = time.Now()
				}
				waiting = users
				return false, nil
			}
			return false, &problem{Status: 409, Type: adminapi.ProblemProviderInUse, Title: "Provider In Use",
				Detail: fmt.Sprintf("provider %q is still the target of alias(es) %s: point them at another provider or delete them first, "+
					"or send the DELETE with the header \"Prefer: %s\" to have it deleted once the last of them has left",
					name, llmconfig.QuoteList(users), adminapi.PreferDeferredDelete),
				Aliases: users, retryAfterBatch: true}
		}
		c.Providers = slices.Delete(c.Providers, idx, idx+1)
		delete(c.deleting, name)
		return true, nil
	}})
	if rep.err != nil {
		s.writeProblem(w, r, rep.err)
		return
	}
	setGeneration(w, rep.generation)
	if deferred {
		w.Header().Set("Preference-Applied", adminapi.PreferDeferredDelete)
	}
	if len(waiting) > 0 {
		writeJSON(w, http.StatusAccepted, adminapi.Deleted{Name: name, Generation: rep.generation, Deleting: true, Aliases: waiting})
		return
	}
	writeJSON(w, http.StatusOK, adminapi.Deleted{Name: name, Generation: rep.generation})
}

func (s *Server) handleGetAlias(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	snap := s.snap.Load()
	target, ok := snap.llm.Aliases[name]
	if !ok {
		detail := fmt.Sprintf("alias %q does not exist", printable(name))
		if rec, ok := snap.awaiting[name]; ok {
			detail += fmt.Sprintf(" (it awaits provider %q, and is written when that provider is created, or dropped at %s; see awaiting_aliases in GET %s)",
				rec.Provider, rec.Until.UTC().Truncate(time.Second).Format(time.RFC3339), adminapi.PathStatus)
		}
		writeProblemDoc(w, notFound(detail))
		return
	}
	out := aliasOf(snap.llm, snap.format, name, target)
	s.markFileEdit(w)
	w.Header().Set("ETag", etag(out.Revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePutAlias(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var b adminapi.AliasPut
	if prob := decodeJSON(http.MaxBytesReader(w, r.Body, MaxBodyBytes), &b, false); prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	var errs []llmconfig.FieldError
	if err := llmconfig.CheckName(name); err != nil {
		errs = append(errs, llmconfig.FieldError{Field: llmconfig.FieldName, Detail: err.Error()})
	}
	if b.Provider == "" {
		errs = append(errs, llmconfig.FieldError{Field: llmconfig.FieldAliasProvider, Detail: llmconfig.CheckAliasTarget(&llmconfig.LLM{}, "").Error()})
	}
	if len(errs) > 0 {
		writeProblemDoc(w, fieldProblem("The alias is invalid; nothing was written.", errs...))
		return
	}
	cond, prob := parseConditions(r)
	if prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	content, _ := json.Marshal(b)
	idem, release, done := s.idempotent(w, r, "alias", name, string(content)+"\x00"+cond.String())
	if done {
		return
	}
	defer release()
	await := prefers(r, adminapi.PreferAwaitProvider)
	var out adminapi.Alias
	var awaited *awaitRecord
	created := false
	format := s.snap.Load().format
	rep := s.submit(&commitRequest{idem: idem, mutate: func(c *workingCopy) (bool, error) {
		awaited = nil
		cur, exists := c.Aliases[name]
		var curRev string
		if exists {
			curRev = llmconfig.AliasRevisionOf(name, cur, c.Options(name))
		}
		// Preconditions apply to the live alias: one awaiting its provider is a
		// pending write, not an alias (GET answers 404), which a PUT replaces.
		if perr := cond.check("alias", name, exists, curRev); perr != nil {
			return false, perr
		}
		if err := llmconfig.CheckAliasTarget(c.LLM, b.Provider); err != nil {
			p := fieldProblem("The alias is invalid; nothing was written.",
				llmconfig.FieldError{Field: llmconfig.FieldAliasProvider, Detail: err.Error()})
			// Its provider may come later in this batch: try again after the others.
			p.retryAfterBatch = true
			if !await || !c.final {
				return false, p
			}
			return false, c.awaitProvider(name, b, format, s.cfg.AwaitProviderTimeout, idem, &awaited)
		}
		// Any write of the alias replaces what was awaiting under its name.
		delete(c.awaiting, name)
		a, changed, isNew, err := c.writeAlias(name, b, format)
		if err != nil {
			return false, err
		}
		out, created = a, isNew
		if idem != nil {
			idem.Revision, idem.Created = out.Revision, created
		}
		return changed, nil
	}})
	if rep.err != nil {
		s.writeProblem(w, r, rep.err)
		return
	}
	if await {
		w.Header().Set("Preference-Applied", adminapi.PreferAwaitProvider)
	}
	if awaited != nil {
		writeAwaiting(w, name, awaited, rep.generation)
		return
	}
	out.Generation = rep.generation
	writeMutation(w, r, out.Revision, rep.generation, created, out)
}

// awaitProvider records an alias whose provider does not exist (yet) as
// awaiting it, replacing what was awaiting under that name. A live alias of
// that name stays as it is until the provider comes.
func (w *workingCopy) awaitProvider(name string, b adminapi.AliasPut, format string, timeout time.Duration, idem *idemRecord, rec **awaitRecord) error {
	if err := llmconfig.CheckName(b.Provider); err != nil {
		return fieldProblem("The alias is invalid; nothing was written.",
			llmconfig.FieldError{Field: llmconfig.FieldAliasProvider, Detail: "names a provider, and a provider name " + err.Error()})
	}
	// The provider's values are unknown, so overrides are checked as they are
	// (one equal to the provider's value would be no override once it exists).
	o := llmconfig.AliasOptions{Model: b.Model, MaxTokens: b.MaxTokens, ContextWindow: b.ContextWindow, Temperature: b.Temperature, CostPer1kTokens: b.CostPer1kTokens}
	if b.Capabilities != nil {
		o.Capabilities = *b.Capabilities
	}
	if errs := llmconfig.CheckAliasOptionsFormat(format, o); len(errs) > 0 {
		return fieldProblem(fmt.Sprintf("The alias is invalid; nothing was written (provider %q does not exist yet, so its settings cannot be compared with the alias's).", b.Provider), errs...)
	}
	now := time.Now()
	// Every write starts its own bound (a retry whose answer was lost is
	// answered from its idempotency key instead).
	r := awaitRecord{Provider: b.Provider, Body: b, Revision: awaitingRevision(name, b), Since: now, Until: now.Add(timeout)}
	if idem != nil {
		r.IdemKey = idem.Key
	}
	w.awaiting[name] = r
	*rec = &r
	if idem != nil {
		idem.Revision, idem.Created, idem.Awaiting = r.Revision, false, true
	}
	return nil
}

// writeAwaiting answers 202 for an alias that awaits its provider.
func writeAwaiting(w http.ResponseWriter, name string, rec *awaitRecord, generation int64) {
	until := rec.Until.UTC().Truncate(time.Millisecond)
	w.Header().Set("ETag", etag(rec.Revision))
	setGeneration(w, generation)
	writeJSON(w, http.StatusAccepted, adminapi.Alias{Name: name, Provider: rec.Provider, Revision: rec.Revision,
		Awaiting: true, AwaitingUntil: &until, Generation: generation})
}

func sameOpts(a, b llmconfig.AliasOptions) bool {
	return llmconfig.AliasRevisionOf("", "", a) == llmconfig.AliasRevisionOf("", "", b)
}

func (s *Server) handleDeleteAlias(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cond, prob := parseConditions(r)
	if prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	canceled := false
	rep := s.submit(&commitRequest{mutate: func(c *workingCopy) (bool, error) {
		canceled = false
		cur, exists := c.Aliases[name]
		var curRev string
		if exists {
			curRev = llmconfig.AliasRevisionOf(name, cur, c.Options(name))
		}
		rec, awaiting := c.awaiting[name]
		if !exists && awaiting {
			// Only an alias awaiting its provider: the DELETE cancels it; If-Match
			// compares with the revision its 202 answered.
			if perr := cond.check("alias", name, true, rec.Revision); perr != nil {
				return false, perr
			}
			delete(c.awaiting, name)
			canceled = true
			return false, nil
		}
		if perr := cond.check("alias", name, exists, curRev); perr != nil {
			return false, perr
		}
		if !exists {
			return false, notFound(fmt.Sprintf("alias %q does not exist", printable(name)))
		}
		// The live alias goes, and so does what was awaiting under its name.
		delete(c.awaiting, name)
		delete(c.Aliases, name)
		c.SetOptions(name, llmconfig.AliasOptions{})
		return true, nil
	}})
	if rep.err != nil {
		s.writeProblem(w, r, rep.err)
		return
	}
	setGeneration(w, rep.generation)
	writeJSON(w, http.StatusOK, adminapi.Deleted{Name: name, Generation: rep.generation, AwaitingCanceled: canceled})
}

func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	res, err := s.Reload(TriggerFile)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	setGeneration(w, res.Generation)
	writeJSON(w, http.StatusOK, res)
}

// printable shortens a name taken from a URL for use in a message.
func printable(name string) string {
	if len(name) > 80 {
		return name[:80] + "…"
	}
	return name
}

// writeMutation answers a successful PUT: ETag, generation, 201 with Location for
// a create, 200 otherwise.
func writeMutation(w http.ResponseWriter, r *http.Request, revision string, generation int64, created bool, body any) {
	w.Header().Set("ETag", etag(revision))
	setGeneration(w, generation)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", r.URL.Path)
	}
	writeJSON(w, status, body)
}

// idempotent handles the Idempotency-Key of a PUT. A retry of a write that is
// remembered and whose object is still what that write made it is answered
// again (done == true); otherwise it returns the record the write fills in (nil
// without a key) and a release function.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, kind, name, content string) (rec *idemRecord, release func(), done bool) {
	key, prob := parseIdempotencyKey(r)
	if prob != nil {
		writeProblemDoc(w, prob)
		return nil, nil, true
	}
	if key == "" {
		return nil, func() {}, false
	}
	fp := kind + "\x00" + name + "\x00" + content
	prev, release, err := s.idem.acquire(r.Context(), key)
	if err != nil {
		writeProblemDoc(w, errShuttingDown)
		return nil, nil, true
	}
	if prev != nil {
		if prev.Fingerprint != fp {
			release()
			writeProblemDoc(w, idempotencyReused())
			return nil, nil, true
		}
		if s.replay(w, r, prev) {
			release()
			return nil, nil, true
		}
	}
	return &idemRecord{Key: key, Fingerprint: fp, Kind: kind, Name: name}, release, false
}

// replay answers a retry with what its first attempt produced, when the object
// is still exactly that.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, rec *idemRecord) bool {
	snap := s.snap.Load()
	var rev string
	var body any
	switch rec.Kind {
	case "provider":
		p := snap.llm.Provider(rec.Name)
		if p == nil {
			return false
		}
		rev = p.Revision()
		body = adminapi.Provider{Provider: *p, Revision: rev, Credential: s.credential(r.Context(), p.APIKey), Generation: snap.generation}
	case "alias":
		target, ok := snap.llm.Aliases[rec.Name]
		if !ok {
			if a, ok := snap.awaiting[rec.Name]; ok && rec.Awaiting && a.Revision == rec.Revision {
				w.Header().Set(adminapi.HeaderIdempotentReplayed, "true")
				if prefers(r, adminapi.PreferAwaitProvider) {
					w.Header().Set("Preference-Applied", adminapi.PreferAwaitProvider)
				}
				writeAwaiting(w, rec.Name, &a, snap.generation)
				return true
			}
			return false
		}
		a := aliasOf(snap.llm, snap.format, rec.Name, target)
		a.Generation = snap.generation
		rev, body = a.Revision, a
	}
	if rev == "" || rev != rec.Revision {
		return false
	}
	w.Header().Set(adminapi.HeaderIdempotentReplayed, "true")
	writeMutation(w, r, rev, snap.generation, rec.Created, body)
	return true
}
