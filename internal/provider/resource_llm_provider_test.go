package provider

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/nodeconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

func testAccLLMProviderConfig(s *testserver.Server, name, model string, temperature float64) string {
	return s.ProviderBlock() + fmt.Sprintf(`
resource "aegis_llm_provider" "test" {
  name           = %[1]q
  type           = "openai"
  api_key        = "env:OPENAI_API_KEY"
  model          = %[2]q
  max_tokens     = 4096
  context_window = 128000
  temperature    = %[3]g
}
`, name, model, temperature)
}

func TestAccLLMProvider_basic(t *testing.T) {
	s := startServer(t, testserver.Options{Env: []string{"OPENAI_API_KEY=sk-test-value-never-in-state"}})
	addr := "aegis_llm_provider.test"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkProviderGone(s, "gpt-4o"),
		Steps: []resource.TestStep{
			{
				Config: testAccLLMProviderConfig(s, "gpt-4o", "gpt-4o", 0.2),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("gpt-4o")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("temperature"), knownvalue.Float64Exact(0.2)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("base_url"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credential_source"), knownvalue.StringExact("env")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("credential_status"), knownvalue.StringExact("resolved")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("revision"), knownvalue.NotNull()),
				},
				Check: checkServerProvider(s, "gpt-4o", func(p nodeconfig.Provider) error {
					if p.Model != "gpt-4o" || p.Temperature == nil || *p.Temperature != 0.2 || p.APIKey != "env:OPENAI_API_KEY" {
						return fmt.Errorf("server holds %+v", p)
					}
					return nil
				}),
			},
			// A plan right after apply is empty, also after a refresh-only apply.
			{
				Config:   testAccLLMProviderConfig(s, "gpt-4o", "gpt-4o", 0.2),
				PlanOnly: true,
			},
			{
				RefreshState: true,
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "gpt-4o",
				ImportStateVerify: true,
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "gpt-4o",
				Config:          testAccLLMProviderConfig(s, "gpt-4o", "gpt-4o", 0.2),
			},
			// Update in place.
			{
				Config: testAccLLMProviderConfig(s, "gpt-4o", "gpt-4o-2024-08-06", 0.7),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("model"), knownvalue.StringExact("gpt-4o-2024-08-06")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("temperature"), knownvalue.Float64Exact(0.7)),
				},
			},
		},
	})
}

func TestAccLLMProvider_rename(t *testing.T) {
	s := startServer(t, testserver.Options{})
	addr := "aegis_llm_provider.test"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkProviderGone(s, "one", "two"),
		Steps: []resource.TestStep{
			{Config: testAccLLMProviderConfig(s, "one", "gpt-4o", 1)},
			{
				Config: testAccLLMProviderConfig(s, "two", "gpt-4o", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkProviderGone(s, "one"),
					checkServerProvider(s, "two", func(nodeconfig.Provider) error { return nil }),
				),
			},
		},
	})
}

