//go:build pprof

package main

// Built only with `-tags pprof` (scripts/bench.sh PROFILE=1, see docs/benchmarks.md):
// with AEGIS_PROVIDER_CPUPROFILE=DIR every provider process writes a CPU profile
// DIR/cpu-PID.pprof, and a heap profile DIR/heap-PID.pprof and the goroutines
// DIR/goroutine-PID.txt when Terraform stops it.
// Release builds carry none of this.

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

func init() {
	dir := os.Getenv("AEGIS_PROVIDER_CPUPROFILE")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid()))) //nolint:gosec // the developer's directory
	if err != nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return
	}
	// Serve returns when Terraform closes the plugin; main then calls profileStop.
	stop := func() {
		pprof.StopCPUProfile()
		_ = f.Close()
		if h, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", os.Getpid()))); err == nil { //nolint:gosec // the developer's directory
			runtime.GC()
			_ = pprof.WriteHeapProfile(h)
			_ = h.Close()
		}
		if g, err := os.Create(filepath.Join(dir, fmt.Sprintf("goroutine-%d.txt", os.Getpid()))); err == nil { //nolint:gosec // the developer's directory
			_ = pprof.Lookup("goroutine").WriteTo(g, 1)
			_ = g.Close()
		}
	}
	profileStop = stop
}
