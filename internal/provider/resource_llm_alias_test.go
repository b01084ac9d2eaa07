package provider

import (
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
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

const testAccTwoProviders = `
resource "aegis_llm_provider" "haiku" {
  name           = "claude-3-5-haiku"
  type           = "anthropic"
  api_key        = "env:ANTHROPIC_API_KEY"
  model          = "claude-3-5-haiku-20241022"
  max_tokens     = 4096
  context_window = 200000
}

resource "aegis_llm_provider" "mini" {
  name           = "gpt-4o-mini"
  type           = "openai"
  api_key        = "env:OPENAI_API_KEY"
  model          = "gpt-4o-mini"
  max_tokens     = 2048
  context_window = 128000
}
`

func testAccLLMAliasConfig(s *testserver.Server, name, target string) string {
	return s.ProviderBlock() + testAccTwoProviders + fmt.Sprintf(`
resource "aegis_llm_alias" "test" {
  name          = %[1]q
  provider_name = aegis_llm_provider.%[2]s.name
}
`, name, target)
}

// checkServerAlias asks the server where an alias points.
func checkServerAlias(s *testserver.Server, name, wantProvider string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		a, err := s.Client().GetAlias(context.Background(), name)
		if err != nil {
			return fmt.Errorf("alias %q on the server: %w", name, err)
		}
		if a.Provider != wantProvider {
			return fmt.Errorf("alias %q points to %q on the server, want %q", name, a.Provider, wantProvider)
		}
		return nil
	}
}

func TestAccLLMAlias_basic(t *testing.T) {
	s := startServer(t, testserver.Options{})
	addr := "aegis_llm_alias.test"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			checkAliasGone(s, "fast"),
			checkProviderGone(s, "claude-3-5-haiku", "gpt-4o-mini"),
		),
		Steps: []resource.TestStep{
			{
				Config: testAccLLMAliasConfig(s, "fast", "haiku"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("provider_name"), knownvalue.StringExact("claude-3-5-haiku")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("model"), knownvalue.StringExact("claude-3-5-haiku-20241022")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("provider_type"), knownvalue.StringExact("anthropic")),
				},
				Check: checkServerAlias(s, "fast", "claude-3-5-haiku"),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "fast",
				ImportStateVerify: true,
			},
			// Retarget: the plan already shows the model the alias will route to.
			{
				Config: testAccLLMAliasConfig(s, "fast", "mini"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("model"), knownvalue.StringExact("gpt-4o-mini")),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("provider_type"), knownvalue.StringExact("openai")),
				}},
				Check: checkServerAlias(s, "fast", "gpt-4o-mini"),
			},
			{
				Config:   testAccLLMAliasConfig(s, "fast", "mini"),
				PlanOnly: true,
			},
			// Rename replaces.
			{
				Config: testAccLLMAliasConfig(s, "quick", "mini"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(checkAliasGone(s, "fast"), checkServerAlias(s, "quick", "gpt-4o-mini")),
			},
			{
				Config: testAccLLMAliasConfig(s, "fast", "mini"),
			},
		},
	})
}

func TestAccLLMAlias_importGenerateConfig(t *testing.T) {
	s := startServer(t, testserver.Options{ConfigYAML: `llm:
  providers:
    - name: ollama-qwen
      type: ollama
      base_url: "http://localhost:11434"
      model: qwen2.5-coder:32b
      max_tokens: 4096
      context_window: 32000
  aliases:
    local: ollama-qwen
`})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: s.ProviderBlock() + "data \"aegis_node\" \"this\" {}\n"},
			{
				Config:          testAccRequiredProviders() + s.ProviderBlock(),
				ResourceName:    "aegis_llm_provider.imported",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "ollama-qwen",
				GenerateConfig:  true,
			},
			{
				Config:          testAccRequiredProviders() + s.ProviderBlock(),
				ResourceName:    "aegis_llm_alias.imported",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "local",
				GenerateConfig:  true,
			},
		},
	})
}

