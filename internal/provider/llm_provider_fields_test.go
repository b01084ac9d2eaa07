package provider

import (
	"reflect"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Every field of llmconfig.Provider survives fromAPI then toAPI, and every one is
// paired: a field the conversions skipped would come back unset.
func TestProviderFieldsRoundTrip(t *testing.T) {
	mt, ct, temp := int64(1024), int64(8192), 0.2
	full := llmconfig.Provider{
		Name: "azure", Type: llmconfig.TypeOpenAI, APIKey: "env:AZURE_KEY", BaseURL: "https://x.openai.azure.com/openai/deployments/gpt-4o",
		Model: "gpt-4o", MaxTokens: &mt, ContextWindow: &ct, Temperature: &temp, APIVersion: "2024-02-01",
	}
	v := reflect.ValueOf(full)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("test provider leaves llmconfig.Provider.%s unset; set it so the round trip covers it", v.Type().Field(i).Name)
		}
	}
	if got, want := len(providerFields), v.NumField(); got != want {
		t.Fatalf("%d paired fields, llmconfig.Provider has %d", got, want)
	}
	var m llmProviderModelV0
	m.fromAPI(&client.Provider{Provider: full, Revision: "r1"})
	if got := m.toAPI(); !reflect.DeepEqual(got, full) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, full)
	}
	if !m.allKnown() || m.ID.ValueString() != "azure" || m.Revision.ValueString() != "r1" || !m.CredentialSource.IsNull() {
		t.Fatalf("computed attributes: %+v", m)
	}

	// Unset optional fields are null, required ones keep their value.
	m.fromAPI(&client.Provider{Provider: llmconfig.Provider{Name: "local", Type: llmconfig.TypeOllama, Model: "llama3"}})
	if !m.APIKey.IsNull() || !m.BaseURL.IsNull() || !m.APIVersion.IsNull() || !m.MaxTokens.IsNull() || !m.Temperature.IsNull() {
		t.Fatalf("unset optional attributes are not null: %+v", m)
	}
	if m.Model.ValueString() != "llama3" || m.Type.ValueString() != llmconfig.TypeOllama {
		t.Fatalf("required attributes: %+v", m)
	}
}

func TestProviderFieldsKnownAndEmpty(t *testing.T) {
	var m llmProviderModelV0
	m.fromAPI(&client.Provider{Provider: llmconfig.Provider{Name: "p", Type: llmconfig.TypeOpenAI, Model: "gpt-4o"}})
	m.BaseURL = types.StringUnknown()
	m.APIKey = types.StringValue("")
	m.APIVersion = types.StringValue("")
	known := m.known()
	if known(llmconfig.FieldBaseURL) || !known(llmconfig.FieldModel) || !known(llmconfig.FieldTemperature) {
		t.Fatal("known() does not follow the model")
	}
	if m.allKnown() {
		t.Fatal("allKnown() with an unknown base_url")
	}
	if got := m.emptyStrings(); !slices.Equal(got, []string{llmconfig.FieldAPIKey, llmconfig.FieldAPIVersion}) {
		t.Fatalf("emptyStrings() = %v", got)
	}
}
