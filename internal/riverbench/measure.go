package main

import (
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// percentile is the p-th percentile (0 < p <= 100) of ds by the
// nearest-rank method: the smallest value that at least p% of ds are at or
// below. It is 0 for no values; ds is not changed.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// spread is the median, smallest and largest of one figure over the rounds.
type spread struct {
	med, min, max float64
	n             int // how many rounds it summarizes
}

// summarize returns the spread of xs: the median (the mean of the middle
// two for an even count), min and max. No values give the zero spread.
func summarize(xs []float64) spread {
	if len(xs) == 0 {
		return spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return spread{med: med, min: s[0], max: s[n-1], n: n}
}

// childCPU is the user plus system time of an exited child, from the
// rusage wait4 reported for it.
func childCPU(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return ps.UserTime() + ps.SystemTime()
}

// selfCPU is this process's user plus system time so far: the embedded
// SFTP servers, the inserts and the polling of the parent.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTicks are the machine's CPU time counters from /proc/stat, summed over
// its cores: busy and total clock ticks. Both are 0 where /proc/stat is
// missing.
type cpuTicks struct{ busy, total uint64 }

// readTicks reads the first ("cpu") line of /proc/stat: idle and iowait
// are idle, everything else busy.
func readTicks() cpuTicks {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTicks{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return cpuTicks{}
	}
	var t cpuTicks
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		if i >= 8 {
			break // guest times are already counted in user and nice
		}
		t.total += n
		if i != 3 && i != 4 { // idle, iowait
			t.busy += n
		}
	}
	return t
}

// busyShare is the share of the machine's CPU time that was busy between
// two readings, from 0 to 1; -1 when it is unknown.
func busyShare(from, to cpuTicks) float64 {
	if to.total <= from.total {
		return -1
	}
	return float64(to.busy-from.busy) / float64(to.total-from.total)
}

// userHZ is the unit of the CPU times in /proc/<pid>/stat: USER_HZ, 100 on
// every Linux architecture Go runs on.
const userHZ = 100

// postgresCPU reads the user plus system time of every process named
// postgres (the server and its backends, whoever's they are), by PID.
// It is empty where /proc is missing.
func postgresCPU() map[int]time.Duration {
	cpu := map[int]time.Duration{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		if d, ok := statCPU(string(b), "postgres"); ok {
			cpu[pid] = d
		}
	}
	return cpu
}

// statCPU reads utime plus stime from the text of a /proc/<pid>/stat, if
// the process's command is comm. The command is in parentheses and may
// hold spaces and parentheses itself, so the fields are counted from the
// last ")".
func statCPU(stat, comm string) (time.Duration, bool) {
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open || stat[open+1:end] != comm {
		return 0, false
	}
	f := strings.Fields(stat[end+1:]) // from field 3, the state
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / userHZ, true
}

// cpuSince is the CPU time the processes of after used since before: a
// process new in after counts whole. One that exited in between is not
// counted.
func cpuSince(before, after map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range after {
		if t > before[pid] {
			d += t - before[pid]
		}
	}
	return d
}
