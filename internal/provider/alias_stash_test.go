package provider

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// fakePrivate is private state as the framework keeps it: keys to JSON values;
// an empty value removes the key. sets counts the writes.
type fakePrivate struct {
	data map[string][]byte
	sets int
}

func (f *fakePrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return f.data[key], nil
}

func (f *fakePrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	f.sets++
	if f.data == nil {
		f.data = map[string][]byte{}
	}
	if len(value) == 0 {
		delete(f.data, key)
	} else {
		f.data[key] = value
	}
	return nil
}

func stashBaseline(model, typ string) *client.LLMConfig {
	p := llmconfig.Provider{Name: "main", Type: typ, APIKey: "env:K", Model: model}
	return &client.LLMConfig{Providers: []client.Provider{{Provider: p, Revision: p.Revision()}}}
}

func plannedMain(model, typ string, changes bool) plannedProvider {
	p := llmconfig.Provider{Name: "main", Type: typ, APIKey: "env:K", Model: model}
	return plannedProvider{Model: model, Type: typ, Revision: p.Revision(), Changes: changes}
}

func TestPlannedTargetOf(t *testing.T) {
	base := stashBaseline("gpt-4o", "openai")
	from := base.Providers[0].Revision
	alias := &client.Alias{Name: "fast", Provider: "main", Model: "gpt-4o", ProviderType: "openai"}
	cases := []struct {
		name    string
		planned *plannedProvider
		alias   *client.Alias
		base    *client.LLMConfig
		want    *plannedTarget
	}{
		{"nothing planned for the target", nil, alias, base, nil},
		{"the target's plan changes nothing", ptr(plannedMain("gpt-4o", "openai", false)), alias, base, nil},
		{"the target's plan keeps model and type", ptr(plannedMain("gpt-4o", "openai", true)), alias, base, nil},
		{"the alias sets its own model", ptr(plannedMain("gpt-4.1", "openai", true)),
			&client.Alias{Name: "fast", Provider: "main", Model: "o3", Overrides: []string{llmconfig.FieldModel}}, base, nil},
		{"the target is not in the baseline", ptr(plannedMain("gpt-4.1", "openai", true)), alias, &client.LLMConfig{}, nil},
		{"model change", ptr(plannedMain("gpt-4.1", "openai", true)), alias, base,
			&plannedTarget{Provider: "main", From: from, To: plannedMain("gpt-4.1", "openai", true).Revision, Model: "gpt-4.1", Type: "openai"}},
		{"type change", ptr(plannedMain("gpt-4o", "azure", true)), alias, base,
			&plannedTarget{Provider: "main", From: from, To: plannedMain("gpt-4o", "azure", true).Revision, Model: "gpt-4o", Type: "azure"}},
		{"an override of another field", ptr(plannedMain("gpt-4.1", "openai", true)),
			&client.Alias{Name: "fast", Provider: "main", Model: "gpt-4o", Overrides: []string{llmconfig.FieldMaxTokens}}, base,
			&plannedTarget{Provider: "main", From: from, To: plannedMain("gpt-4.1", "openai", true).Revision, Model: "gpt-4.1", Type: "openai"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg := &planRegistry{providers: map[string]plannedProvider{}, managed: map[string]int{}}
			if tc.planned != nil {
				reg.planProvider("main", *tc.planned)
			}
			got := plannedTargetOf(tc.alias, reg, tc.base)
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("plannedTargetOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestPlannedTargetUsable: a record gives the alias's model only for the target
// it was made for, while that target is at the revision the plan saw or at its
// planned one, and when this walk's own plan of the target (if made yet) agrees.
func TestPlannedTargetUsable(t *testing.T) {
	before := stashBaseline("gpt-4o", "openai")
	after := stashBaseline("gpt-4.1", "openai")
	elsewhere := stashBaseline("gpt-4.1-mini", "openai") // changed since, by another run
	toNew := plannedMain("gpt-4.1", "openai", true)
	rec := &plannedTarget{Provider: "main", From: before.Providers[0].Revision, To: toNew.Revision, Model: "gpt-4.1", Type: "openai"}
	cases := []struct {
		name      string
		rec       *plannedTarget
		target    string
		base      *client.LLMConfig
		planned   plannedProvider
		isPlanned bool
		want      bool
	}{
		{"no record", nil, "main", before, toNew, true, false},
		{"plan: target as the plan saw it, planned the same", rec, "main", before, toNew, true, true},
		{"re-plan before the target's re-plan", rec, "main", before, plannedProvider{}, false, true},
		{"re-plan after the target was applied", rec, "main", after, toNew, true, true},
		{"the alias is retargeted", rec, "other", before, toNew, true, false},
		{"the target does not exist", rec, "main", &client.LLMConfig{}, toNew, true, false},
		{"old record, target changed since", rec, "main", elsewhere, plannedProvider{}, false, false},
		{"old record, target changed since, planned as recorded", rec, "main", elsewhere, toNew, true, false},
		{"old record, this walk plans another model", rec, "main", before, plannedMain("gpt-4.1-mini", "openai", true), true, false},
		{"old record, this walk plans another type", rec, "main", before, plannedMain("gpt-4.1", "azure", true), true, false},
		{"empty model", &plannedTarget{Provider: "main", From: rec.From, To: rec.To}, "main", before, plannedProvider{}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rec.usable(tc.target, tc.base.Provider(tc.target), tc.planned, tc.isPlanned); got != tc.want {
				t.Errorf("usable = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPlannedTargetPrivate: the record round-trips through private state; an
// unreadable one counts as none; clearing private state that holds no record
// writes nothing (Read clears it for every alias).
func TestPlannedTargetPrivate(t *testing.T) {
	ctx := context.Background()
	var priv fakePrivate
	if setPlannedTarget(ctx, &priv, nil).HasError() || priv.sets != 0 {
		t.Fatalf("clearing an empty private state wrote it (%d writes)", priv.sets)
	}
	if got := getPlannedTarget(ctx, &priv); got != nil {
		t.Fatalf("record in empty private state: %+v", got)
	}
	rec := plannedTarget{Provider: "main", From: "r1", To: "r2", Model: "gpt-4.1", Type: "openai"}
	if setPlannedTarget(ctx, &priv, &rec).HasError() {
		t.Fatal("storing the record failed")
	}
	if got := getPlannedTarget(ctx, &priv); got == nil || *got != rec {
		t.Fatalf("read back %+v, want %+v", got, rec)
	}
	if !json.Valid(priv.data[plannedTargetKey]) {
		t.Fatalf("the record is not JSON (the framework requires it): %q", priv.data[plannedTargetKey])
	}
	if setPlannedTarget(ctx, &priv, nil).HasError() || getPlannedTarget(ctx, &priv) != nil || len(priv.data) != 0 {
		t.Fatalf("the record survived clearing: %v", priv.data)
	}
	priv.data = map[string][]byte{plannedTargetKey: []byte(`"not a record"`)}
	if got := getPlannedTarget(ctx, &priv); got != nil {
		t.Fatalf("an unreadable record was used: %+v", got)
	}
}
