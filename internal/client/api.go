package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Credential is the server's view of an api_key reference; never a secret value.
type Credential struct {
	Source string `json:"source"`
	Status string `json:"status"`
}

// Provider is an llm.providers entry as the admin API returns it.
type Provider struct {
	llmconfig.Provider
	Revision   string      `json:"revision,omitempty"`
	Credential *Credential `json:"credential,omitempty"`
	Generation int64       `json:"generation,omitempty"`
}

// Alias is one llm.aliases mapping, with the type and model of its target.
type Alias struct {
	Name         string `json:"name"`
	Provider     string `json:"provider"`
	ProviderType string `json:"provider_type,omitempty"`
	Model        string `json:"model,omitempty"`
	Revision     string `json:"revision,omitempty"`
	Generation   int64  `json:"generation,omitempty"`
}

// LLMConfig is one consistent snapshot of the whole llm section.
type LLMConfig struct {
	Generation int64      `json:"generation"`
	Revision   string     `json:"revision"`
	Providers  []Provider `json:"providers"`
	Aliases    []Alias    `json:"aliases"`
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

// Reload describes one reload of the orchestrator.
type Reload struct {
	Time       time.Time `json:"time"`
	Outcome    string    `json:"outcome"`
	DurationMS float64   `json:"duration_ms"`
	Changes    int64     `json:"changes"`
	Trigger    string    `json:"trigger"`
	Error      string    `json:"error,omitempty"`
}

// Draining is an older generation that still has running executions.
type Draining struct {
	Generation int64 `json:"generation"`
	InFlight   int64 `json:"in_flight"`
}

// Status is GET /v1/admin/status.
type Status struct {
	Generation    int64      `json:"generation"`
	Revision      string     `json:"revision"`
	ReloadsTotal  int64      `json:"reloads_total"`
	RequestsTotal int64      `json:"requests_total"`
	Mode          string     `json:"mode"`
	LastReload    *Reload    `json:"last_reload,omitempty"`
	Draining      []Draining `json:"draining"`
}

// Execution is an in-flight execution of the orchestrator.
type Execution struct {
	ID         string    `json:"id"`
	Alias      string    `json:"alias"`
	Provider   string    `json:"provider"`
	Model      string    `json:"model"`
	Generation int64     `json:"generation"`
	State      string    `json:"state"`
	StartedAt  time.Time `json:"started_at"`
}

// Deleted is the answer to a DELETE.
type Deleted struct {
	Name       string `json:"name"`
	Generation int64  `json:"generation"`
}

func providerPath(name string) string { return "/v1/admin/llm/providers/" + escapeSegment(name) }
func aliasPath(name string) string    { return "/v1/admin/llm/aliases/" + escapeSegment(name) }

// escapeSegment escapes name as one path segment. url.PathEscape leaves "." and ".."
// as they are, and URL.JoinPath would then clean them away, sending the request to
// another route (GetProvider(".") would GET the provider list); they are sent as %2E.
func escapeSegment(name string) string {
	if name == "." || name == ".." {
		return strings.Repeat("%2E", len(name))
	}
	return url.PathEscape(name)
}

// Status returns the orchestrator's reload status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var out Status
	_, err := c.doJSON(ctx, request{method: http.MethodGet, path: "/v1/admin/status"}, &out)
	return &out, err
}

// GetConfig fetches the whole llm section (uncached; see Snapshot).
func (c *Client) GetConfig(ctx context.Context) (*LLMConfig, error) {
	var out LLMConfig
	_, err := c.doJSON(ctx, request{method: http.MethodGet, path: "/v1/admin/llm/config"}, &out)
	return &out, err
}

// GetProvider fetches one provider (uncached).
func (c *Client) GetProvider(ctx context.Context, name string) (*Provider, error) {
	var out Provider
	_, err := c.doJSON(ctx, request{method: http.MethodGet, path: providerPath(name)}, &out)
	return &out, err
}

// PutProvider creates or updates a provider and returns it as it is now live.
func (c *Client) PutProvider(ctx context.Context, p llmconfig.Provider, pre Precondition) (*Provider, error) {
	defer c.snap.invalidate()
	var out Provider
	_, err := c.doJSON(ctx, request{method: http.MethodPut, path: providerPath(p.Name), body: p, header: pre.header()}, &out)
	return &out, err
}

// DeleteProvider deletes a provider.
func (c *Client) DeleteProvider(ctx context.Context, name string, pre Precondition) (*Deleted, error) {
	defer c.snap.invalidate()
	var out Deleted
	_, err := c.doJSON(ctx, request{method: http.MethodDelete, path: providerPath(name), header: pre.header()}, &out)
	return &out, err
}

// GetAlias fetches one alias (uncached).
func (c *Client) GetAlias(ctx context.Context, name string) (*Alias, error) {
	var out Alias
	_, err := c.doJSON(ctx, request{method: http.MethodGet, path: aliasPath(name)}, &out)
	return &out, err
}

// PutAlias points an alias at a provider and returns it as it is now live.
func (c *Client) PutAlias(ctx context.Context, name, provider string, pre Precondition) (*Alias, error) {
	defer c.snap.invalidate()
	var out Alias
	body := map[string]string{"provider": provider}
	_, err := c.doJSON(ctx, request{method: http.MethodPut, path: aliasPath(name), body: body, header: pre.header()}, &out)
	return &out, err
}

// DeleteAlias deletes an alias.
func (c *Client) DeleteAlias(ctx context.Context, name string, pre Precondition) (*Deleted, error) {
	defer c.snap.invalidate()
	var out Deleted
	_, err := c.doJSON(ctx, request{method: http.MethodDelete, path: aliasPath(name), header: pre.header()}, &out)
	return &out, err
}

// StartExecution starts an execution on a model alias ("" means "default").
func (c *Client) StartExecution(ctx context.Context, alias string) (*Execution, error) {
	var out Execution
	body := map[string]string{}
	if alias != "" {
		body["model"] = alias
	}
	_, err := c.doJSON(ctx, request{method: http.MethodPost, path: "/v1/executions", body: body}, &out)
	return &out, err
}

// FinishExecution finishes an execution.
func (c *Client) FinishExecution(ctx context.Context, id string) (*Execution, error) {
	var out Execution
	_, err := c.doJSON(ctx, request{method: http.MethodDelete, path: "/v1/executions/" + escapeSegment(id)}, &out)
	return &out, err
}

// Reload asks the server to re-read its config file and reload.
func (c *Client) Reload(ctx context.Context) error {
	defer c.snap.invalidate()
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/admin/reload"})
	return err
}
