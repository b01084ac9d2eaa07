package adminserver

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// providerJSON is a provider as the API returns it.
type providerJSON struct {
	llmconfig.Provider
	Revision   string          `json:"revision"`
	Credential *credentialJSON `json:"credential,omitempty"`
	Generation *int64          `json:"generation,omitempty"`
}

// aliasJSON is an alias as the API returns it, with the type and model of its target.
type aliasJSON struct {
	Name         string `json:"name"`
	Provider     string `json:"provider"`
	ProviderType string `json:"provider_type"`
	Model        string `json:"model"`
	Revision     string `json:"revision"`
	Generation   *int64 `json:"generation,omitempty"`
}

type deletedJSON struct {
	Name       string `json:"name"`
	Generation int64  `json:"generation"`
}

type lastReloadJSON struct {
	Time       string  `json:"time"`
	Outcome    string  `json:"outcome"`
	DurationMS float64 `json:"duration_ms"`
	Changes    int     `json:"changes"`
	Trigger    string  `json:"trigger"`
	Error      string  `json:"error"`
}

type statusJSON struct {
	Generation    int64           `json:"generation"`
	Revision      string          `json:"revision"`
	ReloadsTotal  int64           `json:"reloads_total"`
	RequestsTotal int64           `json:"requests_total"`
	Mode          string          `json:"mode"`
	LastReload    *lastReloadJSON `json:"last_reload"`
	Draining      []drainingJSON  `json:"draining"`
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

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
	route("/healthz", map[string]http.HandlerFunc{http.MethodGet: s.handleHealthz})
	route("/v1/admin/status", map[string]http.HandlerFunc{http.MethodGet: s.handleStatus})
	route("/v1/admin/llm/config", map[string]http.HandlerFunc{http.MethodGet: s.handleConfig})
	route("/v1/admin/llm/providers", map[string]http.HandlerFunc{http.MethodGet: s.handleListProviders})
	route("/v1/admin/llm/providers/{name}", map[string]http.HandlerFunc{
		http.MethodGet: s.handleGetProvider, http.MethodPut: s.handlePutProvider, http.MethodDelete: s.handleDeleteProvider,
	})
	route("/v1/admin/llm/aliases", map[string]http.HandlerFunc{http.MethodGet: s.handleListAliases})
	route("/v1/admin/llm/aliases/{name}", map[string]http.HandlerFunc{
		http.MethodGet: s.handleGetAlias, http.MethodPut: s.handlePutAlias, http.MethodDelete: s.handleDeleteAlias,
	})
	route("/v1/admin/reload", map[string]http.HandlerFunc{http.MethodPost: s.handleReload})
	route("/v1/executions", map[string]http.HandlerFunc{http.MethodPost: s.handleStartExecution})
	route("/v1/executions/{id}", map[string]http.HandlerFunc{
		http.MethodGet: s.handleGetExecution, http.MethodDelete: s.handleFinishExecution,
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeProblemDoc(w, notFound("no such route; see docs/admin-api.md"))
	})
	return s.countRequests(s.accessLog(s.recoverPanics(s.authenticate(mux))))
}

func methodNotAllowed(allow []string) http.Handler {
	allowHeader := ""
	for i, m := range allow {
		if i > 0 {
			allowHeader += ", "
		}
		allowHeader += m
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblemDoc(w, &problem{Status: 405, Slug: "method-not-allowed", Title: "Method Not Allowed",
			Detail: fmt.Sprintf("%s is not allowed here; allowed: %s", r.Method, allowHeader), Allow: allowHeader})
	})
}

func setGeneration(w http.ResponseWriter, gen int64) {
	w.Header().Set("Aegis-Generation", strconv.FormatInt(gen, 10))
}

func (s *Server) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	snap := s.snap.Load()
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "generation": snap.generation})
}

func (s *Server) handleStatus(w http.ResponseWriter, _ *http.Request) {
	snap := s.snap.Load()
	out := statusJSON{
		Generation: snap.generation, Revision: snap.revision,
		ReloadsTotal: s.reloadsTotal.Load(), RequestsTotal: s.requestsTotal.Load(),
		Mode: s.mode(), Draining: s.draining(snap.generation),
	}
	if lr := s.lastReload.Load(); lr != nil {
		out.LastReload = &lastReloadJSON{
			Time: lr.Time.UTC().Format(timeFormat), Outcome: lr.Outcome, DurationMS: durationMS(lr.Duration),
			Changes: lr.Changes, Trigger: lr.Trigger, Error: lr.Error,
		}
	}
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) providersJSON(r *http.Request, cfg *llmconfig.LLM) []providerJSON {
	keys := make([]string, len(cfg.Providers))
	for i, p := range cfg.Providers {
		keys[i] = p.APIKey
	}
	creds := s.credentials(r.Context(), keys)
	out := make([]providerJSON, len(cfg.Providers))
	for i, p := range cfg.Providers {
		out[i] = providerJSON{Provider: p, Revision: p.Revision(), Credential: creds[p.APIKey]}
	}
	return out
}

func aliasOf(cfg *llmconfig.LLM, name, target string) aliasJSON {
	a := aliasJSON{Name: name, Provider: target, Revision: llmconfig.AliasRevision(name, target)}
	if p := cfg.Provider(target); p != nil {
		a.ProviderType, a.Model = p.Type, p.Model
	}
	return a
}

