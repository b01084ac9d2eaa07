package adminserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// workingCopy is what a batch of mutations edits: the llm section and the
// providers whose deletion waits for their last alias to leave. The llm section
// is embedded, so mutations read and edit it directly.
type workingCopy struct {
	*llmconfig.LLM
	// deleting maps a provider that is being deleted to when that was requested.
	deleting map[string]time.Time
	// awaiting maps an alias accepted before its provider existed to its
	// pending write (awaiting.go).
	awaiting map[string]awaitRecord
	// final is set for the committer's last pass over a batch: a mutation that
	// asked to be retried after the others is not retried again.
	final bool
}

func (w *workingCopy) clone() *workingCopy {
	return &workingCopy{LLM: w.Clone(), deleting: maps.Clone(w.deleting), awaiting: maps.Clone(w.awaiting), final: w.final}
}

// finalizeDeletions removes every provider marked deleting that no alias uses
// any more (in the commit in which its last alias left) and forgets marks of
// providers that no longer exist. It returns how many providers it removed.
func (w *workingCopy) finalizeDeletions() int {
	n := 0
	for name := range w.deleting {
		idx := slices.IndexFunc(w.Providers, func(p llmconfig.Provider) bool { return p.Name == name })
		if idx < 0 {
			delete(w.deleting, name)
			continue
		}
		if len(w.AliasesOf(name)) == 0 {
			w.Providers = slices.Delete(w.Providers, idx, idx+1)
			delete(w.deleting, name)
			n++
		}
	}
	return n
}

// prefers reports whether the request's Prefer header carries the preference.
func prefers(r *http.Request, pref string) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, item := range strings.Split(v, ",") {
			token, _, _ := strings.Cut(strings.TrimSpace(item), ";")
			token, _, _ = strings.Cut(token, "=")
			if strings.EqualFold(strings.TrimSpace(token), pref) {
				return true
			}
		}
	}
	return false
}

func pendingDeletions(snap *snapshot) []adminapi.PendingDeletion {
	out := []adminapi.PendingDeletion{}
	for _, name := range slices.Sorted(maps.Keys(snap.deleting)) {
		users := snap.llm.AliasesOf(name)
		if users == nil {
			users = []string{}
		}
		out = append(out, adminapi.PendingDeletion{Provider: name, Since: snap.deleting[name].UTC().Truncate(time.Millisecond), Aliases: users})
	}
	return out
}

// adminState is what the server keeps beside the config file
// (ConfigPath + StateFileSuffix): the pending deletions, the aliases awaiting
// their provider and the remembered idempotency keys. The orchestrator never
// reads it.
type adminState struct {
	Deleting    map[string]time.Time   `json:"deleting,omitempty"`
	Awaiting    map[string]awaitRecord `json:"awaiting,omitempty"`
	Idempotency []idemRecord           `json:"idempotency,omitempty"`
}

// StateFileSuffix names the server's own state file beside the config file.
const StateFileSuffix = ".admin-state.json"

func (s *Server) statePath() string { return s.cfg.ConfigPath + StateFileSuffix }

// loadState reads the state file; a missing file is an empty state. Deletion
// marks of providers that no longer exist are dropped.
func loadState(path string, llm *llmconfig.LLM) (adminState, error) {
	var st adminState
	data, err := os.ReadFile(path) //nolint:gosec // the operator's own state file
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("%s: %w (delete the file to start without pending deletions, awaiting aliases and idempotency keys)", path, err)
	}
	for name := range st.Deleting {
		if llm.Provider(name) == nil {
			delete(st.Deleting, name)
		}
	}
	return st, nil
}

// saveState writes the state file atomically. Only the committer calls it.
func (s *Server) saveState(deleting map[string]time.Time, awaiting map[string]awaitRecord) error {
	st := adminState{Deleting: deleting, Awaiting: awaiting, Idempotency: s.idem.records(time.Now())}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return configfile.WriteFileAtomic(s.statePath(), append(data, '\n'))
}
