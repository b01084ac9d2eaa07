package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// The wire types of the admin API, declared once in internal/adminapi.
type (
	Credential = adminapi.Credential
	Provider   = adminapi.Provider
	Alias      = adminapi.Alias
	LLMConfig  = adminapi.LLMConfig
	Reload     = adminapi.Reload
	Draining   = adminapi.Draining
	Status     = adminapi.Status
	Execution  = adminapi.Execution
	Deleted    = adminapi.Deleted
	FileEdit   = adminapi.FileEdit
	// AwaitingAlias is an alias write awaiting its provider (status and snapshot).
	AwaitingAlias = adminapi.AwaitingAlias
)

func providerPath(name string) string { return adminapi.PathProviders + "/" + escapeSegment(name) }
func aliasPath(name string) string    { return adminapi.PathAliases + "/" + escapeSegment(name) }

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
	_, err := c.doJSON(ctx, request{method: http.MethodGet, path: adminapi.PathStatus}, &out)
	return &out, err
}

// GetConfig fetches the whole llm section (uncached; see Snapshot).
func (c *Client) GetConfig(ctx context.Context) (*LLMConfig, error) {
	var out LLMConfig
	_, err := c.doJSON(ctx, request{method: http.MethodGet, path: adminapi.PathConfig}, &out)
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
	_, err := c.doJSON(ctx, request{method: http.MethodPut, path: providerPath(p.Name), body: adminapi.ProviderPut{Provider: p, Name: &p.Name}, header: pre.writeHeader()}, &out)
	return &out, err
}

// DeleteProvider deletes a provider. With pre.Deferred, a provider that aliases
// still use is marked deleting instead of being refused: it stays until the last
// of them leaves, and the answer has Deleting set and lists them.
func (c *Client) DeleteProvider(ctx context.Context, name string, pre Precondition) (*Deleted, error) {
	defer c.snap.invalidate()
	var out Deleted
	h := pre.header()
	if pre.Deferred {
		h.Set("Prefer", adminapi.PreferDeferredDelete)
	}
	_, err := c.doJSON(ctx, request{method: http.MethodDelete, path: providerPath(name), header: h}, &out)
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
	return c.PutAliasWith(ctx, name, adminapi.AliasPut{Provider: provider}, pre)
}

// PutAliasWith is PutAlias with the alias's own settings (aegis/v1 nodes only).
// With pre.AwaitProvider, an alias whose provider does not exist yet is
// accepted as awaiting it: the answer has Awaiting set and only the name,
// provider, revision and AwaitingUntil.
func (c *Client) PutAliasWith(ctx context.Context, name string, body adminapi.AliasPut, pre Precondition) (*Alias, error) {
	defer c.snap.invalidate()
	var out Alias
	_, err := c.doJSON(ctx, request{method: http.MethodPut, path: aliasPath(name), body: body, header: pre.writeHeader()}, &out)
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
	body := adminapi.ExecutionStart{Model: alias}
	_, err := c.doJSON(ctx, request{method: http.MethodPost, path: adminapi.PathExecutions, body: body}, &out)
	return &out, err
}

// FinishExecution finishes an execution.
func (c *Client) FinishExecution(ctx context.Context, id string) (*Execution, error) {
	var out Execution
	_, err := c.doJSON(ctx, request{method: http.MethodDelete, path: adminapi.PathExecutions + "/" + escapeSegment(id)}, &out)
	return &out, err
}

// Reload asks the server to re-read its config file and reload.
func (c *Client) Reload(ctx context.Context) error {
	defer c.snap.invalidate()
	_, err := c.do(ctx, request{method: http.MethodPost, path: adminapi.PathReload})
	return err
}
