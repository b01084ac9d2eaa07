package provider

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// Everyday edits that must succeed in ONE apply (issue 11), each driven through
// the real CLI against the reference server process. Every test asserts the exit
// codes and the server's final configuration.

// serverState is the server's llm section in a comparable form.
func serverState(t *testing.T, s *testserver.Server) (providers []string, aliases map[string]string) {
	t.Helper()
	cfg, err := s.Client().GetConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	aliases = map[string]string{}
	for _, p := range cfg.Providers {
		providers = append(providers, p.Name)
	}
	for _, a := range cfg.Aliases {
		aliases[a.Name] = a.Provider
	}
	slices.Sort(providers)
	return providers, aliases
}

func wantServer(t *testing.T, s *testserver.Server, providers []string, aliases map[string]string) {
	t.Helper()
	gotP, gotA := serverState(t, s)
	if !slices.Equal(gotP, providers) || !maps.Equal(gotA, aliases) {
		t.Fatalf("server holds providers %v and aliases %v, want %v and %v", gotP, gotA, providers, aliases)
	}
	st, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.PendingDeletions) != 0 {
		t.Fatalf("pending deletions left behind: %+v", st.PendingDeletions)
	}
	if len(st.AwaitingAliases) != 0 {
		t.Fatalf("aliases awaiting their provider left behind: %+v", st.AwaitingAliases)
	}
}

// TestAccCLI_removeProviderMoveAliases: removing a provider while its aliases
// are retargeted (or deleted) in the same change takes one apply, whether the
// providers come from for_each, count or plain resources, with and without
// create_before_destroy.
func TestAccCLI_removeProviderMoveAliases(t *testing.T) {
	const cbd = "\n  lifecycle {\n    create_before_destroy = true\n  }\n"
	providerBody := func(name string) string {
		return fmt.Sprintf("  name    = %s\n  type    = \"openai\"\n  api_key = \"env:OPENAI_API_KEY\"\n  model   = %s\n", name, name)
	}
	styles := map[string]func(names []string, lifecycle string) (providers string, ref func(name string) string){
		"for_each": func(names []string, lifecycle string) (string, func(string) string) {
			return fmt.Sprintf("resource \"aegis_llm_provider\" \"p\" {\n  for_each = toset(%s)\n%s%s}\n", hclList(names), providerBody("each.key"), lifecycle),
				func(n string) string { return fmt.Sprintf("aegis_llm_provider.p[%q].name", n) }
		},
		"count": func(names []string, lifecycle string) (string, func(string) string) {
			return fmt.Sprintf("resource \"aegis_llm_provider\" \"p\" {\n  count = %d\n%s%s}\n", len(names),
					providerBody(fmt.Sprintf("%s[count.index]", hclList(names))), lifecycle),
				func(n string) string { return fmt.Sprintf("aegis_llm_provider.p[%d].name", slices.Index(names, n)) }
		},
		"plain": func(names []string, lifecycle string) (string, func(string) string) {
			var b strings.Builder
			for _, n := range names {
				fmt.Fprintf(&b, "resource \"aegis_llm_provider\" %q {\n%s%s}\n", n, providerBody(fmt.Sprintf("%q", n)), lifecycle)
			}
			return b.String(), func(n string) string { return fmt.Sprintf("aegis_llm_provider.%s.name", n) }
		},
	}
	for _, style := range []string{"for_each", "count", "plain"} {
		for _, withCBD := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/create_before_destroy=%v", style, withCBD), func(t *testing.T) {
				lifecycle := ""
				if withCBD {
					lifecycle = cbd
				}
				cfg := func(names []string, aliases map[string]string) string {
					providers, ref := styles[style](names, lifecycle)
					var b strings.Builder
					b.WriteString(providers)
					for _, a := range slices.Sorted(maps.Keys(aliases)) {
						fmt.Fprintf(&b, "resource \"aegis_llm_alias\" %q {\n  name          = %q\n  provider_name = %s\n}\n", a, a, ref(aliases[a]))
					}
					return b.String()
				}
				s := startServer(t, testserver.Options{})
				// count keeps the surviving provider at index 0.
				r := newCLIRun(t, s, cfg([]string{"b", "a"}, map[string]string{"x": "a", "y": "a", "z": "b"}))
				r.run(0, nil, "apply", "-auto-approve", "-no-color")
				wantServer(t, s, []string{"a", "b"}, map[string]string{"x": "a", "y": "a", "z": "b"})

				// Remove provider a; retarget x to b; delete y.
				writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+cfg([]string{"b"}, map[string]string{"x": "b", "z": "b"}))
				r.run(0, nil, "apply", "-auto-approve", "-no-color")
				wantServer(t, s, []string{"b"}, map[string]string{"x": "b", "z": "b"})
				r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
				r.run(0, nil, "destroy", "-auto-approve", "-no-color")
				wantServer(t, s, nil, map[string]string{})
			})
		}
	}
}

