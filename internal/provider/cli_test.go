package provider

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// These tests drive the CLI named by TF_ACC_TERRAFORM_PATH directly, with the
// provider as a separate binary installed through dev_overrides — exactly as a
// user runs it — where terraform-plugin-testing cannot look: the human-readable
// plan, warnings, TF_LOG=trace output and the files the CLI writes.

var (
	providerBinOnce sync.Once
	providerBinDir  string
	errProviderBin  error
)

// cliRun is one working directory for the real CLI with the provider binary.
type cliRun struct {
	t   *testing.T
	dir string
	env []string
	log bytes.Buffer // every command's combined output
}

func newCLIRun(t *testing.T, s *testserver.Server, mainTF string) *cliRun {
	t.Helper()
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || tf == "" {
		t.Skip("acceptance test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH (scripts/testacc.sh does)")
	}
	providerBinOnce.Do(func() {
		providerBinDir, errProviderBin = os.MkdirTemp("", "aegis-provider-bin-") //nolint:usetesting // shared by every test of the process, built once
		if errProviderBin == nil {
			out, err := exec.Command("go", "build", "-o", filepath.Join(providerBinDir, "terraform-provider-aegis"), //nolint:gosec // fixed arguments
				"github.com/100monkeys-ai/terraform-provider-aegis").CombinedOutput()
			if err != nil {
				errProviderBin = &buildError{err: err, out: out}
			}
		}
	})
	if errProviderBin != nil {
		t.Fatal(errProviderBin)
	}
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
	writeFile(t, filepath.Join(work, "main.tf"), `terraform {
  required_providers {
    aegis = {
      source = "100monkeys-ai/aegis"
    }
  }
}
`+mainTF)
	return &cliRun{t: t, dir: work, env: append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		EnvEndpoint+"="+s.URL,
		EnvToken+"="+s.Token,
	)}
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

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string {
	return "building the provider: " + e.err.Error() + "\n" + string(e.out)
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
