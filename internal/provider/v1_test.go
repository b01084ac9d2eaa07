package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

func v1Template(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// On an aegis/v1 node the daemon resolves only env: references, so a vault:
// reference fails at plan; a secret: one is applied (with a warning).
func TestAccLLMProvider_v1Credentials(t *testing.T) {
	s := startServer(t, testserver.Options{ConfigYAML: v1Template(t, "config-minimal.yaml")})
	before := s.ReadConfig()
	hcl := func(key string) string {
		return s.ProviderBlock() + `
resource "aegis_llm_provider" "o" {
  name           = "openai"
  type           = "openai"
  api_key        = "` + key + `"
  model          = "gpt-4o"
  context_window = 128000
}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: hcl("vault:aegis/llm/openai#api_key"), PlanOnly: true, ExpectError: expectError(`Invalid api_key.*"vault:".*aegis/v1.*env:VAR_NAME`)},
			{
				Config: hcl("secret:aegis/kv/openai"),
				Check: checkServerProvider(s, "openai", func(p llmconfig.Provider) error {
					if string(s.ReadConfig()) != string(before) {
						t.Error("a provider without aliases changed the v1 file")
					}
					return nil
				}),
			},
		},
	})
}

// On a seed-format node an alias only names a provider: a per-alias setting
// other than the provider's own value fails at plan, saying why.
func TestAccLLMAlias_settingsRefusedOnSeed(t *testing.T) {
	s := startServer(t, testserver.Options{ConfigYAML: "llm:\n  providers:\n    - name: o\n      type: ollama\n      base_url: \"http://localhost:11434\"\n      model: qwen\n      context_window: 8192\n  aliases: {}\n"})
	alias := func(attrs string) string {
		return s.ProviderBlock() + "resource \"aegis_llm_alias\" \"a\" {\n  name          = \"a\"\n  provider_name = \"o\"\n" + attrs + "}\n"
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: alias("  model = \"llama3\"\n"), PlanOnly: true, ExpectError: expectError(`Alias Setting Not Supported On This Node.*model cannot be set on this node.*aegis/seed.*aegis/v1`)},
			{Config: alias("  capabilities = [\"code\"]\n"), PlanOnly: true, ExpectError: expectError(`Alias Setting Not Supported On This Node.*capabilities`)},
			{Config: alias("  cost_per_1k_tokens = 0.1\n"), PlanOnly: true, ExpectError: expectError(`Alias Setting Not Supported On This Node.*cost_per_1k_tokens`)},
			// The provider's own value is no override: accepted.
			{Config: alias("  model = \"qwen\"\n  context_window = 8192\n")},
		},
	})
}
