package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// TestAccProvider_logsOnlyWhenAsked: with no TF_LOG* variable the provider
// process writes none of the SDK's or its own log lines (they cost a third of a
// plan's provider CPU and the CLI drops them); with TF_LOG=trace, or only
// TF_LOG_PROVIDER=trace, it logs as before — SDK protocol traces and our masked
// request lines reach the CLI's log file. The provider's stderr is captured by a
// wrapper installed in its place through dev_overrides.
func TestAccProvider_logsOnlyWhenAsked(t *testing.T) {
	s := startServer(t, testserver.Options{})
	r := newCLIRun(t, s, testAccSeedAliases)

	// A wrapper that runs the real binary with its stderr copied to a file.
	wrapDir := t.TempDir()
	captured := filepath.Join(wrapDir, "stderr.log")
	writeFile(t, filepath.Join(wrapDir, "terraform-provider-aegis"), "#!/usr/bin/env bash\n"+
		`exec "`+testserver.ProviderBinary(t)+`" "$@" 2> >(tee -a "`+captured+`" >&2)`+"\n")
	if err := os.Chmod(filepath.Join(wrapDir, "terraform-provider-aegis"), 0o700); err != nil { //nolint:gosec // an executable for the CLI
		t.Fatal(err)
	}
	cliConfig := filepath.Join(t.TempDir(), "wrapped.tfrc")
	writeFile(t, cliConfig, "provider_installation {\n  dev_overrides {\n    \"100monkeys-ai/aegis\" = \""+wrapDir+"\"\n  }\n  direct {}\n}\n")
	wrapped := []string{"TF_CLI_CONFIG_FILE=" + cliConfig}
	for _, kv := range os.Environ() { // the test's own environment must not ask for logs
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "TF_LOG") {
			wrapped = append(wrapped, name+"=")
		}
	}
	stderr := func() string {
		t.Helper()
		time.Sleep(200 * time.Millisecond) // tee may still be copying the plugin's last lines
		b, err := os.ReadFile(captured)    //nolint:gosec // test file
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if err := os.Remove(captured); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b)
	}
	sdkLines := []string{`"@module":"sdk.proto"`, `"@module":"sdk.framework"`, "AEGIS admin API request"}

	// Not asked: nothing from the SDK or from us (go-plugin's own start-up
	// lines may remain).
	r.run(0, wrapped, "apply", "-auto-approve", "-no-color")
	r.run(0, wrapped, "plan", "-no-color", "-detailed-exitcode")
	quiet := stderr()
	for _, line := range sdkLines {
		if strings.Contains(quiet, line) {
			t.Errorf("with no TF_LOG the provider still logs %s:\n%.3000s", line, quiet)
		}
	}

	// Asked for with TF_LOG=trace: everything as before, in the plugin's stderr and
	// in the CLI's log.
	logPath := filepath.Join(r.dir, "trace.log")
	r.run(0, append(append([]string{}, wrapped...), "TF_LOG=trace", "TF_LOG_PATH="+logPath), "plan", "-no-color", "-detailed-exitcode")
	loud, traceLog := stderr(), r.file("trace.log")
	for _, line := range sdkLines {
		if !strings.Contains(loud, line) {
			t.Errorf("with TF_LOG=trace the provider's stderr lacks %s:\n%.3000s", line, loud)
		}
	}
	for _, line := range []string{"Received request", "@module=sdk.proto", "AEGIS admin API request"} {
		if !strings.Contains(traceLog, line) {
			t.Errorf("with TF_LOG=trace the CLI's log lacks %q:\n%.3000s", line, traceLog)
		}
	}
	if strings.Contains(traceLog, s.Token) {
		t.Error("the trace log contains the admin token")
	}

	// Asked for only for providers: our request lines are there too.
	r.run(0, append(append([]string{}, wrapped...), "TF_LOG_PROVIDER=trace"), "plan", "-no-color", "-detailed-exitcode")
	if got := stderr(); !strings.Contains(got, "AEGIS admin API request") {
		t.Errorf("with TF_LOG_PROVIDER=trace the provider does not log its requests:\n%.3000s", got)
	}
	r.run(0, wrapped, "destroy", "-auto-approve", "-no-color")
}
