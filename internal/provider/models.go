package provider

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

// llmProviderModelV0 is the state of aegis_llm_provider, of the aegis_llm_provider
// data source and of each element of the aegis_llm_providers data source.
type llmProviderModelV0 struct {
	ID               types.String  `tfsdk:"id"`
	Name             types.String  `tfsdk:"name"`
	Type             types.String  `tfsdk:"type"`
	APIKey           types.String  `tfsdk:"api_key"`
	BaseURL          types.String  `tfsdk:"base_url"`
	Model            types.String  `tfsdk:"model"`
	MaxTokens        types.Int64   `tfsdk:"max_tokens"`
	ContextWindow    types.Int64   `tfsdk:"context_window"`
	Temperature      types.Float64 `tfsdk:"temperature"`
	APIVersion       types.String  `tfsdk:"api_version"`
	CredentialSource types.String  `tfsdk:"credential_source"`
	CredentialStatus types.String  `tfsdk:"credential_status"`
	Revision         types.String  `tfsdk:"revision"`
}

// float64FromDecimal returns f with the precision Terraform gives a number
// literal in HCL (its shortest decimal form, parsed at 512 bits), so that a value
// read from the server equals the configured one exactly: a plain float64 of 0.2
// differs from HCL's 0.2 in the last bits and would make every plan show changes.
func float64FromDecimal(f *float64) types.Float64 {
	if f == nil {
		return types.Float64Null()
	}
	bf, _, err := big.ParseFloat(strconv.FormatFloat(*f, 'g', -1, 64), 10, 512, big.ToNearestEven)
	if err != nil {
		return types.Float64PointerValue(f)
	}
	v, err := types.Float64Type.ValueFromTerraform(context.Background(), tftypes.NewValue(tftypes.Number, bf))
	if err != nil {
		return types.Float64PointerValue(f)
	}
	return v.(types.Float64)
}

func optString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// llmAliasModelV0 is the state of aegis_llm_alias and of the alias data sources.
type llmAliasModelV0 struct {
	ID              types.String  `tfsdk:"id"`
	Name            types.String  `tfsdk:"name"`
	ProviderName    types.String  `tfsdk:"provider_name"`
	Model           types.String  `tfsdk:"model"`
	MaxTokens       types.Int64   `tfsdk:"max_tokens"`
	ContextWindow   types.Int64   `tfsdk:"context_window"`
	Temperature     types.Float64 `tfsdk:"temperature"`
	Capabilities    types.List    `tfsdk:"capabilities" tfelem:"string"`
	CostPer1kTokens types.Float64 `tfsdk:"cost_per_1k_tokens"`
	ProviderType    types.String  `tfsdk:"provider_type"`
	Revision        types.String  `tfsdk:"revision"`
}

func (m *llmAliasModelV0) fromAPI(a *client.Alias) {
	m.ID = types.StringValue(a.Name)
	m.Name = types.StringValue(a.Name)
	m.ProviderName = types.StringValue(a.Provider)
	m.Model = optString(a.Model)
	m.MaxTokens = types.Int64PointerValue(a.MaxTokens)
	m.ContextWindow = types.Int64PointerValue(a.ContextWindow)
	m.Temperature = float64FromDecimal(a.Temperature)
	m.CostPer1kTokens = float64FromDecimal(a.CostPer1kTokens)
	m.Capabilities = types.ListNull(types.StringType)
	if a.Capabilities != nil {
		elems := make([]attr.Value, len(*a.Capabilities))
		for i, c := range *a.Capabilities {
			elems[i] = types.StringValue(c)
		}
		m.Capabilities = types.ListValueMust(types.StringType, elems)
	}
	m.ProviderType = optString(a.ProviderType)
	m.Revision = types.StringValue(a.Revision)
}

// options returns the settings m's configuration sets, and which attributes set them.
func (m *llmAliasModelV0) options(ctx context.Context) (adminapi.AliasPut, []string) {
	var out adminapi.AliasPut
	var set []string
	if !m.Model.IsNull() && !m.Model.IsUnknown() {
		out.Model = m.Model.ValueString()
		set = append(set, "model")
	}
	if !m.MaxTokens.IsNull() && !m.MaxTokens.IsUnknown() {
		out.MaxTokens = m.MaxTokens.ValueInt64Pointer()
		set = append(set, "max_tokens")
	}
	if !m.ContextWindow.IsNull() && !m.ContextWindow.IsUnknown() {
		out.ContextWindow = m.ContextWindow.ValueInt64Pointer()
		set = append(set, "context_window")
	}
	if !m.Temperature.IsNull() && !m.Temperature.IsUnknown() {
		out.Temperature = m.Temperature.ValueFloat64Pointer()
		set = append(set, "temperature")
	}
	if !m.Capabilities.IsNull() && !m.Capabilities.IsUnknown() {
		var caps []string
		_ = m.Capabilities.ElementsAs(ctx, &caps, false)
		if caps == nil {
			caps = []string{}
		}
		out.Capabilities = &caps
		set = append(set, "capabilities")
	}
	if !m.CostPer1kTokens.IsNull() && !m.CostPer1kTokens.IsUnknown() {
		out.CostPer1kTokens = m.CostPer1kTokens.ValueFloat64Pointer()
		set = append(set, "cost_per_1k_tokens")
	}
	return out, set
}

// describeTarget renders "provider (type, model)" for plan warnings.
func describeTarget(p *client.Provider, name string) string {
	if p == nil {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("%q (%s, model %s)", name, p.Type, p.Model)
}

// fieldErrorsDetail renders the server's per-field errors for a diagnostic.
func fieldErrorsDetail(e *client.APIError, rename map[string]string) string {
	var b strings.Builder
	for _, fe := range e.Errors {
		f := fe.Field
		if r, ok := rename[f]; ok {
			f = r
		}
		fmt.Fprintf(&b, "\n  - %s %s", f, fe.Detail)
	}
	return b.String()
}
