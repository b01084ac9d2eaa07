package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// The review plan of a provider's model change shows the concrete new model on
// every alias it re-routes (issue 11), through the record that the alias's
// refresh keeps in its private state (alias_stash.go), and the re-plan during
// apply agrees with it on every CLI: no "inconsistent final plan", no
// correction warning, no false drift afterwards.

// modelChangeConfig: provider "main" (model given), aliases a["default"] and
// a["fast"] routed to it and "other" routed to another provider. With literal,
// provider_name is the string (what -generate-config-out writes), so nothing
// orders the aliases after their providers, and there is no output: an alias
// that Terraform plans before its provider cannot show the provider's change,
// and records the new model only at the next refresh (docs/reliability.md).
func modelChangeConfig(model string, literal bool) string {
	target := "aegis_llm_provider.main.name"
	other := "aegis_llm_provider.other.name"
	if literal {
		target, other = `"main"`, `"other"`
	}
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
  for_each      = toset(["default", "fast", "reasoning", "review"])
  name          = each.key
  provider_name = %s
}

resource "aegis_llm_alias" "o" {
  name          = "other"
  provider_name = %s
}
`, model, target, other) + map[bool]string{false: `
output "models" {
  value = { for k, a in aegis_llm_alias.a : k => a.model }
}
`}[literal]
}

// wantServerModels checks the server's final configuration: main serves model,
// every alias of a[] resolves to it, "other" is untouched.
func wantServerModels(t *testing.T, s *testserver.Server, model string) {
	t.Helper()
	cfg, err := s.Client().GetConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Provider("main"); p == nil || p.Model != model {
		t.Fatalf("provider main on the server: %+v, want model %s", p, model)
	}
	for _, name := range []string{"default", "fast", "reasoning", "review"} {
		if a := cfg.Alias(name); a == nil || a.Provider != "main" || a.Model != model {
			t.Errorf("alias %s on the server: %+v, want main/%s", name, a, model)
		}
	}
	if a := cfg.Alias("other"); a == nil || a.Provider != "other" || a.Model != "gpt-4o-mini" {
		t.Errorf("alias other on the server: %+v", a)
	}
}

// aliasPuts counts the alias writes in the server's request log.
func aliasPuts(s *testserver.Server) int {
	return strings.Count(s.Log(), "method=PUT path=/v1/admin/llm/aliases/")
}

// checkModelChangeApply checks an apply's output: it exits 0 (checked by the
// caller), and neither the CLI nor the provider had to correct the plan.
func checkModelChangeApply(t *testing.T, out string) {
	t.Helper()
	for _, bad := range []string{"inconsistent", "Alias Target Changed During Apply", "Error"} {
		if strings.Contains(out, bad) {
			t.Errorf("apply output contains %q:\n%s", bad, out)
		}
	}
}

// TestAccCLI_modelChangeShowsNewModel: aliases that reference their provider.
// The review plan shows `~ model = "gpt-4o" -> "gpt-4.1"` on each re-routed alias
// (with `terraform apply`, and with `plan -out` + `apply planfile`); the apply
// writes no alias and prints no warning; the next `plan -detailed-exitcode`
// exits 0, outputs included; the server holds the new model.
func TestAccCLI_modelChangeShowsNewModel(t *testing.T) {
	for _, mode := range []string{"apply", "planfile"} {
		t.Run(mode, func(t *testing.T) {
			s := startServer(t, testserver.Options{})
			r := newCLIRun(t, s, modelChangeConfig("gpt-4o", false))
			r.run(0, nil, "apply", "-auto-approve", "-no-color")
			puts := aliasPuts(s)
			for i, model := range []string{"gpt-4.1", "gpt-4o"} { // and back
				old := map[bool]string{true: "gpt-4o", false: "gpt-4.1"}[i == 0]
				writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+modelChangeConfig(model, false))
				args := []string{"plan", "-no-color", "-detailed-exitcode"}
				if mode == "planfile" {
					args = append(args, "-out=tfplan")
				}
				plan := r.run(2, nil, args...)
				for _, name := range []string{"default", "fast", "reasoning", "review"} {
					if want := fmt.Sprintf("aegis_llm_alias.a[%q] will be updated in-place", name); !strings.Contains(plan, want) {
						t.Errorf("plan lacks %q:\n%s", want, plan)
					}
				}
				if want := fmt.Sprintf(`~ model = %q -> %q`, old, model); strings.Count(oneLine(plan), want) != 5 { // the provider and four aliases
					t.Errorf("plan does not show %q five times:\n%s", want, plan)
				}
				if strings.Contains(plan, "known after apply") || strings.Contains(plan, "aegis_llm_alias.o will be") {
					t.Errorf("plan shows an unknown value or changes an alias of another provider:\n%s", plan)
				}
				if !strings.Contains(plan, "Plan: 0 to add, 5 to change, 0 to destroy") {
					t.Errorf("plan summary:\n%s", plan)
				}
				var out string
				if mode == "planfile" {
					out = r.run(0, nil, "apply", "-no-color", "tfplan")
				} else {
					out = r.run(0, nil, "apply", "-auto-approve", "-no-color")
				}
				checkModelChangeApply(t, out)
				wantServerModels(t, s, model)
				if got := aliasPuts(s); got != puts {
					t.Errorf("the apply wrote %d aliases; a re-routed alias has nothing of its own to write", got-puts)
				}
				if n := aliasRecords(t, r); n != 0 {
					t.Errorf("%d planned-target records outlived the apply", n)
				}
				r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
				if got := oneLine(r.run(0, nil, "output", "-json", "models")); strings.Count(got, `":"`+model+`"`) != 4 {
					t.Errorf("outputs after the apply: %s", got)
				}
			}
		})
	}
}

