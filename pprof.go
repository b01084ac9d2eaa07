//go:build pprof

package main

// Built only with `-tags pprof` (scripts/bench.sh PROFILE=1, see docs/benchmarks.md):
// with AEGIS_PROVIDER_CPUPROFILE=DIR every provider process writes a CPU profile
// DIR/cpu-PID.pprof, and a heap profile DIR/heap-PID.pprof and the goroutines
// DIR/goroutine-PID.txt when Terraform stops it. With AEGIS_PROVIDER_HEAPEVERY=D
// (a duration) it also writes DIR/heap-PID-K.pprof (K = 1, 2, ...) and
// DIR/goroutine-PID-K.txt every D while it runs, to see what stays live over a
// command.
// Release builds carry none of this.

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
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
	every, _ := time.ParseDuration(os.Getenv("AEGIS_PROVIDER_HEAPEVERY"))
	done := make(chan struct{})
	if every > 0 {
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for k := 1; ; k++ {
				select {
				case <-done:
					return
				case <-t.C:
				}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				runtime.GC() // the heap profile then shows what is live now
				runtime.ReadMemStats(&after)
				if f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("memstats-%d.txt", os.Getpid())), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil { //nolint:gosec // the developer's directory
					_, _ = fmt.Fprintf(f, "%d heap_alloc_before_gc=%d heap_alloc_after_gc=%d heap_sys=%d next_gc=%d num_gc=%d\n",
						k, before.HeapAlloc>>20, after.HeapAlloc>>20, after.HeapSys>>20, before.NextGC>>20, after.NumGC)
					_ = f.Close()
				}
				writeProfile(dir, fmt.Sprintf("heap-%d-%d.pprof", os.Getpid(), k), "heap", 0)
				writeProfile(dir, fmt.Sprintf("goroutine-%d-%d.txt", os.Getpid(), k), "goroutine", 1)
			}
		}()
	}
	profileStop = func() {
		close(done)
		stop()
	}
}

// writeProfile writes the named runtime profile into dir/name.
func writeProfile(dir, name, profile string, debug int) {
	f, err := os.Create(filepath.Join(dir, name)) //nolint:gosec // the developer's directory
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup(profile).WriteTo(f, debug)
}
