package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/nodecheck"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// TestAccV1_templateCycle takes each of the AEGIS daemon's own config templates
// (and one file of ours) through a full Terraform cycle with the real CLI: import
// every provider and alias with import blocks and -generate-config-out, then add a
// provider with an alias, retarget an alias to it, change its model, and remove it
// again. After every step the file passes the daemon's rules (nodecheck), no byte
// outside spec.llm_providers has changed, and the next plan is empty.
func TestAccV1_templateCycle(t *testing.T) {
	for _, name := range []string{"config-minimal.yaml", "config-with-examples.yaml", "custom-unknown-keys.yaml"} {
		t.Run(name, func(t *testing.T) {
			orig := v1Template(t, name)
			s := startServer(t, testserver.Options{ConfigYAML: orig, Env: []string{"OPENAI_API_KEY=x-test", "ANTHROPIC_API_KEY=x-test"}})
			snap, err := s.Client().GetConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var imports strings.Builder
			for _, p := range snap.Providers {
				fmt.Fprintf(&imports, "import {\n  to = aegis_llm_provider.%s\n  id = %q\n}\n", tfName(p.Name), p.Name)
			}
			for _, a := range snap.Aliases {
				fmt.Fprintf(&imports, "import {\n  to = aegis_llm_alias.%s\n  id = %q\n}\n", tfName(a.Name), a.Name)
			}
			r := newCLIRun(t, s, imports.String())
			check := func(step string) {
				t.Helper()
				now := s.ReadConfig()
				if probs := nodecheck.Check(now); len(probs) > 0 {
					t.Fatalf("%s: the daemon would refuse the file: %v\n%s", step, probs, now)
				}
				if ok, diff := nodecheck.SameOutside([]byte(orig), now); !ok {
					t.Fatalf("%s: bytes outside spec.llm_providers changed: %s", step, diff)
				}
				r.run(0, nil, "plan", "-no-color", "-detailed-exitcode", "-input=false")
			}

			r.run(0, nil, "plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
			r.run(0, nil, "apply", "-auto-approve", "-no-color", "-input=false")
			if string(s.ReadConfig()) != orig {
				t.Fatalf("importing changed the file")
			}
			check("import")
			generated := r.file("generated.tf")

			// A new provider with an alias.
			extra := func(model, defaultBlock string) string {
				return fmt.Sprintf(`
resource "aegis_llm_provider" "extra" {
  name           = "extra"
  type           = "openai"
  api_key        = "env:OPENAI_API_KEY"
  model          = %q
  context_window = 128000
}

resource "aegis_llm_alias" "mini" {
  name          = "mini"
  provider_name = aegis_llm_provider.extra.name
  temperature   = 0.3
  capabilities  = ["code"]
}
%s`, model, defaultBlock)
			}
			r.write("extra.tf", extra("gpt-4o-mini", ""))
			r.run(0, nil, "apply", "-auto-approve", "-no-color", "-input=false")
			check("add a provider")
			if !strings.Contains(string(s.ReadConfig()), `endpoint: "https://api.openai.com/v1"`) {
				t.Fatalf("the new provider has no default endpoint:\n%s", s.ReadConfig())
			}

			// Retarget default to it (the generated block pinned default's model
			// and context window, which belonged to its old provider).
			gen, _ := cutResource(t, generated, "aegis_llm_alias", "default")
			r.write("generated.tf", gen)
			r.write("extra.tf", extra("gpt-4o-mini", `
resource "aegis_llm_alias" "default" {
  name          = "default"
  provider_name = aegis_llm_provider.extra.name
}
`))
			r.run(0, nil, "apply", "-auto-approve", "-no-color", "-input=false")
			check("retarget an alias")

			// Change the model of the provider: both of its aliases follow.
			r.write("extra.tf", extra("gpt-4.1-mini", `
resource "aegis_llm_alias" "default" {
  name          = "default"
  provider_name = aegis_llm_provider.extra.name
}
`))
			r.run(0, nil, "apply", "-auto-approve", "-no-color", "-input=false")
			check("change a model")
			if n := strings.Count(string(s.ReadConfig()), `model: "gpt-4.1-mini"`); n != 2 {
				t.Fatalf("%d entries carry the new model, want 2:\n%s", n, s.ReadConfig())
			}

			// Back to where it was (the generated block names its provider
			// literally, so the retarget is applied before the provider goes).
			r.write("generated.tf", generated)
			r.write("extra.tf", extra("gpt-4.1-mini", ""))
			r.run(0, nil, "apply", "-auto-approve", "-no-color", "-input=false")
			check("retarget back")
			if err := os.Remove(filepath.Join(r.dir, "extra.tf")); err != nil {
				t.Fatal(err)
			}
			r.run(0, nil, "apply", "-auto-approve", "-no-color", "-input=false")
			check("remove a provider")
			if strings.Contains(string(s.ReadConfig()), `"extra"`) {
				t.Fatalf("the removed provider is still in the file:\n%s", s.ReadConfig())
			}
		})
	}
}

// tfName turns an AEGIS name into a Terraform resource name.
func tfName(n string) string {
	r := strings.NewReplacer(".", "_", "-", "_")
	n = r.Replace(n)
	if n != "" && n[0] >= '0' && n[0] <= '9' {
		n = "n" + n
	}
	return n
}

// cutResource removes one resource block from generated HCL and returns both.
func cutResource(t *testing.T, hcl, typ, name string) (rest, block string) {
	t.Helper()
	head := fmt.Sprintf("resource %q %q {", typ, name)
	i := strings.Index(hcl, head)
	if i < 0 {
		t.Fatalf("no %s.%s in:\n%s", typ, name, hcl)
	}
	j := strings.Index(hcl[i:], "\n}\n")
	if j < 0 {
		t.Fatalf("unterminated block %s.%s", typ, name)
	}
	end := i + j + len("\n}\n")
	return hcl[:i] + hcl[end:], hcl[i:end]
}

func (r *cliRun) write(name, content string) {
	r.t.Helper()
	writeFile(r.t, filepath.Join(r.dir, name), content)
}

// TestAccV1_sidecarReloadsPerApply applies one provider and ten aliases to a v1
// node in sidecar mode, next to a fake daemon (internal/testserver/fakedaemon)
// that validates each file and takes a second to get ready after each restart,
// and reports how many restarts the apply cost. The daemon ends up running the
// final file, which passes its rules.
func TestAccV1_sidecarReloadsPerApply(t *testing.T) {
	if testing.Short() {
		t.Skip("acceptance test")
	}
	bin := testserver.FakeDaemon(t)
	stateDir, readyURL := testserver.StartFakeDaemon(t)
	s := startServer(t, testserver.Options{
		ConfigYAML: v1Template(t, "config-minimal.yaml"),
		Env:        []string{"OPENAI_API_KEY=x-test"},
		Args: []string{
			"--validate-command", bin + ` validate "$AEGIS_CONFIG"`,
			"--reload-command", bin + " restart --delay 1s " + stateDir + ` "$AEGIS_CONFIG"`,
			"--ready-url", readyURL, "--ready-timeout", "20s",
		},
	})
	var hcl strings.Builder
	hcl.WriteString(`
resource "aegis_llm_provider" "openai" {
  name           = "openai"
  type           = "openai"
  api_key        = "env:OPENAI_API_KEY"
  model          = "gpt-4o-mini"
  context_window = 128000
}
`)
	const aliases = 10
	for i := 0; i < aliases; i++ {
		fmt.Fprintf(&hcl, "resource \"aegis_llm_alias\" \"a%d\" {\n  name          = \"a%d\"\n  provider_name = aegis_llm_provider.openai.name\n}\n", i, i)
	}
	r := newCLIRun(t, s, hcl.String())
	before, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r.run(0, nil, "apply", "-auto-approve", "-no-color", "-input=false")
	after, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(stateDir, "restarts")) //nolint:gosec // test file
	if err != nil {
		t.Fatal(err)
	}
	restarts := strings.Fields(string(b))
	t.Logf("sidecar apply of 1 provider + %d aliases (1s restart): %d daemon restarts, reloads_total +%d",
		aliases, len(restarts), after.ReloadsTotal-before.ReloadsTotal)
	if len(restarts) == 0 || len(restarts) > aliases {
		t.Fatalf("%d restarts for %d file changes", len(restarts), aliases)
	}
	final := s.ReadConfig()
	if probs := nodecheck.Check(final); len(probs) > 0 {
		t.Fatalf("final file: %v", probs)
	}
	sum := sha256.Sum256(final)
	if restarts[len(restarts)-1] != hex.EncodeToString(sum[:]) {
		t.Fatal("the daemon's last restart was not on the final file")
	}
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode", "-input=false")
}

