// Command aegis-admin is the reference server of the AEGIS admin API
// (docs/admin-api.md). It owns the llm section of aegis-config.yaml and runs
// standalone or, with --reload-command, as a sidecar of an AEGIS node.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminserver"
)

const usageText = `usage: aegis-admin --config FILE [flags]

Serves the AEGIS admin API (docs/admin-api.md) for the llm section of FILE.

Environment:
  AEGIS_ADMIN_TOKEN           read-write bearer token (required)
  AEGIS_ADMIN_READONLY_TOKEN  read-only bearer token (optional)
  (or --token-file / --readonly-token-file, which keep the tokens out of
  /proc/PID/environ; tokens are at least 16 characters)
  BAO_ADDR, BAO_TOKEN         OpenBao address and token for checking vault: references

Signals: SIGHUP re-reads FILE; SIGINT/SIGTERM stop gracefully.

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

type options struct {
	config          string
	listen          string
	readyFile       string
	reloadCommand   string
	watch           bool
	reloadTimeout   time.Duration
	commitWindow    time.Duration
	awaitTimeout    time.Duration
	tlsCert         string
	tlsKey          string
	openBaoAddr     string
	logLevel        string
	limits          adminserver.Limits
	allowEnv        string
	allowVault      string
	allowHosts      string
	maxExecutions   int
	executionTTL    time.Duration
	tokenFile       string
	roTokenFile     string
	reloadEnv       string
	validateCommand string
	readyURL        string
	readyTimeout    time.Duration
}

// minTokenLength is the shortest token accepted at start-up.
const minTokenLength = 16

// modernCiphers are the TLS 1.2 suites served: ECDHE with AES-GCM or
// ChaCha20-Poly1305 only, no CBC and no SHA-1 (TLS 1.3 suites are not
// configurable and all fine).
var modernCiphers = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// readToken returns the token from file when one is named, else from the
// environment variable; both at once is an error.
func readToken(getenv func(string) string, envName, file, flagName string) (string, error) {
	fromEnv := getenv(envName)
	if file == "" {
		return fromEnv, nil
	}
	if fromEnv != "" {
		return "", fmt.Errorf("both %s and %s are set; use one", envName, flagName)
	}
	b, err := os.ReadFile(file) //nolint:gosec // the operator names the token file
	if err != nil {
		return "", fmt.Errorf("%s: %w", flagName, err)
	}
	tok := strings.TrimRight(string(b), "\r\n")
	if tok == "" || strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("%s: %s must hold the token on one line", flagName, file)
	}
	return tok, nil
}

// isLoopback reports whether a listen address only accepts local connections.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// envOr returns the value of an environment variable, or def when it is unset.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// splitList splits a comma-separated allow-list; "" and "none" are empty.
func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" && v != "none" {
			out = append(out, v)
		}
	}
	return out
}

// run is main without the process exit; it returns the exit code.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	var o options
	fs := flag.NewFlagSet("aegis-admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.config, "config", "", "the node config `FILE` (required); created with an empty llm section when missing")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8787", "the `ADDR` to listen on; port 0 picks a free port")
	fs.StringVar(&o.readyFile, "ready-file", "", "once listening, write the base URL to this `FILE`")
	fs.StringVar(&o.reloadCommand, "reload-command", "", "sidecar mode: run sh -c `CMD` after each commit (AEGIS_CONFIG=FILE in its environment)")
	fs.StringVar(&o.reloadEnv, "reload-env", "", "comma-separated `NAMES` of variables passed to the reload command besides PATH, HOME, USER, LOGNAME, LANG, LC_ALL, TZ, TMPDIR and AEGIS_CONFIG (AEGIS_ADMIN_* never passes)")
	fs.StringVar(&o.tokenFile, "token-file", "", "read the read-write token from `FILE` instead of $AEGIS_ADMIN_TOKEN")
	fs.StringVar(&o.roTokenFile, "readonly-token-file", "", "read the read-only token from `FILE` instead of $AEGIS_ADMIN_READONLY_TOKEN")
	fs.BoolVar(&o.watch, "watch", false, "reload valid edits of FILE by itself (OS file notifications on its directory, debounced); an invalid edit is left alone, logged and reported in status")
	fs.DurationVar(&o.reloadTimeout, "reload-timeout", adminserver.DefaultReloadTimeout, "limit for one run of the reload or validate command")
	fs.StringVar(&o.validateCommand, "validate-command", "", "run sh -c `CMD` on each new version of the file before it replaces the old one (AEGIS_CONFIG=the new version), e.g. 'aegis config validate \"$AEGIS_CONFIG\"'; a failure refuses the change with 422")
	fs.StringVar(&o.readyURL, "ready-url", "", "after each reload command, wait until this `URL` answers 2xx (e.g. http://127.0.0.1:8088/health/ready); otherwise restore the previous file, run the reload command again and answer 424")
	fs.DurationVar(&o.readyTimeout, "ready-timeout", adminserver.DefaultReadyTimeout, "how long --ready-url may take to answer 2xx after a reload")
	fs.DurationVar(&o.awaitTimeout, "await-provider-timeout", adminserver.DefaultAwaitProviderTimeout, "how long an alias written with \"Prefer: await-provider\" waits for its provider to be created before it is dropped (see docs/admin-api.md)")
	fs.DurationVar(&o.commitWindow, "commit-window", adminserver.DefaultCommitWindow, "group commit: after each mutation, how long to wait for another before committing (adaptive, see docs/admin-api.md)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate `FILE` (needs --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "the private key `FILE` of --tls-cert")
	fs.StringVar(&o.openBaoAddr, "openbao-addr", getenv("BAO_ADDR"), "OpenBao `URL` for checking vault: references (default $BAO_ADDR)")
	fs.IntVar(&o.limits.MaxConnections, "max-connections", adminserver.DefaultMaxConnections, "cap on open connections; at the cap a new connection evicts the oldest one that is not serving an authenticated request")
	fs.DurationVar(&o.limits.ReadHeaderTimeout, "read-header-timeout", adminserver.DefaultReadHeaderTimeout, "limit for reading a request's headers")
	fs.DurationVar(&o.limits.ReadTimeout, "read-timeout", adminserver.DefaultReadTimeout, "limit for reading a whole request")
	fs.DurationVar(&o.limits.IdleTimeout, "idle-timeout", adminserver.DefaultIdleTimeout, "how long an idle keep-alive connection stays open")
	fs.StringVar(&o.allowEnv, "allow-env", envOr(getenv, "AEGIS_ADMIN_ALLOW_ENV", strings.Join(adminserver.DefaultAllowEnv, ",")),
		"comma-separated `PATTERNS` (globs) of the variables env: references may name; AEGIS_ADMIN_*, BAO_* and VAULT_* never match (default $AEGIS_ADMIN_ALLOW_ENV or the list shown)")
	fs.StringVar(&o.allowVault, "allow-vault-prefix", envOr(getenv, "AEGIS_ADMIN_ALLOW_VAULT_PREFIX", strings.Join(adminserver.DefaultAllowVaultPrefix, ",")),
		"comma-separated OpenBao path `PREFIXES` vault: references may name; * allows all (default $AEGIS_ADMIN_ALLOW_VAULT_PREFIX or the list shown)")
	fs.StringVar(&o.allowHosts, "allow-base-url-host", envOr(getenv, "AEGIS_ADMIN_ALLOW_BASE_URL_HOST", strings.Join(adminserver.DefaultAllowBaseURLHosts, ",")),
		"comma-separated `HOSTS` a base_url may name: exact, *.domain for subdomains, * for any (default $AEGIS_ADMIN_ALLOW_BASE_URL_HOST or the list shown)")
	fs.IntVar(&o.maxExecutions, "max-executions", adminserver.DefaultMaxExecutions, "cap on running executions (429 beyond)")
	fs.DurationVar(&o.executionTTL, "execution-ttl", adminserver.DefaultExecutionTTL, "an execution nobody finished is finished after this long")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "aegis-admin: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run 'aegis-admin -h' for usage")
		return 2
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.config == "" {
		return usageErr("--config FILE is required")
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usageErr("--tls-cert and --tls-key go together")
	}
	if o.readyURL != "" {
		if u, err := url.Parse(o.readyURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("--ready-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8088/health/ready")
		}
		if o.reloadCommand == "" {
			return usageErr("--ready-url needs --reload-command (it is polled after each reload)")
		}
	}
	if o.readyTimeout <= 0 {
		return usageErr("--ready-timeout must be positive")
	}
	if o.reloadTimeout <= 0 {
		return usageErr("--reload-timeout must be positive")
	}
	if o.limits.MaxConnections <= 0 || o.limits.ReadHeaderTimeout <= 0 || o.limits.ReadTimeout <= 0 || o.limits.IdleTimeout <= 0 {
		return usageErr("--max-connections, --read-header-timeout, --read-timeout and --idle-timeout must be positive")
	}
	if o.maxExecutions <= 0 || o.executionTTL <= 0 {
		return usageErr("--max-executions and --execution-ttl must be positive")
	}
	if o.awaitTimeout <= 0 {
		return usageErr("--await-provider-timeout must be positive")
	}
	if o.commitWindow < 0 {
		return usageErr("--commit-window must not be negative")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return usageErr("--log-level: %v", err)
	}
	token, err := readToken(getenv, "AEGIS_ADMIN_TOKEN", o.tokenFile, "--token-file")
	if err != nil {
		return usageErr("%v", err)
	}
	if token == "" {
		return usageErr("AEGIS_ADMIN_TOKEN is not set: the admin API needs a bearer token (or use --token-file)")
	}
	roToken, err := readToken(getenv, "AEGIS_ADMIN_READONLY_TOKEN", o.roTokenFile, "--readonly-token-file")
	if err != nil {
		return usageErr("%v", err)
	}
	for _, t := range []struct{ name, value string }{{"the admin token", token}, {"the read-only token", roToken}} {
		if t.value != "" && len(t.value) < minTokenLength {
			return usageErr("%s is %d characters; use at least %d random characters, e.g. $(openssl rand -hex 16)", t.name, len(t.value), minTokenLength)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "aegis-admin: "+format+"\n", a...)
		return 1
	}

	// Signals are caught from here on, so that a SIGTERM right after the
	// "listening on" line still means a graceful stop.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	var tlsConfig *tls.Config
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fail("loading the TLS certificate: %v", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: modernCiphers}
	}

	srv, err := adminserver.New(adminserver.Config{
		ConfigPath:           o.config,
		ReloadCommand:        o.reloadCommand,
		ReloadTimeout:        o.reloadTimeout,
		ValidateCommand:      o.validateCommand,
		ReadyURL:             o.readyURL,
		ReadyTimeout:         o.readyTimeout,
		CommitWindow:         o.commitWindow,
		AwaitProviderTimeout: o.awaitTimeout,
		Token:                token,
		ReadOnlyToken:        roToken,
		ReloadEnv:            splitList(o.reloadEnv),
		OpenBaoAddr:          o.openBaoAddr,
		OpenBaoToken:         getenv("BAO_TOKEN"),
		Logger:               log,
		Policy: &adminserver.Policy{
			EnvNames: splitList(o.allowEnv), VaultPrefixes: splitList(o.allowVault), BaseURLHosts: splitList(o.allowHosts),
		},
		MaxExecutions: o.maxExecutions,
		ExecutionTTL:  o.executionTTL,
		Watch:         o.watch,
	})
	if err != nil {
		return fail("%v", err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			log.Error("releasing the lock", "error", err)
		}
	}()

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fail("listening on %s: %v", o.listen, err)
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	baseURL := scheme + "://" + ln.Addr().String()

	httpSrv, ln := srv.NewHTTPServer(ln, tlsConfig, o.limits)
	httpSrv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	serveErr := make(chan error, 1)
	// Warn before the ready file and the "listening" line: whoever waits for those
	// (a supervisor, a test) then sees the warning too.
	if tlsConfig == nil && !isLoopback(ln.Addr()) {
		log.Warn("serving plain HTTP on a non-loopback address: bearer tokens and configuration cross the network unencrypted; use --tls-cert and --tls-key, or listen on 127.0.0.1 behind a TLS proxy", "listen", ln.Addr().String())
	}
	go func() { serveErr <- httpSrv.Serve(ln) }()

	// The ready file first: whoever sees the stdout line may rely on it.
	if o.readyFile != "" {
		if err := renameio.WriteFile(o.readyFile, []byte(baseURL+"\n"), 0o644); err != nil {
			_ = httpSrv.Close()
			return fail("writing --ready-file: %v", err)
		}
	}
	fmt.Fprintf(stdout, "listening on %s\n", baseURL)
	log.Info("listening", "url", baseURL, "config", o.config)

	for {
		select {
		case err := <-serveErr:
			return fail("serving: %v", err)
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				go func() {
					res, err := srv.Reload(adminserver.TriggerFile)
					if err != nil {
						log.Error("SIGHUP reload failed; the live config is unchanged", "error", err)
						return
					}
					log.Info("SIGHUP reload done", "generation", res.Generation, "changed", res.Changed)
				}()
				continue
			}
			log.Info("shutting down", "signal", sig.String())
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := httpSrv.Shutdown(ctx)
			cancel()
			if err != nil {
				log.Warn("graceful shutdown incomplete; closing remaining connections", "error", err)
				_ = httpSrv.Close()
			}
			return 0
		}
	}
}
