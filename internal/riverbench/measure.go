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
