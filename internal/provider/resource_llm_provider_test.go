package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
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
				Check: checkServerProvider(s, "gpt-4o", func(p llmconfig.Provider) error {
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
				Config:          testAccRequiredProviders() + testAccLLMProviderConfig(s, "gpt-4o", "gpt-4o", 0.2),
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
					checkServerProvider(s, "two", func(llmconfig.Provider) error { return nil }),
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
				Check: checkServerProvider(s, "gpt-4o", func(p llmconfig.Provider) error {
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
			// Applied, the drift is undone. (The test framework destroys without a
			// refresh, and deletes are conditional on the revision in state: a
			// destroy right after the plan-only step would rightly be refused.)
			{
				Config: cfg,
				Check: checkServerProvider(s, "gpt-4o", func(p llmconfig.Provider) error {
					if p.MaxTokens == nil || *p.MaxTokens != 4096 {
						return fmt.Errorf("max_tokens on server is %v after apply, want the configured 4096", p.MaxTokens)
					}
					return nil
				}),
			},
		},
	})
}
