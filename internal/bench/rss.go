package main

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssSampler follows the process trees of running commands and records each
// process's peak resident set (VmHWM) every period.
//
// wait4's ru_maxrss cannot be used: Go starts children with vfork, and Linux
// carries the parent's resident set into the child's ru_maxrss across exec,
// so every child would report at least this program's own size. VmHWM
// belongs to the process's own address space and starts afresh at exec. A
// process's growth in its last period may be missed, which can only flatter
// the contender; the Push child also reports its own VmHWM at exit.
type rssSampler struct {
	mu    sync.Mutex
	peak  map[int]int64 // pid -> bytes
	roots []int
	stop  chan struct{}
	done  chan struct{}
}

// startSampler starts following the process trees of roots every period
// until total is called.
func startSampler(roots []int, period time.Duration) *rssSampler {
	s := &rssSampler{peak: map[int]int64{}, roots: roots, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// sample records the current VmHWM of every process in the trees.
func (s *rssSampler) sample() {
	todo := append([]int(nil), s.roots...)
	for len(todo) > 0 {
		pid := todo[0]
		todo = todo[1:]
		if hwm := vmHWM(pid); hwm > 0 {
			s.mu.Lock()
			s.peak[pid] = max(s.peak[pid], hwm)
			s.mu.Unlock()
		}
		todo = append(todo, children(pid)...)
	}
}

// total stops the sampler and returns the sum of the processes' peaks.
func (s *rssSampler) total() int64 {
	close(s.stop)
	<-s.done
	var n int64
	for _, v := range s.peak {
		n += v
	}
	return n
}

// vmHWM is the peak resident set of process pid in bytes; 0 when it is
// gone.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	return parseKiB(b, "VmHWM:")
}

// parseKiB finds "key   N kB" in a /proc status file and returns N in bytes.
func parseKiB(b []byte, key string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// children lists the processes forked by any thread of pid.
func children(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, _ := os.ReadDir(dir)
	var out []int
	for _, t := range tasks {
		b, _ := os.ReadFile(dir + "/" + t.Name() + "/children")
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// selfPeakRSS returns this process's VmHWM, for the Push child to report.
func selfPeakRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	return parseKiB(b, "VmHWM:")
}
