//go:build unix

package adminserver

import (
	"os/exec"
	"syscall"
)

// setProcessGroup runs the reload command in its own process group, so that a
// timeout kills everything it started, not only the shell.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
