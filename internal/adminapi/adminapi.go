// Package adminapi holds the wire types of the AEGIS admin API (docs/admin-api.md):
// the JSON bodies of every route and the problem types of its errors. The client
// (internal/client) and the reference server (internal/adminserver) both use them,
// so that a field of the API is declared once; the client never imports the server.
//
// The configuration objects themselves (a provider's fields, field errors) are
// llmconfig types: the API carries them as they are.
package adminapi

import (
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Route paths.
const (
	PathHealthz    = "/healthz"
	PathStatus     = "/v1/admin/status"
	PathConfig     = "/v1/admin/llm/config"
	PathProviders  = "/v1/admin/llm/providers"
	PathAliases    = "/v1/admin/llm/aliases"
	PathReload     = "/v1/admin/reload"
	PathExecutions = "/v1/executions"
)

// Headers of the API besides the standard conditional ones.
const (
	// HeaderGeneration carries the generation that holds a response's data.
	HeaderGeneration = "Aegis-Generation"
	// HeaderIdempotencyKey carries one key per write attempt, the same on its
	// retries (IETF httpapi Idempotency-Key draft); HeaderIdempotentReplayed
	// marks an answer that repeats the one its first attempt got.
	HeaderIdempotencyKey     = "Idempotency-Key"
	HeaderIdempotentReplayed = "Idempotent-Replayed"
	// PreferDeferredDelete (Prefer header of a provider DELETE) accepts deleting
	// a provider that aliases still use: it is deleted once the last has left.
	PreferDeferredDelete = "deferred-delete"
	// PreferAwaitProvider (Prefer header of an alias PUT) accepts an alias
	// whose provider does not exist yet: it is recorded as awaiting that
	// provider (202) and written in the commit that creates it.
	PreferAwaitProvider = "await-provider"
)

// Credential is the server's view of an api_key reference: where it resolves and
// whether it does. It never carries a value.
type Credential struct {
	Source string `json:"source"`
	Status string `json:"status"`
}

// Credential statuses.
const (
	CredentialResolved  = "resolved"
	CredentialMissing   = "missing"
	CredentialUnchecked = "unchecked"
)

// Provider is an llm.providers entry as the API returns it. Generation is set only
// in the answer to a PUT (generations start at 1, so it is never 0 when set).
type Provider struct {
	llmconfig.Provider
	Revision string `json:"revision"`
	// Deleting is set while the provider's deletion waits for its last alias
	// to leave (a DELETE with Prefer: deferred-delete).
	Deleting   bool        `json:"deleting,omitempty"`
	Credential *Credential `json:"credential,omitempty"`
	Generation int64       `json:"generation,omitempty"`
}

// ProviderPut is the body of PUT /v1/admin/llm/providers/{name}: the provider's
// fields. Name may be omitted; when given it must equal the name in the path (this
// field shadows llmconfig.Provider's Name for encoding/json).
type ProviderPut struct {
	llmconfig.Provider
	Name *string `json:"name,omitempty"`
}

// Alias is one llm.aliases mapping, with the type and model of its target.
// Generation is set only in the answer to a PUT.
type Alias struct {
	Name         string `json:"name"`
	Provider     string `json:"provider"`
	ProviderType string `json:"provider_type"`
	Model        string `json:"model"`
	// MaxTokens, ContextWindow and Temperature are the alias's: its override or
	// its provider's value.
	MaxTokens     *int64   `json:"max_tokens,omitempty"`
	ContextWindow *int64   `json:"context_window,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty"`
	// Capabilities and CostPer1kTokens are the models[] entry's (aegis/v1 only;
	// Capabilities is absent on other formats and [] when the entry has none).
	Capabilities    *[]string `json:"capabilities,omitempty"`
	CostPer1kTokens *float64  `json:"cost_per_1k_tokens,omitempty"`
	// Overrides names the fields the alias sets itself instead of inheriting them
	// from its provider (model, max_tokens, context_window, temperature).
	Overrides []string `json:"overrides,omitempty"`
	Revision  string   `json:"revision"`
	// SharedWith lists every provider an aegis/v1 node config defines the alias
	// under, when there are several; such an alias is read-only (409 alias-shared).
	SharedWith []string `json:"shared_with,omitempty"`
	Generation int64    `json:"generation,omitempty"`
	// Awaiting is set only in the 202 answer to a PUT with
	// "Prefer: await-provider" whose provider does not exist yet: the alias is
	// not live (not routed, not listed) until that provider is created, and is
	// dropped at AwaitingUntil if it is not.
	Awaiting      bool       `json:"awaiting,omitempty"`
	AwaitingUntil *time.Time `json:"awaiting_until,omitempty"`
}

// AliasPut is the body of PUT /v1/admin/llm/aliases/{name}.
//
// The optional fields are the alias's own settings, which only an aegis/v1 node
// config can hold (a 422 elsewhere): Model, MaxTokens, ContextWindow and
// Temperature override the provider's (absent: inherited); Capabilities and
// CostPer1kTokens set the models[] entry's (absent: kept as they are).
type AliasPut struct {
	Provider        string    `json:"provider"`
	Model           string    `json:"model,omitempty"`
	MaxTokens       *int64    `json:"max_tokens,omitempty"`
	ContextWindow   *int64    `json:"context_window,omitempty"`
	Temperature     *float64  `json:"temperature,omitempty"`
	Capabilities    *[]string `json:"capabilities,omitempty"`
	CostPer1kTokens *float64  `json:"cost_per_1k_tokens,omitempty"`
}

// LLMConfig is GET /v1/admin/llm/config: one consistent snapshot of the whole llm
// section.
type LLMConfig struct {
	Generation int64  `json:"generation"`
	Revision   string `json:"revision"`
	// Format is the node config file's format (llmconfig.FormatSeed,
	// llmconfig.FormatV1); empty from a server that predates it.
	Format    string     `json:"format,omitempty"`
	Providers []Provider `json:"providers"`
	Aliases   []Alias    `json:"aliases"`
	// FileEdit is set while the file on disk differs from the live generation.
	FileEdit *FileEdit `json:"file_edit,omitempty"`
	// AwaitingAliases lists the alias writes awaiting their provider (as in
	// the status): pending writes that no alias list shows, including a
	// pending retarget of a live alias, which takes effect if its provider is
	// created before Until. Absent from a server that predates it.
	AwaitingAliases []AwaitingAlias `json:"awaiting_aliases,omitempty"`
}

// Provider returns the named provider of the snapshot, or nil.
func (c *LLMConfig) Provider(name string) *Provider {
	for i := range c.Providers {
		if c.Providers[i].Name == name {
			return &c.Providers[i]
		}
	}
	return nil
}

// Alias returns the named alias of the snapshot, or nil.
func (c *LLMConfig) Alias(name string) *Alias {
	for i := range c.Aliases {
		if c.Aliases[i].Name == name {
			return &c.Aliases[i]
		}
	}
	return nil
}

// AwaitingAlias returns the write awaiting its provider under the alias name
// of the snapshot, or nil.
func (c *LLMConfig) AwaitingAlias(name string) *AwaitingAlias {
	for i := range c.AwaitingAliases {
		if c.AwaitingAliases[i].Alias == name {
			return &c.AwaitingAliases[i]
		}
	}
	return nil
}

// ProviderList is GET /v1/admin/llm/providers (file order).
type ProviderList struct {
	Generation int64      `json:"generation"`
	Revision   string     `json:"revision"`
	Providers  []Provider `json:"providers"`
	FileEdit   *FileEdit  `json:"file_edit,omitempty"`
}

// AliasList is GET /v1/admin/llm/aliases (sorted by name).
type AliasList struct {
	Generation int64     `json:"generation"`
	Revision   string    `json:"revision"`
	Aliases    []Alias   `json:"aliases"`
	FileEdit   *FileEdit `json:"file_edit,omitempty"`
}

// Deleted is the answer to a DELETE of a provider or an alias.
type Deleted struct {
	Name       string `json:"name"`
	Generation int64  `json:"generation"`
	// Deleting and Aliases answer (202) a deferred delete of a provider that
	// aliases still use: it is deleted in the commit in which the last leaves.
	Deleting bool     `json:"deleting,omitempty"`
	Aliases  []string `json:"aliases,omitempty"`
	// AwaitingCanceled says that the DELETE of an alias canceled an alias
	// that was awaiting its provider (and that no live alias had that name).
	AwaitingCanceled bool `json:"awaiting_canceled,omitempty"`
}

// FileEdit says that the config file on disk differs from the file the live
// generation came from: somebody edited it and did not reload. It is present in
// every read of the configuration and in the status while that is so. Error never
// echoes a value of the file.
type FileEdit struct {
	// Path is the config file.
	Path string `json:"path"`
	// SHA256 is the hash of the file on disk; LiveSHA256 that of the file the live
	// generation came from (restore that content to discard the edit).
	SHA256     string `json:"sha256"`
	LiveSHA256 string `json:"live_sha256"`
	// NoticedAt is when the server first saw this content.
	NoticedAt time.Time `json:"noticed_at"`
	// Valid says whether a reload would accept the file; Error says why not.
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`
	// LLMChanged says whether the edit changes the llm section (a reload would
	// publish a new generation) or only other parts of the file.
	LLMChanged bool `json:"llm_changed"`
}

// HeaderFileEdit is set on every read of the configuration while the file on disk
// differs from the live generation: "sha256=HEX; valid=true|false".
const HeaderFileEdit = "Aegis-File-Edit"

// Health is GET /healthz.
type Health struct {
	Status     string `json:"status"`
	Generation int64  `json:"generation"`
}

// Reload describes one reload of the orchestrator.
type Reload struct {
	Time       time.Time `json:"time"`
	Outcome    string    `json:"outcome"`
	DurationMS float64   `json:"duration_ms"`
	Changes    int64     `json:"changes"`
	Trigger    string    `json:"trigger"`
	Error      string    `json:"error"`
}

// Draining is an older generation that still has running executions.
type Draining struct {
	Generation int64 `json:"generation"`
	InFlight   int64 `json:"in_flight"`
}

// Status is GET /v1/admin/status. LastReload is null before the first reload.
type Status struct {
	Generation    int64      `json:"generation"`
	Revision      string     `json:"revision"`
	ReloadsTotal  int64      `json:"reloads_total"`
	RequestsTotal int64      `json:"requests_total"`
	Mode          string     `json:"mode"`
	Format        string     `json:"format,omitempty"`
	LastReload    *Reload    `json:"last_reload"`
	Draining      []Draining `json:"draining"`
	FileEdit      *FileEdit  `json:"file_edit,omitempty"`
	// PendingDeletions lists the providers whose deletion waits for aliases.
	PendingDeletions []PendingDeletion `json:"pending_deletions"`
	// AwaitingAliases lists the aliases written with "Prefer: await-provider"
	// whose provider does not exist yet.
	AwaitingAliases []AwaitingAlias `json:"awaiting_aliases"`
}

// AwaitingAlias is an alias accepted before its provider existed: it becomes
// live in the commit that creates Provider, or is dropped at Until.
type AwaitingAlias struct {
	Alias    string    `json:"alias"`
	Provider string    `json:"provider"`
	Revision string    `json:"revision"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
}

// PendingDeletion is a provider whose deletion waits for the aliases that still
// route to it.
type PendingDeletion struct {
	Provider string    `json:"provider"`
	Since    time.Time `json:"since"`
	Aliases  []string  `json:"aliases"`
}

// ReloadResult is the answer to POST /v1/admin/reload.
type ReloadResult struct {
	Generation int64 `json:"generation"`
	Changed    bool  `json:"changed"`
}

// Execution states.
const (
	ExecutionRunning  = "running"
	ExecutionFinished = "finished"
)

// Execution is an execution of the orchestrator: it keeps the provider, model and
// generation it started with until it finishes, whatever reloads happen.
type Execution struct {
	ID         string    `json:"id"`
	Alias      string    `json:"alias"`
	Provider   string    `json:"provider"`
	Model      string    `json:"model"`
	Generation int64     `json:"generation"`
	State      string    `json:"state"`
	StartedAt  time.Time `json:"started_at"`
}

// ExecutionStart is the body of POST /v1/executions; an empty Model means the
// "default" alias.
type ExecutionStart struct {
	Model string `json:"model,omitempty"`
}
