package provider

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

const fileEditWarning = "Unreloaded Edit of the Node Config File"

// TestAccProvider_handEditWarning: an edit of the node config file that nobody
// reloaded makes the plan warn, naming the file and how to apply or discard it.
// Following the hint works: `aegisctl reload` applies the edit (it then shows as
// drift); putting back the previous content discards an invalid one.
func TestAccProvider_handEditWarning(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, testAccSeedAliases)
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	if out := r.run(0, nil, "plan", "-no-color", "-detailed-exitcode"); strings.Contains(out, fileEditWarning) {
		t.Fatalf("warning without an edit:\n%s", out)
	}

	applied := string(s.ReadConfig())
	writeFile(t, s.ConfigPath, strings.Replace(applied, "fast: claude-3-5-haiku", "fast: gpt-4o-mini", 1))
	plan := oneLine(r.run(0, nil, "plan", "-no-color", "-detailed-exitcode"))
	for _, want := range []string{fileEditWarning, s.ConfigPath, "run `aegisctl reload` (or POST /v1/admin/reload)", "To discard the edit"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}

	// Follow the hint.
	cmd := exec.Command(testserver.CtlBinary(t), "reload") //nolint:gosec // test harness
	cmd.Env = append(os.Environ(), "AEGIS_ENDPOINT="+s.URL, "AEGIS_TOKEN="+s.Token)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aegisctl reload: %v\n%s", err, out)
	}
	plan = oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode"))
	if !strings.Contains(plan, `"gpt-4o-mini" -> "claude-3-5-haiku"`) || strings.Contains(plan, fileEditWarning) {
		t.Errorf("after the reload the edit should show as drift, without the warning:\n%s", plan)
	}
	r.run(0, nil, "apply", "-auto-approve", "-no-color")

	// An invalid edit is reported as such; putting the content back discards it.
	applied = string(s.ReadConfig())
	writeFile(t, s.ConfigPath, strings.Replace(applied, "model: gpt-4o-mini", "model: [unclosed", 1))
	plan = oneLine(r.run(0, nil, "plan", "-no-color", "-detailed-exitcode"))
	if !strings.Contains(plan, fileEditWarning) || !strings.Contains(plan, "is invalid, so a reload would refuse it") {
		t.Errorf("invalid edit:\n%s", plan)
	}
	writeFile(t, s.ConfigPath, applied)
	if plan = r.run(0, nil, "plan", "-no-color", "-detailed-exitcode"); strings.Contains(plan, fileEditWarning) {
		t.Errorf("the warning stays after the edit was discarded:\n%s", plan)
	}
}