func aliasesJSON(cfg *llmconfig.LLM) []aliasJSON {
	out := []aliasJSON{}
	for _, name := range cfg.AliasNames() {
		out = append(out, aliasOf(cfg, name, cfg.Aliases[name]))
	}
	return out
}

func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	w.Header().Set("ETag", etag(snap.revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, map[string]any{
		"generation": snap.generation, "revision": snap.revision,
		"providers": s.providersJSON(r, snap.llm), "aliases": aliasesJSON(snap.llm),
	})
}

func (s *Server) handleListProviders(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	w.Header().Set("ETag", etag(snap.revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, map[string]any{
		"generation": snap.generation, "revision": snap.revision, "providers": s.providersJSON(r, snap.llm),
	})
}

func (s *Server) handleListAliases(w http.ResponseWriter, _ *http.Request) {
	snap := s.snap.Load()
	w.Header().Set("ETag", etag(snap.revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, map[string]any{
		"generation": snap.generation, "revision": snap.revision, "aliases": aliasesJSON(snap.llm),
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
	out := providerJSON{Provider: *p, Revision: p.Revision(), Credential: s.credential(r.Context(), p.APIKey)}
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
	cond, prob := parseConditions(r)
	if prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	created := false
	rep := s.submit(&commitRequest{mutate: func(c *llmconfig.LLM) (bool, error) {
		cur := c.Provider(name)
		var curRev string
		if cur != nil {
			curRev = cur.Revision()
		}
		if perr := cond.check("provider", name, cur != nil, curRev); perr != nil {
			return false, perr
		}
		switch {
		case cur == nil:
			c.Providers = append(c.Providers, p.Clone())
			created = true
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
	out := providerJSON{Provider: p, Revision: p.Revision(), Credential: s.credential(r.Context(), p.APIKey), Generation: &rep.generation}
	writeMutation(w, r, out.Revision, rep.generation, created, out)
}

func (s *Server) handleDeleteProvider(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cond, prob := parseConditions(r)
	if prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	rep := s.submit(&commitRequest{mutate: func(c *llmconfig.LLM) (bool, error) {
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
			return false, &problem{Status: 409, Slug: "provider-in-use", Title: "Provider In Use",
				Detail: fmt.Sprintf("provider %q is still the target of alias(es) %s: point them at another provider or delete them first",
					name, quoteJoin(users)),
				Aliases: users}
		}
		c.Providers = slices.Delete(c.Providers, idx, idx+1)
		return true, nil
	}})
	if rep.err != nil {
		s.writeProblem(w, r, rep.err)
		return
	}
	setGeneration(w, rep.generation)
	writeJSON(w, http.StatusOK, deletedJSON{Name: name, Generation: rep.generation})
}

func (s *Server) handleGetAlias(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	snap := s.snap.Load()
	target, ok := snap.llm.Aliases[name]
	if !ok {
		writeProblemDoc(w, notFound(fmt.Sprintf("alias %q does not exist", printable(name))))
		return
	}
	out := aliasOf(snap.llm, name, target)
	w.Header().Set("ETag", etag(out.Revision))
	setGeneration(w, snap.generation)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePutAlias(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var b aliasBody
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
	var out aliasJSON
	created := false
	rep := s.submit(&commitRequest{mutate: func(c *llmconfig.LLM) (bool, error) {
		cur, exists := c.Aliases[name]
		var curRev string
		if exists {
			curRev = llmconfig.AliasRevision(name, cur)
		}
		if perr := cond.check("alias", name, exists, curRev); perr != nil {
			return false, perr
		}
		if err := llmconfig.CheckAliasTarget(c, b.Provider); err != nil {
			return false, fieldProblem("The alias is invalid; nothing was written.",
				llmconfig.FieldError{Field: llmconfig.FieldAliasProvider, Detail: err.Error()})
		}
		out = aliasOf(c, name, b.Provider)
		if exists && cur == b.Provider {
			return false, nil
		}
		if c.Aliases == nil {
			c.Aliases = map[string]string{}
		}
		c.Aliases[name] = b.Provider
		created = !exists
		return true, nil
	}})
	if rep.err != nil {
		s.writeProblem(w, r, rep.err)
		return
	}
	out.Generation = &rep.generation
	writeMutation(w, r, out.Revision, rep.generation, created, out)
}

func (s *Server) handleDeleteAlias(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cond, prob := parseConditions(r)
	if prob != nil {
		writeProblemDoc(w, prob)
		return
	}
	rep := s.submit(&commitRequest{mutate: func(c *llmconfig.LLM) (bool, error) {
		cur, exists := c.Aliases[name]
		var curRev string
		if exists {
			curRev = llmconfig.AliasRevision(name, cur)
		}
		if perr := cond.check("alias", name, exists, curRev); perr != nil {
			return false, perr
		}
		if !exists {
			return false, notFound(fmt.Sprintf("alias %q does not exist", printable(name)))
		}
		delete(c.Aliases, name)
		return true, nil
	}})
	if rep.err != nil {
		s.writeProblem(w, r, rep.err)
		return
	}
	setGeneration(w, rep.generation)
	writeJSON(w, http.StatusOK, deletedJSON{Name: name, Generation: rep.generation})
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

func quoteJoin(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += strconv.Quote(n)
	}
	return out
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