// TestAccV1_awaitingAliasInvalid: on an aegis/v1 node, an alias that names its
// provider literally and is applied before it (so it awaits it, 202), where
// neither sets context_window, is not dropped silently: the provider's create
// fails naming the alias and its field, nothing is written, and once the
// alias is fixed the next apply creates both.
func TestAccV1_awaitingAliasInvalid(t *testing.T) {
	orig := v1Template(t, "config-minimal.yaml")
	s := startServer(t, testserver.Options{ConfigYAML: orig, Env: []string{"OPENAI_API_KEY=x-test"}})
	cfg := func(aliasExtra string) string {
		return fmt.Sprintf(`
resource "aegis_llm_alias" "coder" {
  name          = "coder"
  provider_name = "np"
%s}

resource "aegis_llm_provider" "np" {
  name       = "np"
  type       = "openai"
  api_key    = "env:OPENAI_API_KEY"
  model      = "gpt-4o"
  depends_on = [aegis_llm_alias.coder]
}
`, aliasExtra)
	}
	r := newCLIRun(t, s, cfg(""))
	out := oneLine(r.run(1, nil, "apply", "-auto-approve", "-no-color", "-input=false"))
	for _, want := range []string{`refused provider "np"`, `alias "coder"`, "aliases.coder.context_window", "nothing was written", "dropped"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "x-test") {
		t.Errorf("the output holds the credential's value:\n%s", out)
	}
	if string(s.ReadConfig()) != orig {
		t.Fatalf("the failed apply changed the file:\n%s", s.ReadConfig())
	}
	st, err := s.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.AwaitingAliases) != 0 {
		t.Fatalf("still awaiting: %+v", st.AwaitingAliases)
	}
	// Following the hint: fix the alias and apply again.
	r.write("main.tf", testAccTerraformBlock+cfg("  context_window = 8192\n"))
	r.run(0, nil, "apply", "-auto-approve", "-no-color", "-input=false")
	if _, aliases := serverState(t, s); aliases["coder"] != "np" {
		t.Fatalf("after the fix: aliases %v", aliases)
	}
	if now := s.ReadConfig(); len(nodecheck.Check(now)) > 0 {
		t.Fatalf("after the fix the daemon would refuse the file: %v\n%s", nodecheck.Check(now), now)
	}
	r.run(0, nil, "plan", "-no-color", "-detailed-exitcode", "-input=false")
}
