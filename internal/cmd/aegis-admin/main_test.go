package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

const testToken = "process-admin-token-5e6f7a8b"

type proc struct {
	cmd    *exec.Cmd
	stderr *testserver.LockedBuffer
	url    string
	done   chan struct{}
	err    error
}

// start runs the server and waits for its "listening on" line.
func start(t *testing.T, bin, config, readyFile string, extra ...string) *proc {
	t.Helper()
	return startWith(t, bin, []string{"AEGIS_ADMIN_TOKEN=" + testToken, "OPENAI_API_KEY=sk-process-secret-value"},
		append([]string{"--config", config, "--listen", "127.0.0.1:0", "--ready-file", readyFile, "--log-level", "debug"}, extra...))
}

// startWith runs the server with env added to the test's environment (minus any
// AEGIS_ADMIN_* of its own) and waits for its "listening on" line.
func startWith(t *testing.T, bin string, env, args []string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AEGIS_ADMIN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	p := &proc{cmd: cmd, stderr: &testserver.LockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("no listening line: %v; stderr:\n%s", err, p.stderr)
	}
	go func() {
		_, _ = io.Copy(io.Discard, stdout)
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || (!strings.HasPrefix(url, "http://127.0.0.1:") && !strings.HasPrefix(url, "https://127.0.0.1:") && !strings.HasPrefix(url, "http://[::]:") && !strings.HasPrefix(url, "http://0.0.0.0:")) {
		t.Fatalf("stdout line %q", line)
	}
	p.url = url
	return p
}

func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the process did not exit")
	}
	if p.err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v", p.err)
	return -1
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, m
}

func TestProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := testserver.Binary(t)
	dir := t.TempDir()
	seed, err := os.ReadFile("../../adminserver/testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "aegis-config.yaml")
	if err := os.WriteFile(config, seed, 0o600); err != nil { //nolint:gosec // a path under t.TempDir()
		t.Fatal(err)
	}
	ready := filepath.Join(dir, "ready")

	p := start(t, bin, config, ready)
	got, err := os.ReadFile(ready)
	if err != nil || strings.TrimSpace(string(got)) != p.url {
		t.Fatalf("ready file %q (%v), want %q", got, err, p.url)
	}

	if code, m := get(t, p.url+"/healthz", ""); code != 200 || m["status"] != "ok" {
		t.Fatalf("healthz: %d %v", code, m)
	}
	if code, _ := get(t, p.url+"/v1/admin/llm/providers/gpt-4o", ""); code != 401 {
		t.Fatalf("unauthenticated GET: %d", code)
	}
	code, m := get(t, p.url+"/v1/admin/llm/providers/gpt-4o", testToken)
	if code != 200 || m["model"] != "gpt-4o" || m["credential"].(map[string]any)["status"] != "resolved" {
		t.Fatalf("GET provider: %d %v", code, m)
	}

	t.Run("second process on the same file", func(t *testing.T) {
		cmd := exec.Command(bin, "--config", config, "--listen", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), "AEGIS_ADMIN_TOKEN="+testToken)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("second process: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "another aegis-admin already serves "+config) {
			t.Errorf("output: %s", out)
		}
	})

	t.Run("SIGHUP reloads hand edits", func(t *testing.T) {
		edited := bytes.Replace(seed, []byte("fast: claude-3-5-haiku"), []byte("fast: gpt-4o-mini"), 1)
		if err := os.WriteFile(config, edited, 0o600); err != nil { //nolint:gosec // a path under t.TempDir()
			t.Fatal(err)
		}
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, st := get(t, p.url+"/v1/admin/status", testToken)
			if num, _ := st["generation"].(float64); num == 2 {
				if lr := st["last_reload"].(map[string]any); lr["trigger"] != "file" {
					t.Errorf("last_reload %v", lr)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("SIGHUP did not produce generation 2; status %v; stderr:\n%s", st, p.stderr)
			}
			time.Sleep(20 * time.Millisecond) // polling, not an assertion
		}
		if _, a := get(t, p.url+"/v1/admin/llm/aliases/fast", testToken); a["provider"] != "gpt-4o-mini" {
			t.Errorf("fast after SIGHUP: %v", a)
		}
	})

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code %d after SIGTERM; stderr:\n%s", code, p.stderr)
	}
	logs := p.stderr.String()
	if strings.Contains(logs, testToken) || strings.Contains(logs, "sk-process-secret-value") {
		t.Errorf("the log contains a secret:\n%s", logs)
	}
	if !strings.Contains(logs, "msg=request") || !strings.Contains(logs, "path=/v1/admin/llm/providers/gpt-4o") {
		t.Errorf("no access log:\n%s", logs)
	}

	// The lock is released: the file can be served again.
	p2 := start(t, bin, config, ready)
	if err := p2.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p2.wait(t); code != 0 {
		t.Fatalf("exit code %d after SIGINT", code)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "c.yaml")
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	withToken := env(map[string]string{"AEGIS_ADMIN_TOKEN": testToken})
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	twoLines := filepath.Join(dir, "two-lines")
	if err := os.WriteFile(twoLines, []byte(testToken+"\nsecond\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		getenv func(string) string
		want   string
	}{
		{"no token", []string{"--config", config}, env(nil), "AEGIS_ADMIN_TOKEN is not set"},
		{"no config", nil, withToken, "--config FILE is required"},
		{"half TLS", []string{"--config", config, "--tls-cert", "c.pem"}, withToken, "--tls-cert and --tls-key go together"},
		{"bad log level", []string{"--config", config, "--log-level", "loud"}, withToken, "--log-level"},
		{"bad flag", []string{"--nope"}, withToken, "flag provided but not defined"},
		{"extra args", []string{"--config", config, "extra"}, withToken, "unexpected arguments"},
		{"short token", []string{"--config", config}, env(map[string]string{"AEGIS_ADMIN_TOKEN": "t"}), "the admin token is 1 characters; use at least 16"},
		{"short read-only token", []string{"--config", config}, env(map[string]string{"AEGIS_ADMIN_TOKEN": testToken, "AEGIS_ADMIN_READONLY_TOKEN": "ro-123"}), "the read-only token is 6 characters"},
		{"token file and env", []string{"--config", config, "--token-file", tokenFile}, withToken, "both AEGIS_ADMIN_TOKEN and --token-file are set"},
		{"missing token file", []string{"--config", config, "--token-file", filepath.Join(dir, "nope")}, env(nil), "--token-file"},
		{"token file of two lines", []string{"--config", config, "--token-file", twoLines}, env(nil), "on one line"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(c.args, &stdout, &stderr, c.getenv); code != 2 {
				t.Errorf("exit code %d, want 2; stderr: %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), c.want)
			}
			if _, err := os.Stat(config); err == nil {
				t.Error("a usage error created the config file")
			}
		})
	}
}

func TestProcessTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := testserver.Binary(t)
	dir := t.TempDir()
	certs := testserver.WriteCerts(t, dir)
	certFile, keyFile, pool := certs.CertFile, certs.KeyFile, certs.Pool
	p := start(t, bin, filepath.Join(dir, "new.yaml"), filepath.Join(dir, "ready"), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(p.url, "https://") {
		t.Fatalf("url %q", p.url)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	req, err := http.NewRequest("GET", p.url+"/v1/admin/llm/config", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET over TLS: %d", resp.StatusCode)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}
