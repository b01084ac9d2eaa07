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
