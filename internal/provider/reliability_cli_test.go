package provider

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

const testAccAliasOnly = `
variable "target" {
  type = string
}

import {
  to = aegis_llm_alias.fast
  id = "fast"
}

resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = var.target
}
`

// TestAccLLMAlias_concurrentApplies: two Terraform states change the same alias
// at once from plans made against the same revision. Exactly one wins; the other
// fails with "changed outside this run" and overwrites nothing. Re-planning then
// applies cleanly, and the first state sees the change as drift.
func TestAccLLMAlias_concurrentApplies(t *testing.T) {
	s := startServer(t, testserver.Options{})
	a := newCLIRun(t, s, testAccSeedAliases)
	a.run(0, nil, "apply", "-auto-approve", "-no-color")
	b := newCLIRun(t, s, testAccAliasOnly)
	b.run(0, nil, "apply", "-auto-approve", "-no-color", "-var", "target=claude-3-5-haiku")

	a.run(2, nil, "plan", "-no-color", "-detailed-exitcode", "-out=a.plan", "-var", "fast_provider=gpt-4o")
	b.run(2, nil, "plan", "-no-color", "-detailed-exitcode", "-out=b.plan", "-var", "target=gpt-4o-mini")

	type result struct {
		code int
		out  string
	}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i, r := range []*cliRun{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i].code, results[i].out = r.try(nil, "apply", "-no-color", map[int]string{0: "a.plan", 1: "b.plan"}[i])
		}()
	}
	wg.Wait()
	winner, loser := 0, 1
	if results[0].code != 0 {
		winner, loser = 1, 0
	}
	if results[winner].code != 0 || results[loser].code == 0 {
		t.Fatalf("want exactly one apply to succeed, got exit codes %d and %d:\n%s\n%s", results[0].code, results[1].code, results[0].out, results[1].out)
	}
	if !strings.Contains(results[loser].out, "LLM Alias Changed Outside This Run") || !strings.Contains(oneLine(results[loser].out), "Run `terraform plan` again") {
		t.Fatalf("the losing apply does not say the alias changed outside the run:\n%s", results[loser].out)
	}
	wantTarget := map[int]string{0: "gpt-4o", 1: "gpt-4o-mini"}
	got, err := s.Client().GetAlias(context.Background(), "fast")
	if err != nil {
		t.Fatal(err)
	}
	if got.Provider != wantTarget[winner] {
		t.Fatalf("alias points to %q after the race, want the winner's %q (lost update)", got.Provider, wantTarget[winner])
	}
	// The loser re-plans and applies; the winner now sees drift.
	losers := map[int][]string{0: {"-var", "fast_provider=gpt-4o"}, 1: {"-var", "target=gpt-4o-mini"}}
	lr := []*cliRun{a, b}[loser]
	lr.run(0, nil, append([]string{"apply", "-auto-approve", "-no-color"}, losers[loser]...)...)
	wr := []*cliRun{a, b}[winner]
	wr.run(2, nil, append([]string{"plan", "-no-color", "-detailed-exitcode"}, losers[winner]...)...)
}

// TestAccProvider_defaultParallelism: an apply of 30 providers and 30 aliases at
// Terraform's default parallelism (10) against one server never runs into a 409
// or 412 by itself, and the server group-commits the writes into few reloads.
func TestAccProvider_defaultParallelism(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, `
resource "aegis_llm_provider" "p" {
  count   = 30
  name    = "p-${count.index}"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o-${count.index}"
}

resource "aegis_llm_alias" "a" {
  count         = 30
  name          = "a-${count.index}"
  provider_name = aegis_llm_provider.p[count.index].name
}
`)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
	st, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	log := s.Log()
	if !strings.Contains(log, "status=201") {
		t.Fatalf("server access log holds no creates; cannot judge it:\n%.2000s", log)
	}
	for _, bad := range []string{"status=409", "status=412"} {
		if strings.Contains(log, bad) {
			t.Errorf("the server answered %s during a plain apply", bad)
		}
	}
	t.Logf("60 creates caused %d reloads", st.ReloadsTotal)
	if st.ReloadsTotal >= 60 {
		t.Errorf("60 creates caused %d reloads: no group commit", st.ReloadsTotal)
	}
	r.run(0, nil, "destroy", "-auto-approve", "-no-color")
}

