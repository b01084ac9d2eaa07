package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// These tests drive the CLI named by TF_ACC_TERRAFORM_PATH directly, with the
// provider as a separate binary installed through dev_overrides — exactly as a
// user runs it — where terraform-plugin-testing cannot look: the human-readable
// plan, warnings, TF_LOG=trace output and the files the CLI writes.

const testAccTerraformBlock = `terraform {
  required_providers {
    aegis = {
      source = "100monkeys-ai/aegis"
    }
  }
}
`

// cliRun is one working directory for the real CLI with the provider binary.
type cliRun struct {
	t   *testing.T
	dir string
	env []string
	log bytes.Buffer // every command's combined output
}

// newCLIRun prepares a working directory; with a server, AEGIS_ENDPOINT and
// AEGIS_TOKEN point at it.
func newCLIRun(t *testing.T, s *testserver.Server, mainTF string) *cliRun {
	t.Helper()
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || tf == "" {
		t.Skip("acceptance test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH (scripts/testacc.sh does)")
	}
	providerBinDir := filepath.Dir(testserver.ProviderBinary(t))
	dir := t.TempDir()
	cliConfig := filepath.Join(dir, "cli.tfrc")
	writeFile(t, cliConfig, `provider_installation {
  dev_overrides {
    "100monkeys-ai/aegis" = "`+providerBinDir+`"
  }
  direct {}
}
`)
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(work, "main.tf"), testAccTerraformBlock+mainTF)
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	if s != nil {
		env = append(env, EnvEndpoint+"="+s.URL, EnvToken+"="+s.Token)
	}
	return &cliRun{t: t, dir: work, env: env}
}

// run runs the CLI and returns stdout+stderr; it fails the test when the exit
// code is not the wanted one.
func (r *cliRun) run(wantCode int, extraEnv []string, args ...string) string {
	r.t.Helper()
	cmd := r.command(extraEnv, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	started := time.Now()
	err := cmd.Run()
	r.t.Logf("%s %v: %.1fs", filepath.Base(cmd.Path), args, time.Since(started).Seconds())
	code := 0
	if ee, ok := err.(*exec.ExitError); ok { //nolint:errorlint // exec returns *ExitError directly
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatalf("running %v: %v", args, err)
	}
	r.log.Write(out.Bytes())
	if code != wantCode {
		r.t.Fatalf("%v exited %d, want %d:\n%s", args, code, wantCode, out.String())
	}
	return out.String()
}

func (r *cliRun) command(extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), args...) //nolint:gosec // test harness
	cmd.Dir = r.dir
	cmd.Env = append(append([]string{}, r.env...), extraEnv...)
	return cmd
}

func (r *cliRun) file(name string) string {
	b, err := os.ReadFile(filepath.Join(r.dir, name)) //nolint:gosec // test file
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

const testAccSeedAliases = `
variable "default_provider" {
  type    = string
  default = "gpt-4o"
}

variable "fast_provider" {
  type    = string
  default = "claude-3-5-haiku"
}

resource "aegis_llm_provider" "p" {
  for_each = {
    "gpt-4o"           = { type = "openai", key = "env:OPENAI_API_KEY", model = "gpt-4o" }
    "gpt-4o-mini"      = { type = "openai", key = "env:OPENAI_API_KEY", model = "gpt-4o-mini" }
    "claude-3-5-haiku" = { type = "anthropic", key = "env:ANTHROPIC_API_KEY", model = "claude-3-5-haiku-20241022" }
  }
  name    = each.key
  type    = each.value.type
  api_key = each.value.key
  model   = each.value.model
}

resource "aegis_llm_alias" "default" {
  name          = "default"
  provider_name = aegis_llm_provider.p[var.default_provider].name
}

resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = aegis_llm_provider.p[var.fast_provider].name
}
`

// TestAccProvider_secretsNeverLeak: with real values in the environment the
// references resolve against and TF_LOG=trace, neither the state, the plan JSON,
// the CLI output and logs nor the server log contain a secret or the admin token.
func TestAccProvider_secretsNeverLeak(t *testing.T) {
	const openAIKey = "sk-proj-REAL-SECRET-VALUE-4f9a2c"
	const anthropicKey = "sk-ant-REAL-SECRET-VALUE-77b1d0"
	s := startServer(t, testserver.Options{Env: []string{"OPENAI_API_KEY=" + openAIKey, "ANTHROPIC_API_KEY=" + anthropicKey}})
	r := newCLIRun(t, s, testAccSeedAliases)
	logPath := filepath.Join(r.dir, "trace.log")
	trace := []string{"TF_LOG=trace", "TF_LOG_PATH=" + logPath}

	r.run(0, trace, "apply", "-auto-approve", "-no-color")
	r.run(0, trace, "plan", "-no-color", "-out=plan.bin", "-var", "fast_provider=gpt-4o-mini")
	planJSON := r.run(0, trace, "show", "-json", "plan.bin")
	stateJSON := r.run(0, trace, "show", "-json")
	r.run(0, trace, "destroy", "-auto-approve", "-no-color")

	traceLog := r.file("trace.log")
	corpora := map[string]string{
		"CLI output": r.log.String(), "trace log": traceLog, "plan JSON": planJSON,
		"state JSON": stateJSON, "state file": r.file("terraform.tfstate"), "server log": s.Log(),
	}
	// The checks below must be able to fail: the corpora really hold what they should.
	if !strings.Contains(traceLog, "AEGIS admin API request") {
		t.Fatalf("the trace log holds no provider request logs; cannot judge it:\n%.2000s", traceLog)
	}
	if !strings.Contains(stateJSON, "env:OPENAI_API_KEY") || !strings.Contains(planJSON, "env:ANTHROPIC_API_KEY") {
		t.Fatal("state or plan JSON lacks the credential references")
	}
	for name, text := range corpora {
		for _, secret := range []string{openAIKey, anthropicKey, s.Token} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains a secret value (%.12s...)", name, secret)
			}
		}
	}
}

