package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The codec must read and write exactly what the framework's Get and Set do.
func TestModelCodecMatchesFramework(t *testing.T) {
	ctx := context.Background()
	temp := 0.2
	models := []llmProviderModelV0{
		{ // every attribute known, a float that needs HCL's precision
			ID: types.StringValue("p"), Name: types.StringValue("p"), Type: types.StringValue("openai"),
			APIKey: types.StringValue("env:OPENAI_API_KEY"), BaseURL: types.StringValue("https://example.test/v1"),
			Model: types.StringValue("gpt-4o"), MaxTokens: types.Int64Value(4096), ContextWindow: types.Int64Value(128000),
			Temperature: float64FromDecimal(&temp), APIVersion: types.StringValue("2024-01-01"),
			CredentialSource: types.StringValue("env"), CredentialStatus: types.StringValue("ok"), Revision: types.StringValue("r1"),
		},
		{ // nulls and unknowns, as in a plan
			ID: types.StringUnknown(), Name: types.StringValue("q"), Type: types.StringValue("ollama"),
			APIKey: types.StringNull(), BaseURL: types.StringNull(), Model: types.StringValue("llama3"),
			MaxTokens: types.Int64Null(), ContextWindow: types.Int64Unknown(), Temperature: types.Float64Null(),
			APIVersion: types.StringNull(), CredentialSource: types.StringUnknown(), CredentialStatus: types.StringUnknown(),
			Revision: types.StringUnknown(),
		},
	}
	sch := llmProviderResourceSchemaV0()
	for i, m := range models {
		var viaFramework, viaCodec tfsdk.State
		viaFramework.Schema, viaCodec.Schema = sch, sch
		if d := viaFramework.Set(ctx, &m); d.HasError() {
			t.Fatalf("%d: framework Set: %v", i, d)
		}
		if d := setModel(ctx, &viaCodec, &m); d.HasError() {
			t.Fatalf("%d: setModel: %v", i, d)
		}
		if !viaFramework.Raw.Equal(viaCodec.Raw) {
			t.Errorf("%d: setModel wrote\n%s\nthe framework\n%s", i, viaCodec.Raw, viaFramework.Raw)
		}
		var fromFramework, fromCodec llmProviderModelV0
		if d := viaFramework.Get(ctx, &fromFramework); d.HasError() {
			t.Fatalf("%d: framework Get: %v", i, d)
		}
		if d := getModel(ctx, viaFramework.Raw, &fromCodec); d.HasError() {
			t.Fatalf("%d: getModel: %v", i, d)
		}
		if !modelsEqual(fromCodec, fromFramework) || !modelsEqual(fromCodec, m) {
			t.Errorf("%d: getModel read\n%+v\nthe framework\n%+v", i, fromCodec, fromFramework)
		}
	}

	// The alias model, through a plan.
	a := llmAliasModelV0{ID: types.StringValue("fast"), Name: types.StringValue("fast"), ProviderName: types.StringValue("p"),
		Model: types.StringUnknown(), ProviderType: types.StringNull(), Revision: types.StringValue("r"),
		Capabilities: types.ListValueMust(types.StringType, []attr.Value{types.StringValue("code")}), CostPer1kTokens: types.Float64Unknown()}
	plan := tfsdk.Plan{Schema: llmAliasResourceSchemaV0()}
	if d := setModel(ctx, &plan, a); d.HasError() {
		t.Fatal(d)
	}
	var back llmAliasModelV0
	if d := plan.Get(ctx, &back); d.HasError() || !modelsEqual(back, a) {
		t.Errorf("alias round trip: %+v %v", back, d)
	}
}

func TestModelCodecErrors(t *testing.T) {
	ctx := context.Background()
	var m llmAliasModelV0
	// An object lacking an attribute of the model.
	short := tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String}},
		map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "x")})
	if d := getModel(ctx, short, &m); !d.HasError() {
		t.Error("a missing attribute was not an error")
	}
	if d := getModel(ctx, tftypes.NewValue(tftypes.String, "x"), &m); !d.HasError() {
		t.Error("a non-object was not an error")
	}
	if d := getModel(ctx, short, m); !d.HasError() {
		t.Error("a non-pointer target was not an error")
	}
	// A model that does not match the schema: the framework's Set refuses it.
	plan := tfsdk.Plan{Schema: llmProviderResourceSchemaV0()}
	if d := setModel(ctx, &plan, &m); !d.HasError() {
		t.Error("setModel wrote an alias model into a provider plan")
	}
}

// modelsEqual compares two models field by field with attr.Value.Equal (a
// Float64 holds a *big.Float: == compares pointers).
func modelsEqual(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() != vb.Type() {
		return false
	}
	for i := range va.NumField() {
		if !va.Field(i).Interface().(attr.Value).Equal(vb.Field(i).Interface().(attr.Value)) { //nolint:forcetypeassert // models hold attr.Values
			return false
		}
	}
	return true
}

// BenchmarkModelGet: go test ./internal/provider -run '^$' -bench ModelGet -benchmem
func BenchmarkModelGet(b *testing.B) {
	ctx := context.Background()
	st := tfsdk.State{Schema: llmProviderResourceSchemaV0()}
	m := llmProviderModelV0{ID: types.StringValue("p"), Name: types.StringValue("p"), Type: types.StringValue("openai"),
		APIKey: types.StringValue("env:OPENAI_API_KEY"), Model: types.StringValue("gpt-4o"), Revision: types.StringValue("r")}
	if d := st.Set(ctx, &m); d.HasError() {
		b.Fatal(d)
	}
	b.Run("framework", func(b *testing.B) {
		for b.Loop() {
			var got llmProviderModelV0
			_ = st.Get(ctx, &got)
			_ = st.Set(ctx, &got)
		}
	})
	b.Run("codec", func(b *testing.B) {
		for b.Loop() {
			var got llmProviderModelV0
			_ = getModel(ctx, st.Raw, &got)
			_ = setModel(ctx, &st, &got)
		}
	})
}
