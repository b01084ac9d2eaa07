package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

// TestPendingWrite: an alias plan writes the alias (and warns) when the
// orchestrator holds a write of it awaiting another provider than configured
// (whatever the rest of the plan), or awaiting the configured one while the
// state already records it as applied; not otherwise.
func TestPendingWrite(t *testing.T) {
	until := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	live := client.Alias{Name: "fast", Provider: "p", Revision: "r-live"}
	awaitQ := client.AwaitingAlias{Alias: "fast", Provider: "q", Revision: "r-q", Until: until}
	cases := []struct {
		name      string
		snap      client.LLMConfig
		alias     types.String
		target    string
		unchanged bool
		want      bool
		notLive   bool
		warn      []string
	}{
		{"no pending write", client.LLMConfig{Aliases: []client.Alias{live}}, types.StringValue("fast"), "p", true, false, false, nil},
		{"a pending write of another alias", client.LLMConfig{Aliases: []client.Alias{live}, AwaitingAliases: []client.AwaitingAlias{{Alias: "slow", Provider: "q"}}},
			types.StringValue("fast"), "p", true, false, false, nil},
		{"pending retarget elsewhere, plan unchanged", client.LLMConfig{Aliases: []client.Alias{live}, AwaitingAliases: []client.AwaitingAlias{awaitQ}},
			types.StringValue("fast"), "p", true, true, false,
			[]string{"Pending Retarget of the Alias Will Be Canceled", `alias "fast" to provider "q"`, `routes to provider "p"`, "2026-11-27T08:00:00Z", `as configured (provider "p")`, "cancels the pending write"}},
		{"pending retarget elsewhere, plan retargets", client.LLMConfig{Aliases: []client.Alias{live}, AwaitingAliases: []client.AwaitingAlias{awaitQ}},
			types.StringValue("fast"), "r", false, true, false, []string{"Will Be Canceled", `(provider "r")`}},
		{"pending write elsewhere, alias not live, plan creates", client.LLMConfig{AwaitingAliases: []client.AwaitingAlias{awaitQ}},
			types.StringValue("fast"), "p", false, true, false, []string{"Will Be Canceled"}},
		{"pending write to the target, plan retargets to it", client.LLMConfig{Aliases: []client.Alias{live}, AwaitingAliases: []client.AwaitingAlias{awaitQ}},
			types.StringValue("fast"), "q", false, false, false, nil},
		{"pending write to the target, state says applied", client.LLMConfig{Aliases: []client.Alias{live}, AwaitingAliases: []client.AwaitingAlias{awaitQ}},
			types.StringValue("fast"), "q", true, true, true, []string{"Alias Not Live Yet", `Alias "fast" is not live on provider "q"`, `routes to provider "p"`, "writes it again"}},
		{"unknown name", client.LLMConfig{AwaitingAliases: []client.AwaitingAlias{awaitQ}}, types.StringUnknown(), "p", true, false, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var diags diag.Diagnostics
			if got, notLive := pendingWrite(&diags, &c.snap, c.alias, c.target, c.unchanged); got != c.want || notLive != c.notLive {
				t.Errorf("pendingWrite = %v, %v; want %v, %v", got, notLive, c.want, c.notLive)
			}
			if len(c.warn) == 0 {
				if len(diags) != 0 {
					t.Errorf("unexpected diagnostics: %v", diags)
				}
				return
			}
			if len(diags) != 1 || diags[0].Severity() != diag.SeverityWarning {
				t.Fatalf("want one warning, got %v", diags)
			}
			text := diags[0].Summary() + ": " + diags[0].Detail()
			for _, w := range c.warn {
				if !strings.Contains(text, w) {
					t.Errorf("warning lacks %q: %s", w, text)
				}
			}
		})
	}
}

// TestUpdatePrecondition: an update is conditional on the revision in state,
// except when that revision is the one of a write still awaiting its provider
// (not refreshed since): then on the live alias the plan saw, or on none.
func TestUpdatePrecondition(t *testing.T) {
	live := client.Alias{Name: "fast", Provider: "p", Revision: "r-live"}
	awaitQ := client.AwaitingAlias{Alias: "fast", Provider: "q", Revision: "r-q"}
	cases := []struct {
		name string
		base *client.LLMConfig
		rev  string
		want client.Precondition
	}{
		{"no baseline", nil, "r-q", client.Precondition{IfMatch: "r-q"}},
		{"nothing awaiting", &client.LLMConfig{Aliases: []client.Alias{live}}, "r-live", client.Precondition{IfMatch: "r-live"}},
		{"state is the live alias", &client.LLMConfig{Aliases: []client.Alias{live}, AwaitingAliases: []client.AwaitingAlias{awaitQ}}, "r-live", client.Precondition{IfMatch: "r-live"}},
		{"state is the awaiting write, alias live", &client.LLMConfig{Aliases: []client.Alias{live}, AwaitingAliases: []client.AwaitingAlias{awaitQ}}, "r-q", client.Precondition{IfMatch: "r-live"}},
		{"state is the awaiting write, nothing live", &client.LLMConfig{AwaitingAliases: []client.AwaitingAlias{awaitQ}}, "r-q", client.Precondition{CreateOnly: true}},
	}
	for _, c := range cases {
		if got := updatePrecondition(c.base, "fast", c.rev); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