// TestAccProvider_reloadFailure: in sidecar mode a failing reload command fails
// the apply with the command's exit status (its output goes to the server log only); the file is rolled back and the live
// generation unchanged; once the command works again the next apply succeeds.
func TestAccProvider_reloadFailure(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "daemon-broken")
	script := filepath.Join(dir, "reload.sh")
	writeFile(t, script, "#!/bin/sh\nif [ -e '"+marker+"' ]; then echo 'aegis daemon: provider table rejected' >&2; exit 3; fi\n")
	if err := os.Chmod(script, 0o700); err != nil { //nolint:gosec // test script must be executable
		t.Fatal(err)
	}
	s := startServer(t, testserver.Options{Args: []string{"--reload-command", script}})
	r := newCLIRun(t, s, testAccSeedAliases)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")

	before := s.ReadConfig()
	st, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, marker, "")
	out := r.run(1, nil, "apply", "-auto-approve", "-no-color", "-var", "fast_provider=gpt-4o-mini")
	for _, want := range []string{"reload failed", "exit status 3", "previous configuration stays live", "admin server's log"} {
		if !strings.Contains(oneLine(out), want) {
			t.Errorf("failed apply output lacks %q:\n%s", want, out)
		}
	}
	// The command's output goes to the server's log only (docs/security.md).
	if strings.Contains(out, "provider table rejected") || !strings.Contains(s.Log(), "provider table rejected") {
		t.Errorf("the reload command's output must be in the server log and not in the apply output:\n%s", out)
	}
	if after := s.ReadConfig(); !bytes.Equal(before, after) {
		t.Errorf("config file not rolled back:\n%s", after)
	}
	st2, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st2.Generation != st.Generation {
		t.Errorf("live generation moved from %d to %d on a failed reload", st.Generation, st2.Generation)
	}
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}
	r.run(0, nil, "apply", "-auto-approve", "-no-color", "-var", "fast_provider=gpt-4o-mini")
	if a, err := s.Client().GetAlias(context.Background(), "fast"); err != nil || a.Provider != "gpt-4o-mini" {
		t.Fatalf("after the fix the alias is %+v (%v)", a, err)
	}
	r.run(0, nil, "destroy", "-auto-approve", "-no-color", "-var", "fast_provider=gpt-4o-mini")
}

// TestAccProvider_tls: the server serves HTTPS; the provider trusts it through
// ca_cert_pem, refuses it without, and insecure_skip_verify works with a warning.
func TestAccProvider_tls(t *testing.T) {
	dir := t.TempDir()
	certs := testserver.WriteCerts(t, dir)
	caPEM, certFile, keyFile := certs.CAPEM, certs.CertFile, certs.KeyFile
	s := startServer(t, testserver.Options{Args: []string{"--tls-cert", certFile, "--tls-key", keyFile}})
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("server URL %q is not https", s.URL)
	}
	data := "data \"aegis_node\" \"this\" {}\n"
	r := newCLIRun(t, s, data+"provider \"aegis\" {\n  ca_cert_pem = file(\"ca.pem\")\n}\n")
	writeFile(t, filepath.Join(r.dir, "ca.pem"), caPEM)
	r.run(0, nil, "plan", "-no-color")

	r2 := newCLIRun(t, s, data)
	out := r2.run(1, nil, "plan", "-no-color")
	if !strings.Contains(oneLine(out), "certificate") || !strings.Contains(oneLine(out), "ca_cert_pem") {
		t.Errorf("untrusted server error does not mention the certificate and ca_cert_pem:\n%s", out)
	}
	r3 := newCLIRun(t, s, data+"provider \"aegis\" {\n  insecure_skip_verify = true\n}\n")
	out = r3.run(0, nil, "plan", "-no-color")
	if !strings.Contains(out, "TLS Verification Disabled") {
		t.Errorf("insecure_skip_verify gives no warning:\n%s", out)
	}
	// The CA can also come from AEGIS_CA_CERT as a file path.
	r4 := newCLIRun(t, s, data)
	writeFile(t, filepath.Join(dir, "env-ca.pem"), caPEM)
	r4.run(0, []string{EnvCACert + "=" + filepath.Join(dir, "env-ca.pem")}, "plan", "-no-color")
}

