//go:build !unix

package adminserver

import "os/exec"

// setProcessGroup is a no-op where process groups are not available: a timeout
// kills the shell only.
func setProcessGroup(*exec.Cmd) {}