// TestAccCLI_modelChangeLiteralNames: the same change with provider_name as a
// literal string, where Terraform may plan (and re-plan during apply) an alias
// before or after its provider: the apply succeeds every time, at
// -parallelism=1 and the default, without a correction warning; the next
// `plan -detailed-exitcode` exits 0. An alias planned after its provider shows
// the new model, one planned before it the old one, and a re-plan during apply
// must agree with either.
func TestAccCLI_modelChangeLiteralNames(t *testing.T) {
	for _, par := range []string{"1", ""} {
		t.Run("parallelism="+par, func(t *testing.T) {
			s := startServer(t, testserver.Options{})
			// Created with references (creating with literal names is
			// TestAccCLI_literalNames' subject), then managed with literal ones.
			r := newCLIRun(t, s, modelChangeConfig("gpt-4o", false))
			r.run(0, nil, "apply", "-auto-approve", "-no-color")
			writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+modelChangeConfig("gpt-4o", true))
			r.run(0, nil, "apply", "-auto-approve", "-no-color") // drops the output
			apply := func(extra ...string) string {
				args := []string{"apply", "-auto-approve", "-no-color"}
				if par != "" {
					args = append(args, "-parallelism="+par)
				}
				return r.run(0, nil, append(args, extra...)...)
			}
			old := "gpt-4o"
			for _, model := range []string{"gpt-4.1", "gpt-4o", "gpt-4.1-mini", "gpt-4o"} {
				writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+modelChangeConfig(model, true))
				out := apply()
				checkModelChangeApply(t, out)
				t.Logf("%s -> %s: %d of 4 aliases planned with the new model, %d as known after apply", old, model,
					strings.Count(oneLine(out), fmt.Sprintf("~ model = %q -> %q", old, model))-1, strings.Count(oneLine(out), fmt.Sprintf("~ model = %q -> (known after apply)", old)))
				old = model
				wantServerModels(t, s, model)
				r.run(0, nil, "plan", "-no-color", "-detailed-exitcode", "-refresh=true")
			}
		})
	}
}

// setAliasRecords writes rec as the planned-target record of every instance of
// aegis_llm_alias.a in the local state file, as an earlier run could have left it
// (the framework's private state: a JSON object of base64 JSON values).
func setAliasRecords(t *testing.T, r *cliRun, rec plannedTarget) {
	t.Helper()
	var state map[string]any
	if err := json.Unmarshal([]byte(r.file("terraform.tfstate")), &state); err != nil {
		t.Fatal(err)
	}
	recJSON, _ := json.Marshal(rec)
	priv, _ := json.Marshal(map[string][]byte{plannedTargetKey: recJSON})
	n := 0
	for _, res := range state["resources"].([]any) {
		res := res.(map[string]any)
		if res["type"] != "aegis_llm_alias" || res["name"] != "a" {
			continue
		}
		for _, inst := range res["instances"].([]any) {
			inst.(map[string]any)["private"] = base64.StdEncoding.EncodeToString(priv)
			n++
		}
	}
	if n != 4 {
		t.Fatalf("found %d instances of aegis_llm_alias.a in the state", n)
	}
	out, _ := json.MarshalIndent(state, "", "  ")
	writeFile(t, filepath.Join(r.dir, "terraform.tfstate"), string(out))
}

func mainRevision(t *testing.T, s *testserver.Server) string {
	t.Helper()
	cfg, err := s.Client().GetConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Provider("main").Revision
}

