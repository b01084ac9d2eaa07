package main

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// TestTokenFiles: tokens read from files (kept out of the process environment)
// authenticate like tokens from the environment.
func TestTokenFiles(t *testing.T) {
	bin := testserver.Binary(t)
	dir := t.TempDir()
	const ro = "process-readonly-token-1c2d3e4f"
	for name, v := range map[string]string{"admin": testToken + "\n", "ro": ro} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := startWith(t, bin, nil, []string{"--config", filepath.Join(dir, "c.yaml"), "--listen", "127.0.0.1:0",
		"--token-file", filepath.Join(dir, "admin"), "--readonly-token-file", filepath.Join(dir, "ro")})
	if code, _ := get(t, p.url+"/v1/admin/status", testToken); code != 200 {
		t.Fatalf("admin token from file: %d", code)
	}
	if code, _ := get(t, p.url+"/v1/admin/status", ro); code != 200 {
		t.Fatalf("read-only token from file: %d", code)
	}
	if code, _ := get(t, p.url+"/v1/admin/status", testToken+"x"); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	env, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid), "environ"))
	if err == nil && (strings.Contains(string(env), testToken) || strings.Contains(string(env), ro)) {
		t.Fatal("a token from a file is in the process environment")
	}
}

// TestPlainHTTPWarning: plain HTTP on a non-loopback address is served with a
// warning in the log; on loopback without.
func TestPlainHTTPWarning(t *testing.T) {
	bin := testserver.Binary(t)
	dir := t.TempDir()
	p := startWith(t, bin, []string{"AEGIS_ADMIN_TOKEN=" + testToken}, []string{"--config", filepath.Join(dir, "c.yaml"), "--listen", "0.0.0.0:0"})
	if code, _ := get(t, strings.NewReplacer("0.0.0.0", "127.0.0.1", "[::]", "127.0.0.1").Replace(p.url)+"/healthz", ""); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	// The warning is logged before the server reports ready; its bytes may still be on
	// their way through the stderr pipe, so allow them a moment.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.stderr.String(), "serving plain HTTP on a non-loopback address"); {
		if time.Now().After(deadline) {
			t.Fatalf("no warning:\n%s", p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	q := startWith(t, bin, []string{"AEGIS_ADMIN_TOKEN=" + testToken}, []string{"--config", filepath.Join(dir, "d.yaml"), "--listen", "127.0.0.1:0"})
	if code, _ := get(t, q.url+"/healthz", ""); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if strings.Contains(q.stderr.String(), "plain HTTP") {
		t.Fatalf("warning on loopback:\n%s", q.stderr)
	}
}

// TestTLSCiphers: TLS 1.2 clients get AES-GCM or ChaCha20 suites only; a client
// that offers nothing but CBC-SHA1 suites is refused.
func TestTLSCiphers(t *testing.T) {
	bin := testserver.Binary(t)
	dir := t.TempDir()
	certs := testserver.WriteCerts(t, dir)
	p := start(t, bin, filepath.Join(dir, "c.yaml"), filepath.Join(dir, "ready"), "--tls-cert", certs.CertFile, "--tls-key", certs.KeyFile)
	dial := func(suites ...uint16) (uint16, error) {
		c, err := tls.Dial("tcp", strings.TrimPrefix(p.url, "https://"), &tls.Config{ //nolint:gosec // TLS 1.2 is what the cipher list governs
			RootCAs: certs.Pool, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: suites,
		})
		if err != nil {
			return 0, err
		}
		defer func() { _ = c.Close() }()
		return c.ConnectionState().CipherSuite, nil
	}
	//nolint:gosec // offering the weak suites is the point of the test
	if _, err := dial(tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA); err == nil {
		t.Fatal("a TLS 1.2 handshake with only CBC-SHA1 suites succeeded")
	}
	suite, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	if name := tls.CipherSuiteName(suite); !strings.Contains(name, "GCM") && !strings.Contains(name, "CHACHA20") {
		t.Fatalf("negotiated %s", name)
	}
}