func hclList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// testAccLiteralNames is what `terraform plan -generate-config-out` writes for
// the guide's configuration: aliases name their providers as literal strings,
// so nothing orders them after the providers.
const testAccLiteralNames = `
resource "aegis_llm_provider" "gpt_4o" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}

resource "aegis_llm_provider" "gpt_4o_mini" {
  name    = "gpt-4o-mini"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o-mini"
}

resource "aegis_llm_provider" "claude_3_5_haiku" {
  name    = "claude-3-5-haiku"
  type    = "anthropic"
  api_key = "env:ANTHROPIC_API_KEY"
  model   = "claude-3-5-haiku-20241022"
}

resource "aegis_llm_provider" "ollama_qwen" {
  name     = "ollama-qwen"
  type     = "ollama"
  base_url = "http://localhost:11434"
  model    = "qwen2.5-coder:32b"
}

resource "aegis_llm_alias" "default" {
  name          = "default"
  provider_name = "gpt-4o"
}

resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = "claude-3-5-haiku"
}

resource "aegis_llm_alias" "reasoning" {
  name          = "reasoning"
  provider_name = "gpt-4o"
}

resource "aegis_llm_alias" "local" {
  name          = "local"
  provider_name = "ollama-qwen"
}

resource "aegis_llm_alias" "mini" {
  name          = "mini"
  provider_name = "gpt-4o-mini"
}
`

// literalNamesMany is a generated-style configuration of 3 providers and 12
// aliases named by literal strings, the aliases declared first: more aliases
// than Terraform's default 10 parallelism slots, all without an order to their
// providers.
func literalNamesMany() (tf string, providers []string, aliases map[string]string) {
	providers = []string{"lit-a", "lit-b", "lit-c"}
	aliases = map[string]string{}
	var b strings.Builder
	for i := range 12 {
		name, target := fmt.Sprintf("alias-%02d", i), providers[i%3]
		aliases[name] = target
		fmt.Fprintf(&b, "resource \"aegis_llm_alias\" \"a%02d\" {\n  name          = %q\n  provider_name = %q\n}\n\n", i, name, target)
	}
	for _, p := range providers {
		fmt.Fprintf(&b, "resource \"aegis_llm_provider\" %q {\n  name    = %q\n  type    = \"openai\"\n  api_key = \"env:OPENAI_API_KEY\"\n  model   = \"m-%s\"\n}\n\n", p, p, p)
	}
	return b.String(), providers, aliases
}

// TestAccCLI_literalNames: a configuration whose aliases name providers as
// literal strings is created from scratch and destroyed, each in ONE run, at
// -parallelism=1, the default and 30: an alias whose provider does not exist
// yet is accepted as awaiting it and written in the provider's commit, so no
// alias holds a slot waiting. The next plan is empty and nothing is left
// awaiting.
func TestAccCLI_literalNames(t *testing.T) {
	many, manyProviders, manyAliases := literalNamesMany()
	configs := []struct {
		name      string
		tf        string
		providers []string
		aliases   map[string]string
	}{
		{"guide", testAccLiteralNames, []string{"claude-3-5-haiku", "gpt-4o", "gpt-4o-mini", "ollama-qwen"},
			map[string]string{"default": "gpt-4o", "fast": "claude-3-5-haiku", "reasoning": "gpt-4o", "local": "ollama-qwen", "mini": "gpt-4o-mini"}},
		{"3x12", many, manyProviders, manyAliases},
	}
	for _, c := range configs {
		for _, par := range []string{"1", "", "30"} {
			if c.name == "guide" && par != "1" {
				continue // the 3x12 configuration covers the others
			}
			t.Run(c.name+"/parallelism="+par, func(t *testing.T) {
				s := startServer(t, testserver.Options{})
				r := newCLIRun(t, s, c.tf)
				args := func(cmd ...string) []string {
					if par != "" {
						cmd = append(cmd, "-parallelism="+par)
					}
					return append(cmd, "-auto-approve", "-no-color")
				}
				r.run(0, nil, args("apply")...)
				// How many aliases came before their provider (Terraform's order, not asserted).
				t.Logf("aliases written when their provider came: %d", strings.Count(s.Log(), "alias awaiting its provider written"))
				wantServer(t, s, c.providers, c.aliases)
				r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
				r.run(0, nil, args("destroy")...)
				wantServer(t, s, nil, map[string]string{})
				// And again from scratch, now that every object was gone.
				r.run(0, nil, args("apply")...)
				wantServer(t, s, c.providers, c.aliases)
				r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
			})
		}
	}
}

