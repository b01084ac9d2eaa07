package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

const testAccDataSourcesYAML = `# hand-written node config
node:
  id: test-node
llm:
  providers:
    - name: gpt-4o
      type: openai
      api_key: "env:OPENAI_API_KEY"
      model: gpt-4o
      temperature: 0.2
    - name: claude-3-5-haiku
      type: anthropic
      api_key: "env:ANTHROPIC_API_KEY"
      model: claude-3-5-haiku-20241022
    - name: azure-gpt4o
      type: openai
      api_key: "vault:aegis/llm/azure#api_key"
      base_url: "https://my-resource.openai.azure.com/openai/deployments/gpt-4o"
      api_version: "2024-02-01"
      model: gpt-4o
  aliases:
    default: gpt-4o
    fast: claude-3-5-haiku
`

func TestAccDataSources_basic(t *testing.T) {
	s := startServer(t, testserver.Options{ConfigYAML: testAccDataSourcesYAML, Env: []string{"OPENAI_API_KEY=sk-live-secret"}})
	cfg := s.ProviderBlock() + `
data "aegis_llm_provider" "gpt_4o" {
  name = "gpt-4o"
}
data "aegis_llm_provider" "haiku" {
  name = "claude-3-5-haiku"
}
data "aegis_llm_provider" "azure" {
  name = "azure-gpt4o"
}
data "aegis_llm_providers" "all" {}
data "aegis_llm_alias" "fast" {
  name = "fast"
}
data "aegis_llm_aliases" "all" {}
data "aegis_node" "this" {}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aegis_llm_provider.gpt_4o", tfjsonpath.New("credential_status"), knownvalue.StringExact("resolved")),
					statecheck.ExpectKnownValue("data.aegis_llm_provider.gpt_4o", tfjsonpath.New("temperature"), knownvalue.Float64Exact(0.2)),
					statecheck.ExpectKnownValue("data.aegis_llm_provider.haiku", tfjsonpath.New("credential_status"), knownvalue.StringExact("missing")),
					statecheck.ExpectKnownValue("data.aegis_llm_provider.azure", tfjsonpath.New("credential_source"), knownvalue.StringExact("vault")),
					statecheck.ExpectKnownValue("data.aegis_llm_provider.azure", tfjsonpath.New("credential_status"), knownvalue.StringExact("unchecked")),
					statecheck.ExpectKnownValue("data.aegis_llm_provider.azure", tfjsonpath.New("api_version"), knownvalue.StringExact("2024-02-01")),
					statecheck.ExpectKnownValue("data.aegis_llm_providers.all", tfjsonpath.New("providers"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.aegis_llm_providers.all", tfjsonpath.New("providers").AtSliceIndex(1).AtMapKey("name"), knownvalue.StringExact("claude-3-5-haiku")),
					statecheck.ExpectKnownValue("data.aegis_llm_alias.fast", tfjsonpath.New("model"), knownvalue.StringExact("claude-3-5-haiku-20241022")),
					statecheck.ExpectKnownValue("data.aegis_llm_alias.fast", tfjsonpath.New("provider_type"), knownvalue.StringExact("anthropic")),
					statecheck.ExpectKnownValue("data.aegis_llm_aliases.all", tfjsonpath.New("mapping"), knownvalue.MapExact(map[string]knownvalue.Check{
						"default": knownvalue.StringExact("gpt-4o"),
						"fast":    knownvalue.StringExact("claude-3-5-haiku"),
					})),
					statecheck.ExpectKnownValue("data.aegis_node.this", tfjsonpath.New("generation"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("data.aegis_node.this", tfjsonpath.New("draining"), knownvalue.ListSizeExact(0)),
				},
			},
			{
				Config:      s.ProviderBlock() + "data \"aegis_llm_provider\" \"x\" {\n  name = \"nope\"\n}\n",
				ExpectError: expectError(`no provider named "nope".*gpt-4o, claude-3-5-haiku, azure-gpt4o`),
			},
			{
				Config:      s.ProviderBlock() + "data \"aegis_llm_alias\" \"x\" {\n  name = \"nope\"\n}\n",
				ExpectError: expectError(`no alias named "nope".*default, fast`),
			},
		},
	})
}

// TestAccExample_seed applies examples/seed — the orchestrator guide's five
// providers and five aliases — then retargets "fast" and proves the graceful
// reload: an execution started before keeps its model, a new one gets the new one.
func TestAccExample_seed(t *testing.T) {
	s := startServer(t, testserver.Options{Env: []string{"OPENAI_API_KEY=x", "ANTHROPIC_API_KEY=y"}})
	t.Setenv(EnvEndpoint, s.URL)
	t.Setenv(EnvToken, s.Token)
	c := s.Client()
	ctx := context.Background()
	var before *client.Execution
	// The example as users write it, with its source pointed at the test address.
	example, err := os.ReadFile("../../examples/seed/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	src := `source = "100monkeys-ai/aegis"`
	if !strings.Contains(string(example), src) {
		t.Fatalf("examples/seed/main.tf has no %s", src)
	}
	tmp := t.TempDir()
	writeFile(t, filepath.Join(tmp, "main.tf"), strings.Replace(string(example), src,
		fmt.Sprintf("source = %q", testAccProviderHost+"/"+testAccProviderNamespace+"/aegis"), 1))
	dir := config.StaticDirectory(tmp)
	resource.Test(t, resource.TestCase{
		CheckDestroy: checkProviderGone(s, "gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "claude-3-5-haiku", "ollama-qwen"),
		Steps: []resource.TestStep{
			{
				ConfigDirectory:          dir,
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Check: func(*terraform.State) error {
					cfg, err := c.GetConfig(ctx)
					if err != nil {
						return err
					}
					if len(cfg.Providers) != 5 || len(cfg.Aliases) != 5 {
						return fmt.Errorf("server holds %d providers and %d aliases, want 5 and 5", len(cfg.Providers), len(cfg.Aliases))
					}
					want := map[string]string{"default": "gpt-4o", "fast": "claude-3-5-haiku", "reasoning": "gpt-4o", "local": "ollama-qwen", "review": "claude-3-5-sonnet"}
					for _, a := range cfg.Aliases {
						if want[a.Name] != a.Provider {
							return fmt.Errorf("alias %s -> %s, want %s", a.Name, a.Provider, want[a.Name])
						}
					}
					return nil
				},
			},
			{ConfigDirectory: dir, ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, PlanOnly: true},
			{
				PreConfig: func() {
					var err error
					if before, err = c.StartExecution(ctx, "fast"); err != nil {
						t.Fatal(err)
					}
				},
				ConfigDirectory:          dir,
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigVariables:          config.Variables{"fast_provider": config.StringVariable("gpt-4o-mini")},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("aegis_llm_alias.fast", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("aegis_llm_alias.fast", tfjsonpath.New("model"), knownvalue.StringExact("gpt-4o-mini")),
				}},
				Check: func(*terraform.State) error {
					after, err := c.StartExecution(ctx, "fast")
					if err != nil {
						return err
					}
					if after.Model != "gpt-4o-mini" || after.Generation <= before.Generation {
						return fmt.Errorf("new execution got %s at generation %d, want gpt-4o-mini after generation %d", after.Model, after.Generation, before.Generation)
					}
					st, err := c.Status(ctx)
					if err != nil {
						return err
					}
					if len(st.Draining) != 1 || st.Draining[0].Generation != before.Generation {
						return fmt.Errorf("status draining = %+v, want generation %d", st.Draining, before.Generation)
					}
					old, err := c.FinishExecution(ctx, before.ID)
					if err != nil {
						return err
					}
					if old.Model != "claude-3-5-haiku-20241022" || old.Provider != "claude-3-5-haiku" {
						return fmt.Errorf("running execution moved to %s/%s", old.Provider, old.Model)
					}
					_, err = c.FinishExecution(ctx, after.ID)
					return err
				},
			},
		},
	})
}
