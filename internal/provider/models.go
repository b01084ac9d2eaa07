package provider

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
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

// toAPI converts the configured fields. Unknown values become unset; callers
// validate with known() first.
func (m *llmProviderModelV0) toAPI() llmconfig.Provider {
	return llmconfig.Provider{
		Name:          m.Name.ValueString(),
		Type:          m.Type.ValueString(),
		APIKey:        m.APIKey.ValueString(),
		BaseURL:       m.BaseURL.ValueString(),
		Model:         m.Model.ValueString(),
		MaxTokens:     m.MaxTokens.ValueInt64Pointer(),
		ContextWindow: m.ContextWindow.ValueInt64Pointer(),
		Temperature:   m.Temperature.ValueFloat64Pointer(),
		APIVersion:    m.APIVersion.ValueString(),
	}
}

// known reports which configured fields are known, for plan-time validation.
func (m *llmProviderModelV0) known() llmconfig.Known {
	unknown := map[string]bool{
		llmconfig.FieldName:          m.Name.IsUnknown(),
		llmconfig.FieldType:          m.Type.IsUnknown(),
		llmconfig.FieldAPIKey:        m.APIKey.IsUnknown(),
		llmconfig.FieldBaseURL:       m.BaseURL.IsUnknown(),
		llmconfig.FieldModel:         m.Model.IsUnknown(),
		llmconfig.FieldMaxTokens:     m.MaxTokens.IsUnknown(),
		llmconfig.FieldContextWindow: m.ContextWindow.IsUnknown(),
		llmconfig.FieldTemperature:   m.Temperature.IsUnknown(),
		llmconfig.FieldAPIVersion:    m.APIVersion.IsUnknown(),
	}
	return func(field string) bool { return !unknown[field] }
}

// emptyStrings lists optional string attributes set to "" — Terraform tells "" and
// null apart, the node config does not, so "" would never survive a round trip.
func (m *llmProviderModelV0) emptyStrings() []string {
	var out []string
	for attr, v := range map[string]types.String{
		llmconfig.FieldAPIKey: m.APIKey, llmconfig.FieldBaseURL: m.BaseURL, llmconfig.FieldAPIVersion: m.APIVersion,
	} {
		if !v.IsNull() && !v.IsUnknown() && v.ValueString() == "" {
			out = append(out, attr)
		}
	}
	return out
}

// fromAPI sets every attribute from the server's answer.
func (m *llmProviderModelV0) fromAPI(p *client.Provider) {
	m.ID = types.StringValue(p.Name)
	m.Name = types.StringValue(p.Name)
	m.Type = types.StringValue(p.Type)
	m.APIKey = optString(p.APIKey)
	m.BaseURL = optString(p.BaseURL)
	m.Model = types.StringValue(p.Model)
	m.MaxTokens = types.Int64PointerValue(p.MaxTokens)
	m.ContextWindow = types.Int64PointerValue(p.ContextWindow)
	m.Temperature = float64FromDecimal(p.Temperature)
	m.APIVersion = optString(p.APIVersion)
	m.CredentialSource, m.CredentialStatus = types.StringNull(), types.StringNull()
	if p.Credential != nil {
		m.CredentialSource = types.StringValue(p.Credential.Source)
		m.CredentialStatus = types.StringValue(p.Credential.Status)
	}
	m.Revision = types.StringValue(p.Revision)
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
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	ProviderName types.String `tfsdk:"provider_name"`
	Model        types.String `tfsdk:"model"`
	ProviderType types.String `tfsdk:"provider_type"`
	Revision     types.String `tfsdk:"revision"`
}

func (m *llmAliasModelV0) fromAPI(a *client.Alias) {
	m.ID = types.StringValue(a.Name)
	m.Name = types.StringValue(a.Name)
	m.ProviderName = types.StringValue(a.Provider)
	m.Model = optString(a.Model)
	m.ProviderType = optString(a.ProviderType)
	m.Revision = types.StringValue(a.Revision)
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