func TestAccLLMProvider_drift(t *testing.T) {
	s := startServer(t, testserver.Options{})
	addr := "aegis_llm_provider.test"
	cfg := testAccLLMProviderConfig(s, "gpt-4o", "gpt-4o", 0.2)
	c := s.Client()
	ctx := context.Background()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkProviderGone(s, "gpt-4o"),
		Steps: []resource.TestStep{
			{Config: cfg},
			// Edited out of band: the next plan shows an in-place update back to the config.
			{
				PreConfig: func() {
					p, err := c.GetProvider(ctx, "gpt-4o")
					if err != nil {
						t.Fatal(err)
					}
					p.Model = "gpt-4o-mini"
					if _, err := c.PutProvider(ctx, p.Provider, client.Precondition{IfMatch: p.Revision}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("model"), knownvalue.StringExact("gpt-4o")),
				}},
				Check: checkServerProvider(s, "gpt-4o", func(p nodeconfig.Provider) error {
					if p.Model != "gpt-4o" {
						return fmt.Errorf("model on server is %q after apply", p.Model)
					}
					return nil
				}),
			},
			// Deleted out of band: removed from state and planned for creation.
			{
				PreConfig: func() {
					if _, err := c.DeleteProvider(ctx, "gpt-4o", client.Precondition{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
			},
			// Drift shows in a plan-only step as a non-empty plan (what -detailed-exitcode reports).
			{
				PreConfig: func() {
					p, err := c.GetProvider(ctx, "gpt-4o")
					if err != nil {
						t.Fatal(err)
					}
					v := int64(1024)
					p.MaxTokens = &v
					if _, err := c.PutProvider(ctx, p.Provider, client.Precondition{}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// TestAccLLMProvider_invalid proves that bad input fails at plan time with an
// error naming the attribute and the fix, and that the server's file is untouched.
func TestAccLLMProvider_invalid(t *testing.T) {
	s := startServer(t, testserver.Options{})
	before := s.ReadConfig()
	block := func(body string) string {
		return s.ProviderBlock() + "resource \"aegis_llm_provider\" \"bad\" {\n" + body + "\n}\n"
	}
	cases := []struct {
		name, body, want string
	}{
		{"literal openai key", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "sk-proj-abcdefghijklmnop"`, `Invalid api_key.*literal API key.*env:VAR_NAME`},
		{"bearer token", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "Bearer abc"`, `Invalid api_key.*whitespace.*env:VAR_NAME`},
		{"env with bad name", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "env:1BAD"`, `Invalid api_key.*POSIX environment variable name`},
		{"vault without path", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "vault:"`, `Invalid api_key.*needs a secret path`},
		{"unknown type", `name = "p"
type = "azure"
model = "gpt-4o"
api_key = "env:K"`, `Invalid type.*"openai", "anthropic", "ollama", "gemini", "openai-compatible"`},
		{"temperature", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "env:K"
temperature = 2.5`, `Invalid temperature.*between 0.0 and 2.0`},
		{"zero max_tokens", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "env:K"
max_tokens = 0`, `Invalid max_tokens.*positive integer`},
		{"max over window", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "env:K"
max_tokens = 9000
context_window = 8000`, `Invalid max_tokens.*must not exceed context_window`},
		{"missing key", `name = "p"
type = "anthropic"
model = "claude"`, `Invalid api_key.*required for type "anthropic"`},
		{"ollama without base_url", `name = "p"
type = "ollama"
model = "qwen"`, `Invalid base_url.*required for type "ollama"`},
		{"azure without api_version", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "env:K"
base_url = "https://r.openai.azure.com/openai/deployments/gpt-4o"`, `Invalid api_version.*Azure`},
		{"malformed url", `name = "p"
type = "ollama"
model = "qwen"
base_url = "localhost:11434"`, `Invalid base_url.*absolute http`},
		{"illegal name", `name = "GPT_4o"
type = "openai"
model = "gpt-4o"
api_key = "env:K"`, `Invalid name.*lowercase letters`},
		{"empty string", `name = "p"
type = "openai"
model = "gpt-4o"
api_key = "env:K"
api_version = ""`, `Empty api_version.*Remove the attribute`},
	}
	steps := make([]resource.TestStep, 0, len(cases)+1)
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      block(tc.body),
			PlanOnly:    true,
			ExpectError: expectError(tc.want),
		})
	}
	steps = append(steps, resource.TestStep{
		Config:   s.ProviderBlock(),
		PlanOnly: true,
		Check: func(*terraform.State) error {
			if after := s.ReadConfig(); !bytes.Equal(before, after) {
				return fmt.Errorf("config file changed:\n%s", after)
			}
			return nil
		},
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if after := s.ReadConfig(); !bytes.Equal(before, after) {
		t.Fatalf("config file changed by invalid plans:\n%s", after)
	}
}
