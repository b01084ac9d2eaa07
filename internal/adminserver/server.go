// Package adminserver is the reference implementation of the AEGIS admin API
// (docs/admin-api.md): it owns the llm section of aegis-config.yaml, applies
// mutations through one group-committing writer, publishes every applied change as
// a new generation and, in sidecar mode, triggers the daemon's reload command.
//
// Every validation rule lives in internal/nodeconfig; this package only maps its
// results onto HTTP.
package adminserver

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofrs/flock"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Defaults: DefaultReloadTimeout for a zero Config.ReloadTimeout (which has no
// other meaning); DefaultCommitWindow is aegis-admin's --commit-window default.
const (
	DefaultReloadTimeout = 60 * time.Second
	DefaultReadyTimeout  = 60 * time.Second
	DefaultCommitWindow  = 10 * time.Millisecond
)

// Config configures a Server.
type Config struct {
	// ConfigPath is the node config file (aegis-config.yaml). It is created with an
	// empty llm section when missing and locked exclusively through ConfigPath+".lock".
	ConfigPath string
	// ReloadCommand, when set, selects sidecar mode: `sh -c ReloadCommand` runs after
	// every write, with AEGIS_CONFIG=ConfigPath in its environment.
	ReloadCommand string
	// ReloadEnv names the variables of the server's environment the reload
	// command gets besides PATH, HOME, USER, LOGNAME, LANG, LC_ALL, TZ, TMPDIR
	// and AEGIS_CONFIG (docs/security.md). AEGIS_ADMIN_* never passes.
	ReloadEnv []string
	// ReloadTimeout limits one run of ReloadCommand or ValidateCommand (default 60s).
	ReloadTimeout time.Duration
	// ValidateCommand, when set, runs (`sh -c`) on every new version of the file
	// before it replaces the old one, with AEGIS_CONFIG naming a temporary copy
	// beside the config; a failure refuses the write with 422 and its output.
	ValidateCommand string
	// ReadyURL, when set, is polled after each run of ReloadCommand until it
	// answers 2xx; when ReadyTimeout passes first, the previous file is restored,
	// ReloadCommand runs again and the write fails with 424.
	ReadyURL string
	// ReadyTimeout bounds the wait for ReadyURL (default 60s).
	ReadyTimeout time.Duration
	// CommitWindow is the group-commit quiet gap: after each queued mutation the
	// committer waits this long for another, longer while it expects the writers
	// of recent batches (see collect in committer.go). Taken as it is: zero commits
	// whatever is queued at once (aegis-admin's default is DefaultCommitWindow).
	CommitWindow time.Duration
	// Token is the read-write bearer token (required).
	Token string
	// ReadOnlyToken, when set, may read and run executions but not change the config.
	ReadOnlyToken string
	// OpenBaoAddr, when set, makes vault: references checkable (KV v2 read with
	// OpenBaoToken); otherwise their status is "unchecked".
	OpenBaoAddr  string
	OpenBaoToken string
	// Policy holds the allow-lists for api_key references and base_url hosts of
	// API writes (default DefaultPolicy()).
	Policy *Policy
	// MaxExecutions caps running executions (default DefaultMaxExecutions);
	// ExecutionTTL finishes an execution nobody finished after that long
	// (default DefaultExecutionTTL).
	MaxExecutions int
	ExecutionTTL  time.Duration
	// Logger receives the access log and operational messages (default: discard).
	Logger *slog.Logger
	// Watch reloads valid edits of the config file by itself (OS file notifications
	// on its directory, debounced by WatchDebounce, default DefaultWatchDebounce).
	Watch         bool
	WatchDebounce time.Duration
	// AwaitProviderTimeout bounds how long an alias written with
	// "Prefer: await-provider" waits for its provider before it is dropped
	// (default DefaultAwaitProviderTimeout).
	AwaitProviderTimeout time.Duration
	// Getenv looks up the environment that env: references resolve against
	// (default os.LookupEnv). Only presence is ever reported, never a value.
	Getenv func(string) (string, bool)
}

// Server serves the admin API for one config file.
type Server struct {
	cfg     Config
	log     *slog.Logger
	getenv  func(string) (string, bool)
	lock    *flock.Flock
	handler http.Handler
	vault   *http.Client
	policy  Policy
	creds   *credCache

	tokenSum   [sha256.Size]byte
	roTokenSum [sha256.Size]byte
	hasRO      bool

	file *parsedFile // the commit loop's last parse of the config file
	// checks keeps the commit loop's results of single-entry checks, so that
	// validating the whole config after each change re-checks only what changed.
	checks *llmconfig.Checks
	// settleRetryAt delays the next settleNow after a failed one (commit loop only).
	settleRetryAt time.Time
	files         fileTracker  // the file on disk against the live generation
	watchChecks   atomic.Int64 // looks of the watcher (tests wait for them)

	snap          atomic.Pointer[snapshot]
	lastReload    atomic.Pointer[reloadRecord]
	reloadsTotal  atomic.Int64
	requestsTotal atomic.Int64

	queue     chan *commitRequest
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	idem *idemStore

	execMu   sync.Mutex
	execs    map[string]*Execution
	inflight map[int64]int
}

// snapshot is one published generation. It is immutable once stored.
type snapshot struct {
	generation int64
	llm        *llmconfig.LLM
	revision   string
	// format is the node config file's format (llmconfig.FormatSeed, FormatV1).
	format string
	// deleting lists the providers whose deletion waits for their last alias
	// to leave (see DELETE with Prefer: deferred-delete), with when it was asked.
	deleting map[string]time.Time
	// awaiting holds the aliases accepted before their provider existed
	// (PUT with Prefer: await-provider); they are not part of llm.
	awaiting map[string]awaitRecord
}