// TestAccCLI_literalNamesRename: renaming a provider and retargeting its
// aliases, all by literal names, at -parallelism=1 takes one apply in whatever
// order Terraform picks: an alias updated before the new provider exists awaits
// it (keeping its old target until then), the old provider's deletion waits for
// its last alias, and both settle in the commit that creates the new provider.
func TestAccCLI_literalNamesRename(t *testing.T) {
	cfg := func(provider string) string {
		return fmt.Sprintf(`
resource "aegis_llm_alias" "x" {
  name          = "x"
  provider_name = %[1]q
}

resource "aegis_llm_alias" "y" {
  name          = "y"
  provider_name = %[1]q
}

resource "aegis_llm_provider" "p" {
  name    = %[1]q
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}
`, provider)
	}
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, cfg("p-old"))
	r.run(0, nil, "apply", "-parallelism=1", "-auto-approve", "-no-color")
	wantServer(t, s, []string{"p-old"}, map[string]string{"x": "p-old", "y": "p-old"})
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+cfg("p-new"))
	r.run(0, nil, "apply", "-parallelism=1", "-auto-approve", "-no-color")
	wantServer(t, s, []string{"p-new"}, map[string]string{"x": "p-new", "y": "p-new"})
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
}

// TestAccCLI_createOverExisting: a create whose name is taken on the
// orchestrator fails (at plan) with "already exists: import it" and the import
// block; following the hint imports it, and the plan is then empty.
func TestAccCLI_createOverExisting(t *testing.T) {
	s := startServer(t, testserver.Options{ConfigYAML: `llm:
  providers:
    - name: gpt-4o
      type: openai
      api_key: "env:OPENAI_API_KEY"
      model: gpt-4o
  aliases:
    fast: gpt-4o
`})
	before := string(s.ReadConfig())
	body := `
resource "aegis_llm_provider" "main" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}

resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = "gpt-4o"
}
`
	r := newCLIRun(t, s, body)
	out := oneLine(r.run(1, nil, "apply", "-auto-approve", "-no-color"))
	for _, want := range []string{"LLM Provider Already Exists", "LLM Alias Already Exists", "import it", "import { to = aegis_llm_provider.<label> id = \"gpt-4o\" }",
		"import { to = aegis_llm_alias.<label> id = \"fast\" }", "with aegis_llm_provider.main", "with aegis_llm_alias.fast"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply over existing objects lacks %q:\n%s", want, out)
		}
	}
	if got := string(s.ReadConfig()); got != before {
		t.Fatalf("the refused create changed the config file:\n%s", got)
	}
	// Follow the hint.
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+body+`
import {
  to = aegis_llm_provider.main
  id = "gpt-4o"
}

import {
  to = aegis_llm_alias.fast
  id = "fast"
}
`)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
	wantServer(t, s, []string{"gpt-4o"}, map[string]string{"fast": "gpt-4o"})
}

