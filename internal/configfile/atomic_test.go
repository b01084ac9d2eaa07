package configfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteFileAtomicThroughSymlink: a write through a symbolic link replaces the
// link's target and keeps the link; the file keeps its mode, owner and group.
func TestWriteFileAtomicThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "managed", "aegis-config.yaml")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("llm: {}\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o640); err != nil {
		t.Fatal(err)
	}
	uid, gid := os.Getuid(), os.Getgid()
	if os.Geteuid() == 0 { // CI runs as root: hand the file to nobody:nogroup
		uid, gid = 65534, 65534
		if err := os.Chown(target, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "aegis-config.yaml")
	if err := os.Symlink(filepath.Join("managed", "aegis-config.yaml"), link); err != nil {
		t.Fatal(err)
	}

	if err := WriteFileAtomic(link, []byte("llm:\n  providers: []\n")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced by a regular file: %v %v", fi.Mode(), err)
	}
	got, err := os.ReadFile(target)
	if err != nil || string(got) != "llm:\n  providers: []\n" {
		t.Fatalf("the target holds %q (%v)", got, err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	st := fi.Sys().(*syscall.Stat_t)
	if int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("owner %d:%d, want %d:%d", st.Uid, st.Gid, uid, gid)
	}
	if os.Geteuid() != 0 {
		t.Log("not root: owner preservation across users is checked in CI (root)")
	}

	// A dangling link: the target is created, the link kept.
	dangling := filepath.Join(dir, "new.yaml")
	if err := os.Symlink(filepath.Join("managed", "new.yaml"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(dangling, []byte("x: 1\n")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the dangling link was replaced: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "managed", "new.yaml")); err != nil || string(b) != "x: 1\n" {
		t.Fatalf("dangling target: %q %v", b, err)
	}
}
