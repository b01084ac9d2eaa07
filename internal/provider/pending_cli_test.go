package provider

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

const pendingProviderP = `
resource "aegis_llm_provider" "p" {
  name    = "p"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}
`

// awaitingOf returns the server's awaiting aliases as alias -> provider.
func awaitingOf(t *testing.T, s *testserver.Server) map[string]string {
	t.Helper()
	st, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, aw := range st.AwaitingAliases {
		out[aw.Alias] = aw.Provider
	}
	return out
}

// TestAccCLI_pendingRetargetCanceled: an apply retargets alias "fast" from p to
// a literal "q" and declares q, whose create fails after the alias's write was
// accepted as awaiting q (202). The server keeps that pending retarget while
// "fast" stays live on p. Reverting the configuration to p must not leave it
// hidden: the plan shows an update of "fast" with a warning naming q, the apply
// cancels the pending write, and an apply that creates q later does not move
// "fast" (a route no plan showed).
func TestAccCLI_pendingRetargetCanceled(t *testing.T) {
	s := startServer(t, testserver.Options{})
	onP := pendingProviderP + `
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = aegis_llm_provider.p.name
}
`
	r := newCLIRun(t, s, onP)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	wantServer(t, s, []string{"p"}, map[string]string{"fast": "p"})

	// (1) Retarget to a literal "q", and declare q with a key reference the
	// server's allow-list refuses, so that q's create fails at apply; q waits
	// for the alias, so the alias is written (and accepted as awaiting) first.
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+pendingProviderP+`
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = "q"
}

resource "aegis_llm_provider" "q" {
  name       = "q"
  type       = "openai"
  api_key    = "env:NOT_ALLOWED_BY_THE_SERVER"
  model      = "gpt-4.1"
  depends_on = [aegis_llm_alias.fast]
}
`)
	r.run(1, nil, "apply", "-auto-approve", "-no-color")
	if got := awaitingOf(t, s); len(got) != 1 || got["fast"] != "q" {
		t.Fatalf("the failed apply left awaiting aliases %v, want fast -> q", got)
	}
	_, aliases := serverState(t, s)
	if aliases["fast"] != "p" {
		t.Fatalf("alias fast routes to %q before q exists, want p", aliases["fast"])
	}

	// (2) Revert: the plan is not empty; it updates fast and says why.
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+onP)
	plan := oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode"))
	for _, want := range []string{"aegis_llm_alias.fast will be updated in-place", "Pending Retarget of the Alias Will Be Canceled",
		`pending write of alias "fast" to provider "q"`, `routes to provider "p"`, `as configured (provider "p"), which cancels the pending write`} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}
	if !strings.Contains(plan, "Plan: 0 to add, 1 to change, 0 to destroy") {
		t.Errorf("the plan changes more than the alias:\n%s", plan)
	}

	// (3) The apply cancels it; the drift check then passes.
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	if got := awaitingOf(t, s); len(got) != 0 {
		t.Fatalf("the apply left awaiting aliases %v", got)
	}
	wantServer(t, s, []string{"p"}, map[string]string{"fast": "p"})
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")

	// (4) An apply that creates q does not move fast.
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+onP+`
resource "aegis_llm_provider" "q" {
  name    = "q"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4.1"
}
`)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	wantServer(t, s, []string{"p", "q"}, map[string]string{"fast": "p"})
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
	r.run(0, nil, "destroy", "-auto-approve", "-no-color")
	wantServer(t, s, nil, map[string]string{})
}

