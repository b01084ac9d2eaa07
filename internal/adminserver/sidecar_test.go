package adminserver

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// sidecar starts a server in sidecar mode on a copy of the minimal daemon template,
// next to a fake daemon (internal/testserver/fakedaemon) that validates, restarts
// and answers its ready URL restartDelay after each restart — never, on a file
// holding neverIf.
func sidecar(t *testing.T, neverIf string) (f *fixture, orig []byte, stateDir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the fake daemon")
	}
	bin := testserver.FakeDaemon(t)
	stateDir, readyURL := testserver.StartFakeDaemon(t)
	restart := bin + " restart --delay 200ms"
	if neverIf != "" {
		restart += " --never-if " + neverIf
	}
	f, orig = newV1Fixture(t, "config-minimal.yaml", func(c *Config) {
		c.ValidateCommand = bin + ` validate --refuse refused-by-daemon "$AEGIS_CONFIG"`
		c.ReloadCommand = restart + " " + stateDir + ` "$AEGIS_CONFIG"`
		c.ReadyURL = readyURL
		c.ReadyTimeout = 3 * time.Second
	})
	return f, orig, stateDir
}

func restarts(t *testing.T, stateDir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(stateDir, "restarts"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func TestSidecarValidatesRestartsAndWaitsForReady(t *testing.T) {
	f, orig, dir := sidecar(t, "")
	f.expect(f.admin("PUT", "/v1/admin/llm/aliases/coder", map[string]any{"provider": "local", "model": "qwen2.5-coder:32b"}), 201)
	f.checkV1(orig)
	if n := len(restarts(t, dir)); n != 1 {
		t.Fatalf("%d restarts, want 1", n)
	}
	// The daemon's validate command refuses: 422 with its output, nothing written, no restart.
	body := f.expect(f.admin("PUT", "/v1/admin/llm/aliases/coder", map[string]any{"provider": "local", "model": "refused-by-daemon"}), 422)
	// Its output reaches the writer (errors[]), not the status the read-only token reads.
	errs, _ := body["errors"].([]any)
	if d := body["detail"].(string); !strings.Contains(d, "validate command") || len(errs) != 1 ||
		!strings.Contains(errs[0].(map[string]any)["detail"].(string), `does not accept "refused-by-daemon"`) {
		t.Fatalf("body = %v", body)
	}
	if lr := f.status()["last_reload"].(map[string]any); strings.Contains(lr["error"].(string), "refused-by-daemon") {
		t.Fatalf("the validate command's output reached last_reload: %v", lr)
	}
	if strings.Contains(string(f.fileBytes()), "refused-by-daemon") {
		t.Fatal("a refused file was written")
	}
	if n := len(restarts(t, dir)); n != 1 {
		t.Fatalf("%d restarts after a refused change, want 1", n)
	}
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(f.path), ".*candidate*")); len(entries) > 0 {
		t.Fatalf("candidate files left behind: %v", entries)
	}
}

func TestSidecarRollsBackWhenTheDaemonNeverGetsReady(t *testing.T) {
	f, orig, dir := sidecar(t, "never-ready-model")
	gen := f.generation()
	body := f.expect(f.admin("PUT", "/v1/admin/llm/aliases/coder", map[string]any{"provider": "local", "model": "never-ready-model"}), 424)
	d := body["detail"].(string)
	if !strings.Contains(d, "did not answer 2xx") || !strings.Contains(d, "ready on it again") {
		t.Fatalf("detail = %q", d)
	}
	if !bytes.Equal(f.fileBytes(), orig) {
		t.Fatalf("the previous file was not restored:\n%s", f.fileBytes())
	}
	r := restarts(t, dir)
	if len(r) != 2 || r[0] == r[1] {
		t.Fatalf("restarts = %v, want the new file then the previous one", r)
	}
	if f.generation() != gen {
		t.Fatal("the generation moved although the change was rolled back")
	}
	f.expect(f.admin("GET", "/v1/admin/llm/aliases/coder", nil), 404)
}
