package adminserver

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// TriggerWatch is the reload trigger of Config.Watch.
const TriggerWatch = "watch"

// DefaultWatchDebounce is how long the watcher waits after the last change of the
// config file before it looks at it: editors write in several steps.
const DefaultWatchDebounce = 250 * time.Millisecond

// startWatch watches the config file's directory (editors and our own atomic
// writes replace the file, so a watch on the file itself would go stale) and
// reloads a valid edit once the file has been quiet for the debounce time. An
// invalid edit is left alone: it is logged and reported in file_edit, never
// half-applied (a reload validates the whole file first). The server's own
// writes are not edits (fileEdit knows their hashes).
func (s *Server) startWatch() error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("--watch: %w", err)
	}
	dir := filepath.Dir(s.cfg.ConfigPath)
	if err := w.Add(dir); err != nil {
		_ = w.Close()
		return fmt.Errorf("--watch: watching %s: %w", dir, err)
	}
	debounce := s.cfg.WatchDebounce
	if debounce <= 0 {
		debounce = DefaultWatchDebounce
	}
	name := filepath.Clean(s.cfg.ConfigPath)
	go func() {
		defer func() { _ = w.Close() }()
		var timer <-chan time.Time
		for {
			select {
			case <-s.stop:
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if filepath.Clean(ev.Name) == name {
					timer = time.After(debounce)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				s.log.Warn("watching the config file", "error", err)
			case <-timer:
				timer = nil
				s.watchChanged()
			}
		}
	}()
	s.log.Info("watching the config file for edits", "path", s.cfg.ConfigPath, "debounce_ms", debounce.Milliseconds())
	return nil
}

// watchChanged reloads the file when it holds a valid edit.
func (s *Server) watchChanged() {
	defer s.watchChecks.Add(1)
	e := s.fileEdit()
	switch {
	case e == nil: // our own write, or back to what is live
	case !e.Valid:
		s.log.Warn("the config file holds an invalid edit; left alone until it is fixed", "path", e.Path, "sha256", e.SHA256, "error", e.Error)
	default:
		res, err := s.Reload(TriggerWatch)
		if err != nil {
			s.log.Warn("reloading the edited config file failed; the live config is unchanged", "path", e.Path, "error", s.redact(err.Error(), s.snap.Load().llm))
			return
		}
		s.log.Info("reloaded the edited config file", "path", e.Path, "generation", res.Generation, "changed", res.Changed)
	}
}