// TestAccCLI_awaitingIsDrift: after an apply whose alias only awaits its
// provider (nothing creates it), a drift check is not fooled, with or without
// a refresh: the alias in state is not live as configured. A plan without a
// refresh, whose state records the awaiting write as applied, warns that the
// alias is not live yet, and applying it writes it again.
func TestAccCLI_awaitingIsDrift(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, pendingProviderP+`
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = aegis_llm_provider.p.name
}
`)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+pendingProviderP+`
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = "q"
}
`)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	if got := awaitingOf(t, s); got["fast"] != "q" {
		t.Fatalf("awaiting aliases %v, want fast -> q", got)
	}
	wantLive := func() {
		t.Helper()
		if _, aliases := serverState(t, s); aliases["fast"] != "p" {
			t.Fatalf("alias fast routes to %q, want p (q does not exist)", aliases["fast"])
		}
	}
	wantLive()
	stale := oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode", "-refresh=false"))
	for _, want := range []string{"aegis_llm_alias.fast will be updated in-place", "Alias Not Live Yet", `Alias "fast" is not live on provider "q"`, `routes to provider "p"`} {
		if !strings.Contains(stale, want) {
			t.Errorf("the plan without refresh lacks %q:\n%s", want, stale)
		}
	}
	fresh := oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode"))
	if !strings.Contains(fresh, `~ provider_name = "p" -> "q"`) {
		t.Errorf("the refreshed plan does not show the retarget that is not live:\n%s", fresh)
	}
	// Applying the plan without refresh writes the alias again (conditional
	// on the live alias, which the state does not hold): still awaiting q.
	r.run(0, nil, "apply", "-auto-approve", "-no-color", "-refresh=false")
	if got := awaitingOf(t, s); got["fast"] != "q" {
		t.Fatalf("awaiting aliases %v, want fast -> q", got)
	}
	wantLive()
	// Revert to p: the pending write is canceled.
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+pendingProviderP+`
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = aegis_llm_provider.p.name
}
`)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	wantServer(t, s, []string{"p"}, map[string]string{"fast": "p"})
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
}

// TestAccCLI_retryAfterFailedProviderCreate: an apply creates alias "fast" on a
// literal "q" and q itself, whose create fails after the alias's write was
// accepted as awaiting q. Applying again once q is fixed creates both in one
// apply, also when Terraform creates q before the alias (here forced by
// depends_on): q's commit makes the awaiting write live, and the alias's
// create then finds its own earlier write instead of failing with "already
// exists".
func TestAccCLI_retryAfterFailedProviderCreate(t *testing.T) {
	s := startServer(t, testserver.Options{})
	cfg := func(key, dependsOn string) string {
		return `
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = "q"
` + dependsOn + `}

resource "aegis_llm_provider" "q" {
  name    = "q"
  type    = "openai"
  api_key = "` + key + `"
  model   = "gpt-4.1"
}
`
	}
	// The alias first: q (refused by the server's allow-list) waits for it.
	r := newCLIRun(t, s, strings.Replace(cfg("env:NOT_ALLOWED_BY_THE_SERVER", ""),
		"  model   = \"gpt-4.1\"\n", "  model   = \"gpt-4.1\"\n  depends_on = [aegis_llm_alias.fast]\n", 1))
	r.run(1, nil, "apply", "-auto-approve", "-no-color")
	if got := awaitingOf(t, s); len(got) != 1 || got["fast"] != "q" {
		t.Fatalf("the failed apply left awaiting aliases %v, want fast -> q", got)
	}
	// The provider first, fixed.
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+cfg("env:OPENAI_API_KEY", "  depends_on    = [aegis_llm_provider.q]\n"))
	plan := oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode"))
	if !strings.Contains(plan, "aegis_llm_alias.fast will be updated in-place") || !strings.Contains(plan, "Alias Not Live Yet") ||
		!strings.Contains(plan, "aegis_llm_provider.q will be created") {
		t.Errorf("the plan does not write the alias again and create q:\n%s", plan)
	}
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	wantServer(t, s, []string{"q"}, map[string]string{"fast": "q"})
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
	r.run(0, nil, "destroy", "-auto-approve", "-no-color")
	wantServer(t, s, nil, map[string]string{})
}

// TestAccCLI_destroyCancelsAwaiting: a destroy right after an apply whose
// alias only awaits its provider cancels that write (the refresh keeps it in
// state), so creating the provider later does not bring the alias back.
func TestAccCLI_destroyCancelsAwaiting(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, `
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = "q"
}
`)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	if got := awaitingOf(t, s); len(got) != 1 || got["fast"] != "q" {
		t.Fatalf("awaiting aliases %v, want fast -> q", got)
	}
	out := oneLine(r.run(0, nil, "destroy", "-auto-approve", "-no-color"))
	if !strings.Contains(out, "aegis_llm_alias.fast will be destroyed") {
		t.Errorf("the destroy does not destroy the awaiting alias:\n%s", out)
	}
	wantServer(t, s, nil, map[string]string{})
	if _, err := s.Client().PutProvider(context.Background(), llmconfig.Provider{Name: "q", Type: "openai", APIKey: "env:OPENAI_API_KEY", Model: "gpt-4.1"}, client.Precondition{}); err != nil {
		t.Fatal(err)
	}
	wantServer(t, s, []string{"q"}, map[string]string{})
}