// TestAccCLI_modelChangeNoRefresh: `plan -refresh=false` makes no new record, so
// the re-routed aliases plan as known after apply; a record that an earlier run
// left in state is not used once the provider changed since (its revision is
// neither the one that run saw nor the one it planned), nor when this run plans
// another model for the provider. A record that is still current is (the
// control that shows the records reach the provider).
func TestAccCLI_modelChangeNoRefresh(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, modelChangeConfig("gpt-4o", false))
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	rev4o := mainRevision(t, s)
	setModel := func(model string) {
		writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+modelChangeConfig(model, false))
	}
	planShows := func(want string, wantCount int) {
		t.Helper()
		plan := oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode", "-refresh=false"))
		if got := strings.Count(plan, want); got != wantCount {
			t.Errorf("plan -refresh=false shows %q %d times, want %d:\n%s", want, got, wantCount, plan)
		}
	}
	setModel("gpt-4.1")
	planShows(`~ model = "gpt-4o" -> (known after apply)`, 4)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	rev41 := mainRevision(t, s)
	old := plannedTarget{Provider: "main", From: rev4o, To: rev41, Model: "gpt-4.1", Type: "openai"}

	// The provider is at the record's planned revision, but this run plans another model.
	setModel("gpt-4.1-mini")
	setAliasRecords(t, r, old)
	if n := aliasRecords(t, r); n != 4 {
		t.Fatalf("aliasRecords found %d of the 4 records just written", n)
	}
	planShows(`~ model = "gpt-4.1" -> (known after apply)`, 4)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	wantServerModels(t, s, "gpt-4.1-mini")

	// This run plans the record's model, but the provider changed since the record was made.
	setModel("gpt-4.1")
	setAliasRecords(t, r, old)
	planShows(`~ model = "gpt-4.1-mini" -> (known after apply)`, 4)

	// Control: a record made against the provider as it is now is used.
	setAliasRecords(t, r, plannedTarget{Provider: "main", From: mainRevision(t, s), To: rev41, Model: "gpt-4.1", Type: "openai"})
	planShows(`~ model = "gpt-4.1-mini" -> "gpt-4.1"`, 5)
	r.run(0, nil, "apply", "-auto-approve", "-no-color", "-refresh=false")
	wantServerModels(t, s, "gpt-4.1")
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
	if n := aliasRecords(t, r); n != 0 {
		t.Errorf("%d planned-target records outlived the apply", n)
	}
}

// aliasRecords counts the alias instances whose private state holds a record.
func aliasRecords(t *testing.T, r *cliRun) int {
	t.Helper()
	var state struct {
		Resources []struct {
			Type      string
			Instances []struct{ Private string }
		}
	}
	if err := json.Unmarshal([]byte(r.file("terraform.tfstate")), &state); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, res := range state.Resources {
		for _, inst := range res.Instances {
			if res.Type != "aegis_llm_alias" || inst.Private == "" {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(inst.Private)
			var priv map[string]json.RawMessage
			if err == nil {
				err = json.Unmarshal(raw, &priv)
			}
			if err != nil {
				t.Fatalf("private state %q: %v", inst.Private, err)
			}
			if _, ok := priv[plannedTargetKey]; ok {
				n++
			}
		}
	}
	return n
}

// TestAccCLI_retargetRemodelLiteralNames: with literal provider_names, one
// apply retargets four aliases onto a provider whose model it also changes
// (and back the other way), five times in a row at -parallelism=1 and the
// default. Terraform may plan an alias before that provider and re-plan it after
// it during apply; the plan must not have promised a model the re-plan cannot
// repeat: every apply exits 0 without "inconsistent final plan", the server
// holds the declared routes and models, and the next plan is empty.
func TestAccCLI_retargetRemodelLiteralNames(t *testing.T) {
	cfg := func(target, otherModel string) string {
		return fmt.Sprintf(`
resource "aegis_llm_provider" "main" {
  name    = "main"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}

resource "aegis_llm_provider" "other" {
  name    = "other"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = %q
}

resource "aegis_llm_alias" "a" {
  for_each      = toset(["default", "fast", "reasoning", "review"])
  name          = each.key
  provider_name = %q
}
`, otherModel, target)
	}
	for _, par := range []string{"1", ""} {
		t.Run("parallelism="+par, func(t *testing.T) {
			s := startServer(t, testserver.Options{})
			r := newCLIRun(t, s, cfg("main", "o0"))
			r.run(0, nil, "apply", "-auto-approve", "-no-color")
			for i, st := range [][2]string{{"other", "o1"}, {"main", "o2"}, {"other", "o3"}, {"main", "o4"}, {"other", "o5"}} {
				writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+cfg(st[0], st[1]))
				args := []string{"apply", "-auto-approve", "-no-color"}
				if par != "" {
					args = append(args, "-parallelism="+par)
				}
				if out := r.run(0, nil, args...); strings.Contains(out, "inconsistent") {
					t.Errorf("step %d: %s", i, out)
				}
				c, err := s.Client().GetConfig(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				model := map[string]string{"main": "gpt-4o", "other": st[1]}[st[0]]
				for _, name := range []string{"default", "fast", "reasoning", "review"} {
					if a := c.Alias(name); a == nil || a.Provider != st[0] || a.Model != model {
						t.Errorf("step %d: alias %s on the server: %+v, want %s/%s", i, name, a, st[0], model)
					}
				}
				r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
			}
		})
	}
}
