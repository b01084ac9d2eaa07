package bench

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Linux /proc readers. On other systems they report nothing (zero values), and
// the report says "n/a".

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat; it is 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// statFields returns the fields of /proc/PID/stat after the command name
// (field 3, the state, is index 0), and the command name.
func statFields(pid int) (comm string, fields []string, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", nil, false
	}
	open, closing := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return "", nil, false
	}
	return string(b[open+1 : closing]), strings.Fields(string(b[closing+1:])), true
}

// CPUTime returns the user+system CPU time a live process has used so far.
func CPUTime(pid int) time.Duration {
	_, f, ok := statFields(pid)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// PeakRSS returns VmHWM, the peak resident set size of a live process, in bytes.
func PeakRSS(pid int) int64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// pids lists the numeric entries of /proc.
func pids() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// FindPID returns the first process whose command line (arguments joined by
// spaces) contains all of the given substrings, or 0.
func FindPID(substrings ...string) int {
	for _, pid := range pids() {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		cmdline := string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))
		found := true
		for _, s := range substrings {
			if !strings.Contains(cmdline, s) {
				found = false
				break
			}
		}
		if found {
			return pid
		}
	}
	return 0
}

// PeakSampler polls the peak RSS of a process and of its children whose command
// name starts with a prefix (the provider plugins Terraform starts), until Stop.
// VmHWM only grows, so the last sample before a process exits is its peak, give
// or take one interval.
type PeakSampler struct {
	root        int
	childPrefix string
	interval    time.Duration
	stop        chan struct{}
	done        chan struct{}

	mu        sync.Mutex
	rootPeak  int64
	childPeak int64
	children  map[int]time.Duration // CPU time of each child at its last sample
}

// StartPeakSampler starts polling pid every interval. childPrefix is matched
// against the kernel's command name, which is cut to 15 bytes.
func StartPeakSampler(pid int, childPrefix string, interval time.Duration) *PeakSampler {
	p := &PeakSampler{root: pid, childPrefix: childPrefix, interval: interval,
		stop: make(chan struct{}), done: make(chan struct{}), children: map[int]time.Duration{}}
	go p.loop()
	return p
}

func (p *PeakSampler) loop() {
	defer close(p.done)
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.sample()
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
	}
}

func (p *PeakSampler) sample() {
	root := PeakRSS(p.root)
	var child int64
	if p.childPrefix != "" && runtime.GOOS == "linux" {
		prefix := p.childPrefix
		if len(prefix) > 15 {
			prefix = prefix[:15]
		}
		for _, pid := range pids() {
			comm, f, ok := statFields(pid)
			if !ok || len(f) < 2 || f[1] != strconv.Itoa(p.root) || !strings.HasPrefix(comm, prefix) {
				continue
			}
			child = max(child, PeakRSS(pid))
			cpu := CPUTime(pid)
			p.mu.Lock()
			p.children[pid] = max(p.children[pid], cpu)
			p.mu.Unlock()
		}
	}
	p.mu.Lock()
	p.rootPeak = max(p.rootPeak, root)
	p.childPeak = max(p.childPeak, child)
	p.mu.Unlock()
}

// Stop ends the polling and returns the peaks in bytes (the child peak is the
// largest of any matching child), how many matching children were seen and the
// CPU time they used up to their last sample (short of at most one interval
// each).
func (p *PeakSampler) Stop() (rootPeak, childPeak int64, children int, childCPU time.Duration) {
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.children {
		childCPU += c
	}
	return p.rootPeak, p.childPeak, len(p.children), childCPU
}

// Machine describes the machine a run was measured on.
type Machine struct {
	CPUs     int     `json:"cpus"`
	Model    string  `json:"model"`
	MemoryGB float64 `json:"memory_gib"`
	Kernel   string  `json:"kernel"`
	GoVer    string  `json:"go"`
}

// ReadMachine reads the machine description from /proc.
func ReadMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVer: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				m.MemoryGB = kb / (1 << 20)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// LoadAverage returns the 1-minute load average, or -1.
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
