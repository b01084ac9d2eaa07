package configfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/google/renameio/v2"
)

// WriteFileAtomic replaces path with data: a temporary file in the same directory
// is written and fsynced, renamed over path, and the directory is fsynced, so that
// a crash leaves either the old or the new file, never a torn one.
//
// When path is a symbolic link, the file it points to is replaced and the link
// is kept (operators link /etc/aegis/aegis-config.yaml to a managed file). The
// new file keeps the old one's mode, owner and group; when the owner or group
// cannot be kept (not running as root or as the owner), nothing is written.
func WriteFileAtomic(path string, data []byte) error {
	target, err := filepath.EvalSymlinks(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		target, err = resolveDangling(path)
		if err != nil {
			return err
		}
	case err != nil:
		return err
	}
	pf, err := renameio.NewPendingFile(target, renameio.WithPermissions(0o600), renameio.WithExistingPermissions())
	if err != nil {
		return err
	}
	defer func() { _ = pf.Cleanup() }()
	if fi, err := os.Stat(target); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && (int(st.Uid) != os.Geteuid() || int(st.Gid) != os.Getegid()) {
			if err := pf.Chown(int(st.Uid), int(st.Gid)); err != nil {
				return fmt.Errorf("keeping the owner and group (%d:%d) of %s: %w; run aegis-admin as the file's owner or as root", st.Uid, st.Gid, target, err)
			}
		}
	}
	if _, err := pf.Write(data); err != nil {
		return err
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(target)) //nolint:gosec // directory of the operator's config file
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

// resolveDangling returns where a write to path lands when path does not exist:
// path itself, or the target of a symbolic link whose target is missing.
func resolveDangling(path string) (string, error) {
	for range 40 {
		link, err := os.Readlink(path)
		if err != nil {
			return path, nil //nolint:nilerr // not a link: path itself is created
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}
