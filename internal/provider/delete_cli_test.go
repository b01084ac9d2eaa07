package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

const testAccConditionalDelete = `
resource "aegis_llm_provider" "p" {
  name    = "p"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}

resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = aegis_llm_provider.p.name
}
`

// TestAccConditionalDelete: a delete sends the revision in state (If-Match), so an
// object changed on the orchestrator after it was last read is not deleted; a
// destroy that refreshes first sees the change and deletes it. -refresh=false
// makes the window between read and delete as wide as it can be.
func TestAccConditionalDelete(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, testAccConditionalDelete)
	ctx := context.Background()
	api := s.Client()
	r.run(0, nil, "apply", "-auto-approve", "-no-color")

	// The alias is retargeted outside Terraform: its delete is refused, and the
	// provider it depends on is not deleted either.
	other := llmconfig.Provider{Name: "other", Type: llmconfig.TypeOllama, BaseURL: "http://localhost:11434", Model: "llama3"}
	if _, err := api.PutProvider(ctx, other, client.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PutAlias(ctx, "fast", "other", client.Precondition{}); err != nil {
		t.Fatal(err)
	}
	out := r.run(1, nil, "destroy", "-auto-approve", "-no-color", "-refresh=false")
	if !strings.Contains(out, "LLM Alias Changed Outside This Run") || !strings.Contains(out, "was not deleted") {
		t.Fatalf("destroy over a retargeted alias:\n%s", out)
	}
	if a, err := api.GetAlias(ctx, "fast"); err != nil || a.Provider != "other" {
		t.Fatalf("the retargeted alias = %+v, %v; want it kept, pointing at other", a, err)
	}

	// The alias is back as in state, the provider's model changed: the alias is
	// deleted, the provider is not.
	if _, err := api.PutAlias(ctx, "fast", "p", client.Precondition{}); err != nil {
		t.Fatal(err)
	}
	p, err := api.GetProvider(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	changed := p.Provider
	changed.Model = "gpt-4o-mini"
	if _, err := api.PutProvider(ctx, changed, client.Precondition{}); err != nil {
		t.Fatal(err)
	}
	out = r.run(1, nil, "destroy", "-auto-approve", "-no-color", "-refresh=false")
	if !strings.Contains(out, "LLM Provider Changed Outside This Run") {
		t.Fatalf("destroy over a changed provider:\n%s", out)
	}
	if _, err := api.GetAlias(ctx, "fast"); !client.IsNotFound(err) {
		t.Fatalf("alias fast after destroy: %v; want it deleted", err)
	}
	if p, err := api.GetProvider(ctx, "p"); err != nil || p.Model != "gpt-4o-mini" {
		t.Fatalf("the changed provider = %+v, %v; want it kept with its new model", p, err)
	}

	// A destroy that refreshes sees the change and deletes it.
	r.run(0, nil, "destroy", "-auto-approve", "-no-color")
	if _, err := api.GetProvider(ctx, "p"); !client.IsNotFound(err) {
		t.Fatalf("provider p after a refreshed destroy: %v; want it deleted", err)
	}
}