func TestAccLLMAlias_drift(t *testing.T) {
	s := startServer(t, testserver.Options{})
	addr := "aegis_llm_alias.test"
	cfg := testAccLLMAliasConfig(s, "fast", "haiku")
	c := s.Client()
	ctx := context.Background()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkAliasGone(s, "fast"),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if _, err := c.PutAlias(ctx, "fast", "gpt-4o-mini", client.Precondition{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("model"), knownvalue.StringExact("claude-3-5-haiku-20241022")),
				}},
				Check: checkServerAlias(s, "fast", "claude-3-5-haiku"),
			},
			{
				PreConfig: func() {
					if _, err := c.DeleteAlias(ctx, "fast", client.Precondition{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				Check: checkServerAlias(s, "fast", "claude-3-5-haiku"),
			},
		},
	})
}

// TestAccLLMAlias_missingTarget: an alias whose provider exists nowhere is
// accepted as awaiting it (the provider cannot know at plan or apply whether
// another resource of the run creates it): the config file is untouched, the
// status lists it, and the plan after the apply is not empty (it is not
// live). Invalid names fail at plan.
func TestAccLLMAlias_missingTarget(t *testing.T) {
	s := startServer(t, testserver.Options{})
	before := s.ReadConfig()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: s.ProviderBlock() + `
resource "aegis_llm_alias" "test" {
  name          = "Fast!"
  provider_name = "x"
}
`,
				PlanOnly:    true,
				ExpectError: expectError(`Invalid name.*lowercase letters`),
			},
			{
				Config: s.ProviderBlock() + `
resource "aegis_llm_alias" "test" {
  name          = "fast"
  provider_name = "does-not-exist"
}
`,
				ExpectNonEmptyPlan: true,
				Check: func(*terraform.State) error {
					st, err := s.Client().Status(context.Background())
					if err != nil {
						return err
					}
					if len(st.AwaitingAliases) != 1 || st.AwaitingAliases[0].Alias != "fast" || st.AwaitingAliases[0].Provider != "does-not-exist" {
						return fmt.Errorf("status awaiting_aliases: %+v", st.AwaitingAliases)
					}
					if _, err := s.Client().GetAlias(context.Background(), "fast"); !client.IsNotFound(err) {
						return fmt.Errorf("the awaiting alias reads as live: %w", err)
					}
					return nil
				},
			},
		},
	})
	if after := s.ReadConfig(); string(after) != string(before) {
		t.Fatalf("a refused alias changed the config file:\n%s", after)
	}
}

// TestAccLLMProvider_inUse: deleting a provider that an alias outside Terraform
// still points to fails with an error naming the alias; nothing is deleted.
func TestAccLLMProvider_inUse(t *testing.T) {
	s := startServer(t, testserver.Options{})
	c := s.Client()
	ctx := context.Background()
	cfg := s.ProviderBlock() + testAccTwoProviders
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					_, err := c.PutAlias(ctx, "review", "claude-3-5-haiku", client.Precondition{})
					return err
				},
			},
		},
		// The destroy succeeds; the provider that an alias outside the
		// configuration still uses stays, marked deleting, until that alias leaves.
		CheckDestroy: func(st *terraform.State) error {
			p, err := c.GetProvider(ctx, "claude-3-5-haiku")
			if err != nil || !p.Deleting {
				return fmt.Errorf("provider used by an outside alias after the destroy: %+v, %w; want it kept, deleting", p, err)
			}
			status, err := c.Status(ctx)
			if err != nil || len(status.PendingDeletions) != 1 || status.PendingDeletions[0].Provider != "claude-3-5-haiku" {
				return fmt.Errorf("status pending deletions: %+v %w", status, err)
			}
			if _, err := c.DeleteAlias(ctx, "review", client.Precondition{}); err != nil {
				return err
			}
			return checkProviderGone(s, "claude-3-5-haiku", "gpt-4o-mini")(st)
		},
	})
}