// TestAccLLMAlias_reviewPlan: the human-readable plan shows the model an alias is
// re-routed to, and retargeting "default" warns that every agent is affected.
func TestAccLLMAlias_reviewPlan(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, testAccSeedAliases)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")

	out := r.run(2, nil, "plan", "-no-color", "-detailed-exitcode", "-var", "fast_provider=gpt-4o-mini")
	if !strings.Contains(out, `"claude-3-5-haiku-20241022" -> "gpt-4o-mini"`) {
		t.Errorf("plan does not show the fast alias re-routing claude-3-5-haiku-20241022 -> gpt-4o-mini:\n%s", out)
	}
	if strings.Contains(out, "Retargeting the Default Alias") {
		t.Errorf("a fast-only change warned about the default alias:\n%s", out)
	}

	out = r.run(2, nil, "plan", "-no-color", "-detailed-exitcode", "-var", "default_provider=claude-3-5-haiku")
	for _, want := range []string{"Retargeting the Default Alias", `"gpt-4o" (openai, model gpt-4o)`, `"claude-3-5-haiku" (anthropic, model claude-3-5-haiku-20241022)`, `"gpt-4o" -> "claude-3-5-haiku-20241022"`} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("default retarget plan lacks %q:\n%s", want, out)
		}
	}
	// No changes: -detailed-exitcode 0, which is what a CI drift check relies on.
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
	r.run(0, nil, "destroy", "-auto-approve", "-no-color")
}

const testAccRetargetAndRemodel = `
variable "mini_model" {
  type    = string
  default = "gpt-4o-mini"
}

variable "fast_target" {
  type    = string
  default = "haiku"
}

resource "aegis_llm_provider" "mini" {
  name    = "gpt-4o-mini"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = var.mini_model
}

resource "aegis_llm_provider" "haiku" {
  name    = "claude-3-5-haiku"
  type    = "anthropic"
  api_key = "env:ANTHROPIC_API_KEY"
  model   = "claude-3-5-haiku-20241022"
}

resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = var.fast_target == "mini" ? aegis_llm_provider.mini.name : aegis_llm_provider.haiku.name
}

resource "aegis_llm_alias" "default" {
  name          = "default"
  provider_name = aegis_llm_provider.mini.name
}
`