type reloadRecord struct {
	Time     time.Time
	Outcome  string
	Duration time.Duration
	Changes  int
	Trigger  string
	Error    string
}

// Reload outcomes and triggers as they appear in GET /v1/admin/status.
const (
	outcomeSuccess = "success"
	outcomeFailure = "failure"

	TriggerAPI     = "api"
	TriggerFile    = "file"
	TriggerStartup = "startup"
)

// New locks and loads the config file and starts the committer (generation 1).
// It fails when another server holds the lock or the file is invalid.
func New(cfg Config) (*Server, error) {
	if cfg.ConfigPath == "" {
		return nil, errors.New("a config file path is required")
	}
	if cfg.Token == "" {
		return nil, errors.New("an admin token is required")
	}
	if cfg.ReadOnlyToken != "" && cfg.ReadOnlyToken == cfg.Token {
		return nil, errors.New("the read-only token must differ from the admin token")
	}
	if cfg.ReloadTimeout <= 0 {
		cfg.ReloadTimeout = DefaultReloadTimeout
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.Policy == nil {
		p := DefaultPolicy()
		cfg.Policy = &p
	}
	if cfg.MaxExecutions <= 0 {
		cfg.MaxExecutions = DefaultMaxExecutions
	}
	if cfg.ExecutionTTL <= 0 {
		cfg.ExecutionTTL = DefaultExecutionTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.LookupEnv
	}
	if cfg.AwaitProviderTimeout <= 0 {
		cfg.AwaitProviderTimeout = DefaultAwaitProviderTimeout
	}

	lock := flock.New(cfg.ConfigPath + ".lock")
	locked, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", cfg.ConfigPath+".lock", err)
	}
	if !locked {
		_ = lock.Close()
		return nil, fmt.Errorf("another aegis-admin already serves %s (lock %s is held)", cfg.ConfigPath, cfg.ConfigPath+".lock")
	}
	llm, format, data, err := loadOrCreate(cfg.ConfigPath)
	if err != nil {
		_ = lock.Unlock()
		return nil, err
	}

	s := &Server{
		checks:   llmconfig.NewChecks(),
		cfg:      cfg,
		log:      cfg.Logger,
		getenv:   cfg.Getenv,
		lock:     lock,
		tokenSum: sha256.Sum256([]byte(cfg.Token)),
		queue:    make(chan *commitRequest, 1024),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		policy:   *cfg.Policy,
		creds:    newCredCache(),
		execs:    map[string]*Execution{},
		inflight: map[int64]int{},
		vault: &http.Client{
			Timeout: 5 * time.Second,
			// Never forward the OpenBao token to wherever a redirect points.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	if cfg.ReadOnlyToken != "" {
		s.hasRO = true
		s.roTokenSum = sha256.Sum256([]byte(cfg.ReadOnlyToken))
	}
	st, err := loadState(cfg.ConfigPath+StateFileSuffix, llm)
	if err != nil {
		_ = lock.Unlock()
		return nil, err
	}
	s.idem = newIdemStore(st.Idempotency, time.Now())
	s.snap.Store(&snapshot{generation: 1, llm: llm, revision: llm.Revision(), format: format, deleting: st.Deleting, awaiting: st.Awaiting})
	s.files.setLive(data)
	s.lastReload.Store(&reloadRecord{Time: time.Now(), Outcome: outcomeSuccess, Trigger: TriggerStartup})
	s.handler = s.routes()
	go s.commitLoop()
	if cfg.Watch {
		if err := s.startWatch(); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	s.log.Info("config loaded", "path", cfg.ConfigPath, "generation", 1,
		"providers", len(llm.Providers), "aliases", len(llm.Aliases), "mode", s.mode(), "format", format)
	return s, nil
}

// loadOrCreate reads and validates the config file (with the server's state beside
// it, see configfile.StatePath), creating it with an empty llm section when it does
// not exist. It returns the LLM configuration and the file's format.
func loadOrCreate(path string) (*llmconfig.LLM, string, []byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if werr := configfile.WriteFileAtomic(path, []byte(configfile.EmptySeed)); werr != nil {
			return nil, "", nil, fmt.Errorf("creating %s: %w", path, werr)
		}
		return &llmconfig.LLM{Aliases: map[string]string{}}, llmconfig.FormatSeed, []byte(configfile.EmptySeed), nil
	}
	if err != nil {
		return nil, "", nil, err
	}
	state, err := readState(path)
	if err != nil {
		return nil, "", nil, err
	}
	doc, err := configfile.ParseWithState(data, state)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%s: %w", path, err)
	}
	llm := doc.LLM()
	if err := llm.ValidateFor(doc.Format()); err != nil {
		return nil, "", nil, fmt.Errorf("%s: invalid LLM configuration: %w", path, err)
	}
	return llm, doc.Format(), data, nil
}

// readState reads the server's own state beside the config file (nil when absent).
func readState(path string) ([]byte, error) {
	b, err := os.ReadFile(configfile.StatePath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// Handler returns the HTTP handler of the admin API (with auth, logging and
// panic recovery).
func (s *Server) Handler() http.Handler { return s.handler }

// Generation returns the live generation.
func (s *Server) Generation() int64 { return s.snap.Load().generation }

// Close stops the committer (after the batch it is applying, if any) and releases
// the file lock. Mutations still queued are answered with 503.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.closeErr = s.lock.Unlock()
	})
	return s.closeErr
}

func (s *Server) mode() string {
	if s.cfg.ReloadCommand != "" {
		return "sidecar"
	}
	return "standalone"
}