// TestAccCLI_removeProviderUsedElsewhere: a provider removed from the
// configuration while an alias this configuration does not manage still routes
// to it. The apply succeeds and says so; the orchestrator keeps the provider,
// marked deleting, and serves it to that alias (nothing is deleted while
// something routes to it); aegis_node lists the pending deletion; once the other
// alias moves, the provider is gone.
func TestAccCLI_removeProviderUsedElsewhere(t *testing.T) {
	s := startServer(t, testserver.Options{})
	provider := `
resource "aegis_llm_provider" "p" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}
`
	node := `
data "aegis_node" "n" {}

output "pending" {
  value = data.aegis_node.n.pending_deletions
}
`
	r := newCLIRun(t, s, provider+node)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	c := s.Client()
	ctx := context.Background()
	if _, err := c.PutAlias(ctx, "outside", "gpt-4o", client.Precondition{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+node)
	out := oneLine(r.run(0, nil, "apply", "-auto-approve", "-no-color"))
	for _, want := range []string{"LLM Provider Deletion Pending", `Provider "gpt-4o" is still the target of alias(es) outside`, "pending_deletions"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	if _, aliases := serverState(t, s); aliases["outside"] != "gpt-4o" {
		t.Fatalf("the outside alias lost its provider: %v", aliases)
	}
	r.run(0, nil, "apply", "-refresh-only", "-auto-approve", "-no-color")
	if got := oneLine(r.run(0, nil, "output", "-json", "pending")); !strings.Contains(got, `"provider":"gpt-4o"`) || !strings.Contains(got, `"aliases":["outside"]`) {
		t.Errorf("aegis_node pending_deletions: %s", got)
	}
	if _, err := c.DeleteAlias(ctx, "outside", client.Precondition{}); err != nil {
		t.Fatal(err)
	}
	wantServer(t, s, nil, map[string]string{})
}

// TestAccCLI_modelChange: changing a provider's model shows every alias it
// re-routes as an in-place update of model in the review plan, with the new
// value (see also model_change_cli_test.go); after the apply,
// `plan -detailed-exitcode` exits 0, outputs built from the aliases included.
func TestAccCLI_modelChange(t *testing.T) {
	s := startServer(t, testserver.Options{})
	cfg := func(model string) string {
		return fmt.Sprintf(`
resource "aegis_llm_provider" "main" {
  name    = "main"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = %q
}

resource "aegis_llm_provider" "other" {
  name    = "other"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o-mini"
}

resource "aegis_llm_alias" "a" {
  for_each      = toset(["default", "fast"])
  name          = each.key
  provider_name = aegis_llm_provider.main.name
}

resource "aegis_llm_alias" "o" {
  name          = "other"
  provider_name = aegis_llm_provider.other.name
}

output "models" {
  value = { for k, a in aegis_llm_alias.a : k => a.model }
}
`, model)
	}
	r := newCLIRun(t, s, cfg("gpt-4o"))
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+cfg("gpt-4.1"))
	plan := r.run(2, nil, "plan", "-no-color", "-detailed-exitcode")
	for _, want := range []string{`aegis_llm_alias.a["default"] will be updated in-place`, `aegis_llm_alias.a["fast"] will be updated in-place`,
		`~ model = "gpt-4o" -> "gpt-4.1"`, "Plan: 0 to add, 3 to change, 0 to destroy"} {
		if !strings.Contains(plan, want) && !strings.Contains(oneLine(plan), want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, "aegis_llm_alias.o will be") {
		t.Errorf("an alias of another provider is planned to change:\n%s", plan)
	}
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
	if got := oneLine(r.run(0, nil, "output", "-json", "models")); !strings.Contains(got, `"default":"gpt-4.1"`) || !strings.Contains(got, `"fast":"gpt-4.1"`) {
		t.Errorf("outputs after the apply: %s", got)
	}
}

// TestAccCLI_unknownTarget: an alias whose provider neither exists nor is
// declared warns at plan, naming the provider (with literal names the plan
// cannot know whether a resource planned later creates it). The apply succeeds
// with the "Alias Awaits Its Provider" warning naming the provider and what
// happens next; nothing routes to the alias; the next plan shows it to be
// created (exit 2), and once the server's bound passes it is dropped.
func TestAccCLI_unknownTarget(t *testing.T) {
	s := startServer(t, testserver.Options{Args: []string{"--await-provider-timeout", "3s"}})
	r := newCLIRun(t, s, `
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = "nowhere"
}

data "aegis_node" "n" {
  depends_on = [aegis_llm_alias.fast]
}

output "awaiting" {
  value = data.aegis_node.n.awaiting_aliases
}
`)
	plan := oneLine(r.run(0, nil, "plan", "-no-color"))
	if !strings.Contains(plan, "Alias Target Not Found") || !strings.Contains(plan, `Provider "nowhere" does not exist`) ||
		!strings.Contains(plan, "Alias Awaits Its Provider") {
		t.Errorf("plan does not warn about the missing provider and what apply does:\n%s", plan)
	}
	out := oneLine(r.run(0, nil, "apply", "-auto-approve", "-no-color"))
	for _, want := range []string{"Alias Awaits Its Provider", `Provider "nowhere" did not exist`, `alias "fast"`, "drops the alias at", "the next plan shows the alias again"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	gotP, gotA := serverState(t, s)
	if len(gotP) != 0 || len(gotA) != 0 {
		t.Fatalf("the server holds %v %v; the awaiting alias must not be live", gotP, gotA)
	}
	st, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.AwaitingAliases) != 1 || st.AwaitingAliases[0].Alias != "fast" || st.AwaitingAliases[0].Provider != "nowhere" {
		t.Fatalf("status awaiting_aliases: %+v", st.AwaitingAliases)
	}
	if got := r.run(0, nil, "output", "-no-color", "-json", "awaiting"); !strings.Contains(got, `"alias":"fast"`) || !strings.Contains(got, `"provider":"nowhere"`) {
		t.Errorf("aegis_node awaiting_aliases: %s", got)
	}
	// The next drift check is not fooled: the alias is not live. While the
	// server still holds its awaiting write the state keeps it (so that a
	// destroy would cancel it) and the plan writes it again; once dropped (3 s
	// here) the plan creates it.
	again := oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode"))
	rewrite := strings.Contains(again, "aegis_llm_alias.fast will be updated in-place") && strings.Contains(again, `Alias "fast" is not live on provider "nowhere"`)
	if !rewrite && !strings.Contains(again, "aegis_llm_alias.fast will be created") {
		t.Errorf("the next plan does not write the alias again:\n%s", again)
	}
	// After the bound the server drops it.
	for i := 0; ; i++ {
		st, err := s.Client().Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(st.AwaitingAliases) == 0 {
			break
		}
		if i > 300 {
			t.Fatalf("the awaiting alias was never dropped: %+v", st.AwaitingAliases)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The server's stderr reaches s.Log() through a pipe: the line may trail
	// the status by a moment.
	for i := 0; !strings.Contains(s.Log(), "alias awaiting its provider dropped"); i++ {
		if i > 50 {
			t.Error("the server did not log the drop")
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	wantServer(t, s, nil, map[string]string{})
	r.run(2, nil, "plan", "-no-color", "-detailed-exitcode")
}

// TestAccCLI_duplicateNames: two resources of one configuration that manage the
// same provider or alias name fail at plan, and nothing is written.
func TestAccCLI_duplicateNames(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, `
resource "aegis_llm_provider" "one" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}

resource "aegis_llm_provider" "two" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o-mini"
}

resource "aegis_llm_alias" "x" {
  name          = "fast"
  provider_name = aegis_llm_provider.one.name
}

resource "aegis_llm_alias" "y" {
  name          = "fast"
  provider_name = aegis_llm_provider.one.name
}
`)
	out := oneLine(r.run(1, nil, "plan", "-no-color"))
	for _, want := range []string{"Duplicate LLM Provider Name", `also has name = "gpt-4o"`} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	r.run(1, nil, "apply", "-auto-approve", "-no-color")
	wantServer(t, s, nil, map[string]string{})
}

// TestAccCLI_literalKeyNeverPrinted: a literal key in api_key is refused at
// plan naming api_key, and the key appears nowhere in the CLI's output (no
// source snippet with it), on plan, apply and validate.
func TestAccCLI_literalKeyNeverPrinted(t *testing.T) {
	const key = "sk-proj-LITERAL-KEY-VALUE-7c21d9"
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, `
resource "aegis_llm_provider" "p" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "`+key+`"
  model   = "gpt-4o"
}
`)
	for _, args := range [][]string{{"validate", "-no-color"}, {"plan", "-no-color"}, {"apply", "-auto-approve", "-no-color"}} {
		out := r.run(1, nil, args...)
		if !strings.Contains(out, "Invalid api_key") || !strings.Contains(out, "api_key") {
			t.Errorf("%v does not name api_key:\n%s", args, out)
		}
		for _, part := range []string{key, "LITERAL-KEY-VALUE"} {
			if strings.Contains(out, part) {
				t.Errorf("%v printed the key:\n%s", args, out)
			}
		}
	}
	wantServer(t, s, nil, map[string]string{})
}