// TestAccLLMAlias_retargetWhileTargetChanges: one apply retargets an alias and
// changes the model of its new target. The plan shows the alias's model as known
// after apply (the provider's plan came first); the apply succeeds (no
// "inconsistent final plan") and records the new model. The model change also
// warns that the aliases on that provider — default among them — are re-routed.
func TestAccLLMAlias_retargetWhileTargetChanges(t *testing.T) {
	s := startServer(t, testserver.Options{Env: []string{"OPENAI_API_KEY=k", "ANTHROPIC_API_KEY=k"}})
	r := newCLIRun(t, s, testAccRetargetAndRemodel)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	vars := []string{"-var", "fast_target=mini", "-var", "mini_model=gpt-4o-mini-2024-07-18"}
	plan := oneLine(r.run(2, nil, append([]string{"plan", "-no-color", "-detailed-exitcode"}, vars...)...))
	for _, want := range []string{"Aliases Re-routed", "Aliases default route to provider \"gpt-4o-mini\"", "This includes \"default\""} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	if strings.Contains(plan, "revision = \"") && strings.Contains(plan, "-> (known after apply)") &&
		strings.Contains(plan, "credential_source") {
		t.Errorf("plan shows computed values as known after apply:\n%s", plan)
	}
	out := oneLine(r.run(0, nil, append([]string{"apply", "-auto-approve", "-no-color"}, vars...)...))
	// The plan knew that the new target's model changes in this run (the
	// provider's plan came first), so it showed the alias's model as known after
	// apply: the apply records the new model without a correction warning.
	if !strings.Contains(out, `~ model = "claude-3-5-haiku-20241022" -> (known after apply)`) || strings.Contains(out, "Alias Target Changed During Apply") {
		t.Errorf("apply output:\n%s", out)
	}
	r.run(0, nil, append([]string{"apply", "-refresh-only", "-auto-approve", "-no-color"}, vars...)...)
	state := r.run(0, nil, "state", "show", "aegis_llm_alias.fast")
	if !strings.Contains(state, `"gpt-4o-mini-2024-07-18"`) {
		t.Errorf("after a refresh the alias does not show the new model:\n%s", state)
	}
	r.run(0, nil, append([]string{"plan", "-no-color", "-detailed-exitcode"}, vars...)...)
}

// TestAccLLMProvider_replaceWithAliases: renaming a provider that aliases point
// to works in one apply, with create_before_destroy (the replacement exists and
// the aliases move before the old one is deleted) and without it (the old one is
// deleted once its last alias has moved).
func TestAccLLMProvider_replaceWithAliases(t *testing.T) {
	s := startServer(t, testserver.Options{})
	cfg := func(name, lifecycle string) string {
		return fmt.Sprintf(`
resource "aegis_llm_provider" "p" {
  name    = %q
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
%s}

resource "aegis_llm_alias" "a" {
  for_each      = toset(["default", "review"])
  name          = each.key
  provider_name = aegis_llm_provider.p.name
}
`, name, lifecycle)
	}
	cbd := "  lifecycle {\n    create_before_destroy = true\n  }\n"
	r := newCLIRun(t, s, cfg("gpt-4o", cbd))
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	writeFile(t, filepath.Join(r.dir, "main.tf"), testAccTerraformBlock+cfg("gpt-4o-renamed", cbd))
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	for _, a := range []string{"default", "review"} {
		if got, err := s.Client().GetAlias(context.Background(), a); err != nil || got.Provider != "gpt-4o-renamed" {
			t.Fatalf("alias %s after the rename: %+v %v", a, got, err)
		}
	}
	if _, err := s.Client().GetProvider(context.Background(), "gpt-4o"); !client.IsNotFound(err) {
		t.Fatalf("the old provider still exists: %v", err)
	}
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")

	// Without create_before_destroy the old provider is deleted first: it is
	// marked deleting, keeps serving its aliases, and goes in the commit in which
	// the last of them moves to the replacement — all in one apply.
	s2 := startServer(t, testserver.Options{})
	r2 := newCLIRun(t, s2, cfg("gpt-4o", ""))
	r2.run(0, nil, "apply", "-auto-approve", "-no-color")
	writeFile(t, filepath.Join(r2.dir, "main.tf"), testAccTerraformBlock+cfg("gpt-4o-renamed", ""))
	out := oneLine(r2.run(0, nil, "apply", "-auto-approve", "-no-color"))
	if !strings.Contains(out, "LLM Provider Deletion Pending") || !strings.Contains(out, "default, review") {
		t.Errorf("rename output does not say the deletion waits for the aliases:\n%s", out)
	}
	wantServer(t, s2, []string{"gpt-4o-renamed"}, map[string]string{"default": "gpt-4o-renamed", "review": "gpt-4o-renamed"})
	r2.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
}
