package configfile

import (
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// WriteFileAtomic replaces path with data: a temporary file in the same directory
// is written and fsynced, renamed over path, and the directory is fsynced, so that
// a crash leaves either the old or the new file, never a torn one.
func WriteFileAtomic(path string, data []byte) error {
	if err := renameio.WriteFile(path, data, 0o600, renameio.WithExistingPermissions()); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path)) //nolint:gosec // directory of the operator's config file
	if err != nil {
		return err
	}
	syncErr := dir.Sync()
	closeErr := dir.Close()
	if syncErr != nil {
		return syncErr
	}
	return closeErr
}