// TestAccProvider_tokens: a wrong token and a read-only token give errors that
// say which token is wrong or lacks write access; read-only can still plan.
func TestAccProvider_tokens(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, testAccSeedAliases)
	out := r.run(1, []string{EnvToken + "=not-the-token"}, "plan", "-no-color")
	if !strings.Contains(oneLine(out), "rejected the admin token (401)") {
		t.Errorf("wrong token error:\n%s", out)
	}
	ro := []string{EnvToken + "=" + s.ReadOnlyToken}
	r.run(2, ro, "plan", "-no-color", "-detailed-exitcode")
	out = r.run(1, ro, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(oneLine(out), "may only read (403)") || !strings.Contains(oneLine(out), "read-write admin token") {
		t.Errorf("read-only token apply error:\n%s", out)
	}
	if len(s.Log()) == 0 || strings.Contains(s.Log(), s.ReadOnlyToken) || strings.Contains(s.Log(), "not-the-token") {
		t.Errorf("server log is empty or holds a token")
	}
}

// try runs the CLI and returns its exit code and output without judging them.
func (r *cliRun) try(extraEnv []string, args ...string) (int, string) {
	cmd := r.command(extraEnv, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		return -1, err.Error()
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestAccProvider_serverKilledMidApply: the admin server is SIGKILLed and
// restarted while an apply of 40 providers and 40 aliases runs. The apply either
// completes through retries or fails with a clear error; the second apply then
// converges to exactly the declared configuration, with nothing lost or duplicated.
func TestAccProvider_serverKilledMidApply(t *testing.T) {
	s := startServer(t, testserver.Options{ConfigYAML: "# operator comment\nnode:\n  id: n1\n"})
	r := newCLIRun(t, s, `
provider "aegis" {
  max_retries = 10
}

resource "aegis_llm_provider" "p" {
  count   = 40
  name    = "p-${count.index}"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o-${count.index}"
}

resource "aegis_llm_alias" "a" {
  count         = 40
  name          = "a-${count.index}"
  provider_name = aegis_llm_provider.p[count.index].name
}
`)
	type result struct {
		code int
		out  string
	}
	done := make(chan result, 1)
	go func() {
		code, out := r.try(nil, "apply", "-auto-approve", "-no-color")
		done <- result{code, out}
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for strings.Count(s.Log(), "status=201") < 10 {
		if time.Now().After(deadline) {
			t.Fatal("the apply never got going")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.Kill()
	time.Sleep(300 * time.Millisecond)
	s.Restart()
	res := <-done
	t.Logf("apply across the kill exited %d", res.code)
	if res.code != 0 && !strings.Contains(oneLine(res.out), "Error") {
		t.Fatalf("the interrupted apply failed without an error message:\n%s", res.out)
	}
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode")
	cfg, err := s.Client().GetConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Providers) != 40 || len(cfg.Aliases) != 40 {
		t.Fatalf("server holds %d providers and %d aliases, want 40 and 40", len(cfg.Providers), len(cfg.Aliases))
	}
	if b := string(s.ReadConfig()); !strings.Contains(b, "# operator comment") {
		t.Fatalf("the operator's comment is gone:\n%s", b)
	}
	r.run(0, nil, "destroy", "-auto-approve", "-no-color")
}

// TestAccProvider_unreloadedHandEdit: an operator edits aegis-config.yaml and does
// not reload the admin server. An apply does not undo that edit: it fails saying
// what to do; after the reload the edit shows as drift and the apply goes through.
func TestAccProvider_unreloadedHandEdit(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, testAccSeedAliases)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	edited := strings.Replace(string(s.ReadConfig()), "fast: claude-3-5-haiku", "fast: gpt-4o-mini", 1)
	writeFile(t, s.ConfigPath, edited)
	out := oneLine(r.run(1, nil, "apply", "-auto-approve", "-no-color", "-var", "default_provider=claude-3-5-haiku"))
	if !strings.Contains(out, "edited by hand") || !strings.Contains(out, "POST /v1/admin/reload") {
		t.Errorf("apply over an unreloaded hand edit:\n%s", out)
	}
	if string(s.ReadConfig()) != edited {
		t.Fatal("the hand edit was overwritten")
	}
	if err := s.Client().Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	plan := oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode"))
	if !strings.Contains(plan, `"gpt-4o-mini" -> "claude-3-5-haiku"`) {
		t.Errorf("the reloaded hand edit does not show as drift:\n%s", plan)
	}
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
}
