package adminserver

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
)

// fileTracker compares the config file on disk with the bytes the live generation
// came from, so that an edit nobody reloaded is visible in every read and in the
// status instead of surfacing as a 409 on the next apply.
type fileTracker struct {
	mu      sync.Mutex
	live    [sha256.Size]byte // the file the live generation came from (or the server wrote)
	pending [][sha256.Size]byte
	// The last look: the file's size and modification time, and what it showed.
	seen    bool
	size    int64
	modTime time.Time
	sum     [sha256.Size]byte
	edit    *adminapi.FileEdit
}

// setLive records the bytes the live generation now corresponds to.
func (f *fileTracker) setLive(data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.live = sha256.Sum256(data)
	f.seen = false
}

// writing marks bytes the committer is about to write as the server's own, until done.
func (f *fileTracker) writing(data []byte) (done func()) {
	sum := sha256.Sum256(data)
	f.mu.Lock()
	f.pending = append(f.pending, sum)
	f.seen = false
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, p := range f.pending {
			if p == sum {
				f.pending = append(f.pending[:i], f.pending[i+1:]...)
				break
			}
		}
		f.seen = false
	}
}

func (f *fileTracker) ours(sum [sha256.Size]byte) bool {
	if sum == f.live {
		return true
	}
	for _, p := range f.pending {
		if p == sum {
			return true
		}
	}
	return false
}

// fileEdit reports how the file on disk differs from the live generation, or nil
// when it does not. A file that did not change since the last look (same size and
// modification time) is not read again; a given content is parsed once.
func (s *Server) fileEdit() *adminapi.FileEdit {
	f := &s.files
	path := s.cfg.ConfigPath
	fi, statErr := os.Stat(path)
	f.mu.Lock()
	if statErr == nil && f.seen && fi.Size() == f.size && fi.ModTime().Equal(f.modTime) {
		e := f.edit
		f.mu.Unlock()
		return e
	}
	live := f.live
	f.mu.Unlock()

	data, err := os.ReadFile(path) //nolint:gosec // the operator chooses the config path
	if err != nil {
		return &adminapi.FileEdit{Path: path, LiveSHA256: hex.EncodeToString(live[:]), NoticedAt: time.Now().UTC().Truncate(time.Millisecond),
			Error: fmt.Sprintf("the config file cannot be read: %v", err)}
	}
	sum := sha256.Sum256(data)

	f.mu.Lock()
	if f.ours(sum) {
		f.remember(fi, statErr, sum, nil)
		f.mu.Unlock()
		return nil
	}
	if f.edit != nil && f.sum == sum {
		e := f.edit
		f.remember(fi, statErr, sum, e)
		f.mu.Unlock()
		return e
	}
	f.mu.Unlock()

	snap := s.snap.Load()
	e := &adminapi.FileEdit{
		Path: path, SHA256: hex.EncodeToString(sum[:]), LiveSHA256: hex.EncodeToString(live[:]),
		NoticedAt: time.Now().UTC().Truncate(time.Millisecond), Valid: true,
	}
	state, err := readState(path)
	if err == nil {
		var doc configfile.Document
		if doc, err = configfile.ParseWithState(data, state); err == nil {
			llm := doc.LLM()
			e.LLMChanged = llm.Revision() != snap.revision || doc.Format() != snap.format
			err = llm.ValidateFor(doc.Format())
		}
	}
	if err != nil {
		e.Valid = false
		e.Error = s.redact(err.Error(), snap.llm)
	}
	f.mu.Lock()
	f.remember(fi, statErr, sum, e)
	f.mu.Unlock()
	s.log.Warn("the config file was edited and not reloaded", "path", path, "sha256", e.SHA256,
		"valid", e.Valid, "error", e.Error, "llm_changed", e.LLMChanged)
	return e
}

// remember stores the result of a look; the caller holds f.mu.
func (f *fileTracker) remember(fi os.FileInfo, statErr error, sum [sha256.Size]byte, e *adminapi.FileEdit) {
	f.sum, f.edit = sum, e
	f.seen = statErr == nil
	if f.seen {
		f.size, f.modTime = fi.Size(), fi.ModTime()
	}
}

// markFileEdit sets the Aegis-File-Edit header of a read and returns the edit.
func (s *Server) markFileEdit(w http.ResponseWriter) *adminapi.FileEdit {
	e := s.fileEdit()
	if e != nil {
		w.Header().Set(adminapi.HeaderFileEdit, "sha256="+e.SHA256+"; valid="+strconv.FormatBool(e.Valid))
	}
	return e
}
