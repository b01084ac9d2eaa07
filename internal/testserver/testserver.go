// Package testserver runs the reference admin server (internal/cmd/aegis-admin) as
// a real process on a loopback port, for acceptance tests, benchmarks and soak tests.
// It is a test helper; the provider never imports it.
package testserver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

// Environment variables naming prebuilt binaries (scripts/testacc.sh builds both
// once for every CLI it runs); without them each is built once per test process.
const (
	EnvBinary         = "AEGIS_ADMIN_BIN"
	EnvProviderBinary = "AEGIS_PROVIDER_BIN"
	EnvCtlBinary      = "AEGISCTL_BIN"
)

const (
	adminPkg    = "github.com/100monkeys-ai/terraform-provider-aegis/internal/cmd/aegis-admin"
	providerPkg = "github.com/100monkeys-ai/terraform-provider-aegis"
	ctlPkg      = "github.com/100monkeys-ai/terraform-provider-aegis/internal/cmd/aegisctl"
)

// A binary is built at most once per test process, however many tests ask for it.
type binary struct {
	once sync.Once
	path string
	err  error
}

var (
	adminBinary    binary
	providerBinary binary
	ctlBinary      binary
)

func (b *binary) get(t testing.TB, env, pkg, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", name+"-bin-") //nolint:usetesting // shared by every test of the process, built once
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, name)
		out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput() //nolint:gosec // fixed arguments
		if err != nil {
			b.err = fmt.Errorf("building %s: %w\n%s", name, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// Binary returns the path of the aegis-admin binary ($AEGIS_ADMIN_BIN, or built
// once per test process).
func Binary(t testing.TB) string { return adminBinary.get(t, EnvBinary, adminPkg, "aegis-admin") }

// CtlBinary returns the path of the aegisctl binary ($AEGISCTL_BIN, or built once
// per test process).
func CtlBinary(t testing.TB) string { return ctlBinary.get(t, EnvCtlBinary, ctlPkg, "aegisctl") }

// ProviderBinary returns the path of the provider binary, named as Terraform's
// dev_overrides expect ($AEGIS_PROVIDER_BIN, or built once per test process).
func ProviderBinary(t testing.TB) string {
	return providerBinary.get(t, EnvProviderBinary, providerPkg, "terraform-provider-aegis")
}

// Options configure a server.
type Options struct {
	// ConfigYAML is the initial aegis-config.yaml; empty means an empty file.
	ConfigYAML string
	// ConfigPath reuses an existing config file (for restarts) instead of a new one.
	ConfigPath string
	// Env adds KEY=VALUE entries to the server's environment (what env: references resolve against).
	Env []string
	// Args adds command-line flags.
	Args []string
	// Token and ReadOnlyToken default to random values.
	Token, ReadOnlyToken string
}

// Server is a running aegis-admin process.
type Server struct {
	URL           string
	Token         string
	ReadOnlyToken string
	ConfigPath    string
	Dir           string

	t      testing.TB
	opts   Options
	cmd    *exec.Cmd
	stderr *LockedBuffer
	done   chan struct{}
}

// Start runs a server with a fresh config file and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	dir := t.TempDir()
	if opts.Token == "" {
		opts.Token = "adm-" + randomHex(16)
	}
	if opts.ReadOnlyToken == "" {
		opts.ReadOnlyToken = "ro-" + randomHex(16)
	}
	cfgPath := opts.ConfigPath
	if cfgPath == "" {
		cfgPath = filepath.Join(dir, "aegis-config.yaml")
		if err := os.WriteFile(cfgPath, []byte(opts.ConfigYAML), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := &Server{Token: opts.Token, ReadOnlyToken: opts.ReadOnlyToken, ConfigPath: cfgPath, Dir: dir, t: t, opts: opts}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.t.Helper()
	ready := filepath.Join(s.Dir, fmt.Sprintf("ready-%d", time.Now().UnixNano()))
	listen := "127.0.0.1:0"
	if s.URL != "" { // restart on the same port, so clients keep working
		listen = strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
	}
	args := append([]string{"--config", s.ConfigPath, "--listen", listen, "--ready-file", ready}, s.opts.Args...)
	cmd := exec.Command(Binary(s.t), args...) //nolint:gosec // test harness
	cmd.Env = append(os.Environ(),
		"AEGIS_ADMIN_TOKEN="+s.Token,
		"AEGIS_ADMIN_READONLY_TOKEN="+s.ReadOnlyToken,
	)
	cmd.Env = append(cmd.Env, s.opts.Env...)
	s.stderr = &LockedBuffer{}
	cmd.Stderr = s.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting aegis-admin: %v", err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 { //nolint:gosec // test temp file
			s.URL = strings.TrimSpace(string(b))
			return
		}
		select {
		case <-s.done:
			s.t.Fatalf("aegis-admin exited before it was ready: %s", s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			s.t.Fatalf("aegis-admin not ready after 30s: %s", s.stderr.String())
		}
	}
}

// Stop terminates the server gracefully (SIGTERM, then SIGKILL after 5s).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.Kill()
	}
}

