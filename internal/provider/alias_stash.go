package provider

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// An alias that inherits its provider's model is re-routed when a run changes that
// provider's model. Its plan shows the new model only if Terraform's re-plan of
// the alias during apply computes the same value, in another provider process
// whose plan registry holds only the plans made so far in that walk, in whatever
// order Terraform chooses when provider_name is a literal string.
//
// So the plan walk fixes the value where both plans can see it: the alias's
// private state. Terraform refreshes and plans an alias that references its
// provider after that provider's plan, so the alias's Read finds the provider's
// planned change in the registry and records it under plannedTargetKey. Terraform
// saves the refreshed state, private data included, in the plan, and the apply
// walk re-plans every resource from it (PriorPrivate), plan file or not. ModifyPlan
// uses the record when it is still current (usable), and the record never
// outlives the apply that used it.
const plannedTargetKey = "planned_target"

// plannedTarget is the private-state record of an alias's target provider as this
// run plans it.
type plannedTarget struct {
	// Provider is the alias's target when the record was made.
	Provider string `json:"provider"`
	// From is the target's revision in the baseline that the plan saw, To its
	// planned revision: the record is current only while the target is at one of
	// the two (at To when the target was applied before the alias's re-plan).
	From string `json:"from"`
	To   string `json:"to"`
	// Model and Type are the target's planned model and type.
	Model string `json:"model"`
	Type  string `json:"type"`
}

// plannedTargetOf returns the record Read stores for alias a: the planned change of
// its target, when this walk planned one that changes the model or type the alias
// inherits. It returns nil otherwise, also for an alias that sets its own model.
func plannedTargetOf(a *client.Alias, reg *planRegistry, base *client.LLMConfig) *plannedTarget {
	planned, ok := reg.provider(a.Provider)
	if !ok || !planned.Changes || planned.Revision == "" || slices.Contains(a.Overrides, llmconfig.FieldModel) {
		return nil
	}
	p := base.Provider(a.Provider)
	if p == nil || p.Deleting || (p.Model == planned.Model && p.Type == planned.Type) {
		return nil
	}
	return &plannedTarget{Provider: a.Provider, From: p.Revision, To: planned.Revision, Model: planned.Model, Type: planned.Type}
}

// usable reports whether the record may give the model of an alias planned to
// route to target, which exists in the baseline as p. A record from an older run
// (kept in state because no refresh replaced it, as with -refresh=false) does not
// match the target's revision, or disagrees with what this walk plans for it.
func (s *plannedTarget) usable(target string, p *client.Provider, planned plannedProvider, isPlanned bool) bool {
	if s == nil || p == nil || s.Provider != target || s.Model == "" {
		return false
	}
	if p.Revision != s.From && p.Revision != s.To {
		return false
	}
	return !isPlanned || (planned.Model == s.Model && planned.Type == s.Type)
}

// privateData is the part of the framework's private state that the stash uses.
type privateData interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// getPlannedTarget reads the record; absent or unreadable, it is nil.
func getPlannedTarget(ctx context.Context, priv privateData) *plannedTarget {
	b, _ := priv.GetKey(ctx, plannedTargetKey)
	if len(b) == 0 {
		return nil
	}
	var s plannedTarget
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	return &s
}

// setPlannedTarget stores s, or removes the record when s is nil (without
// touching private state that holds none: Read runs for every alias).
func setPlannedTarget(ctx context.Context, priv privateData, s *plannedTarget) diag.Diagnostics {
	if s == nil {
		if b, _ := priv.GetKey(ctx, plannedTargetKey); len(b) == 0 {
			return nil
		}
		return priv.SetKey(ctx, plannedTargetKey, nil)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return diag.Diagnostics{diag.NewErrorDiagnostic("Error Recording the Alias's Planned Target", err.Error())}
	}
	return priv.SetKey(ctx, plannedTargetKey, b)
}