// Kill SIGKILLs the server and waits for it to exit.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// Restart starts the server again on the same address and config file.
func (s *Server) Restart() {
	s.t.Helper()
	s.start()
}

// Signal sends a signal to the server process.
func (s *Server) Signal(sig syscall.Signal) error { return s.cmd.Process.Signal(sig) }

// Log returns what the server wrote to stderr so far.
func (s *Server) Log() string { return s.stderr.String() }

// Client returns an admin API client with the read-write token and no retries.
func (s *Server) Client() *client.Client {
	cfg := client.DefaultConfig()
	cfg.Endpoint, cfg.Token, cfg.MaxRetries, cfg.UserAgent = s.URL, s.Token, 0, "aegis-testserver"
	c, err := client.New(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// ReadConfig returns the bytes of the config file.
func (s *Server) ReadConfig() []byte {
	b, err := os.ReadFile(s.ConfigPath)
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// ProviderBlock renders an HCL provider block pointing at this server.
func (s *Server) ProviderBlock() string {
	return fmt.Sprintf("provider \"aegis\" {\n  endpoint = %q\n  token    = %q\n}\n", s.URL, s.Token)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// LockedBuffer is a bytes.Buffer safe for a process writing and a test reading.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	fakeDaemonOnce sync.Once
	fakeDaemonPath string
	fakeDaemonErr  error
)

// FakeDaemon returns the path of the fakedaemon test binary (internal/testserver/fakedaemon),
// building it once per test process.
func FakeDaemon(t testing.TB) string {
	t.Helper()
	fakeDaemonOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aegis-fakedaemon-") //nolint:usetesting // shared by every test of the process, built once
		if err != nil {
			fakeDaemonErr = err
			return
		}
		fakeDaemonPath = filepath.Join(dir, "fakedaemon")
		out, err := exec.Command("go", "build", "-o", fakeDaemonPath, "github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver/fakedaemon").CombinedOutput() //nolint:gosec // fixed arguments
		if err != nil {
			fakeDaemonErr = fmt.Errorf("building fakedaemon: %w\n%s", err, out)
		}
	})
	if fakeDaemonErr != nil {
		t.Fatal(fakeDaemonErr)
	}
	return fakeDaemonPath
}

// StartFakeDaemon runs `fakedaemon serve` on a new state directory and returns the
// directory and the daemon's ready URL; the process stops when the test ends.
func StartFakeDaemon(t testing.TB) (stateDir, readyURL string) {
	t.Helper()
	bin := FakeDaemon(t)
	stateDir = t.TempDir()
	addrFile := filepath.Join(stateDir, "addr")
	cmd := exec.Command(bin, "serve", stateDir, addrFile) //nolint:gosec // test helper
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 500; i++ {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 { //nolint:gosec // test file
			return stateDir, "http://" + strings.TrimSpace(string(b)) + "/health/ready"
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("fakedaemon serve did not start")
	return "", ""
}
