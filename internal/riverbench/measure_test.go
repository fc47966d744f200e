package main

import (
	"slices"
	"testing"
	"time"
)

// percentile is the nearest-rank percentile of unsorted values, and
// leaves them in their order.
func TestPercentileNearestRank(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var ds []time.Duration
		for _, n := range ns {
			ds = append(ds, time.Duration(n)*time.Millisecond)
		}
		return ds
	}
	// 1..20 ms, shuffled: the input need not be sorted.
	twenty := ms(7, 3, 20, 1, 14, 9, 2, 18, 5, 11, 16, 4, 13, 8, 19, 6, 12, 17, 10, 15)
	orig := slices.Clone(twenty)
	for _, c := range []struct {
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{twenty, 50, 10 * time.Millisecond}, // rank ceil(10) = 10
		{twenty, 95, 19 * time.Millisecond}, // rank ceil(19) = 19
		{twenty, 96, 20 * time.Millisecond}, // rank ceil(19.2) = 20
		{twenty, 100, 20 * time.Millisecond},
		{twenty, 1, 1 * time.Millisecond}, // rank ceil(0.2) = 1
		{ms(42), 50, 42 * time.Millisecond},
		{ms(42), 95, 42 * time.Millisecond},
		{ms(1, 2), 50, 1 * time.Millisecond},
		{ms(1, 2), 51, 2 * time.Millisecond},
		{nil, 50, 0},
	} {
		if got := percentile(c.ds, c.p); got != c.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(c.ds), c.p, got, c.want)
		}
	}
	if !slices.Equal(twenty, orig) {
		t.Errorf("percentile reordered its input: %v", twenty)
	}
}

// summarize finds the median of odd and even counts, min and max.
func TestSummarize(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want spread
	}{
		{[]float64{3, 1, 2}, spread{med: 2, min: 1, max: 3, n: 3}},
		{[]float64{10, 40, 20, 30}, spread{med: 25, min: 10, max: 40, n: 4}}, // even: mean of the middle two
		{[]float64{5}, spread{med: 5, min: 5, max: 5, n: 1}},
		{nil, spread{}},
	} {
		if got := summarize(c.xs); got != c.want {
			t.Errorf("summarize(%v) = %+v, want %+v", c.xs, got, c.want)
		}
	}
}

// fmtSpread shows the median, and the range when there are several rounds.
func TestFmtSpread(t *testing.T) {
	for _, c := range []struct {
		xs     []float64
		format string
		want   string
	}{
		{[]float64{48.74, 45.1, 50.2}, "%.1f", "48.7 (45.1-50.2)"},
		{[]float64{50}, "%.0f%%", "50%"},
		{[]float64{40, 60}, "%.0f%%", "50% (40%-60%)"},
		{nil, "%.1f", "-"},
	} {
		if got := fmtSpread(c.xs, c.format); got != c.want {
			t.Errorf("fmtSpread(%v, %q) = %q, want %q", c.xs, c.format, got, c.want)
		}
	}
}

// busyShare is the busy part of the ticks between two readings.
func TestBusyShare(t *testing.T) {
	if got := busyShare(cpuTicks{busy: 100, total: 400}, cpuTicks{busy: 175, total: 500}); got != 0.75 {
		t.Errorf("busyShare = %v, want 0.75", got)
	}
	if got := busyShare(cpuTicks{}, cpuTicks{}); got != -1 {
		t.Errorf("busyShare without readings = %v, want -1 (unknown)", got)
	}
}

// statCPU reads utime and stime of a postgres process, and only of one.
func TestStatCPU(t *testing.T) {
	const stat = "2212 (postgres) S 1 2212 2212 0 -1 4194304 19685 1079728 0 0 5 58 3511 1106 20 0 1 0 4263 222543872"
	if d, ok := statCPU(stat, "postgres"); !ok || d != 630*time.Millisecond {
		t.Errorf("statCPU = %v, %v; want 630ms (5+58 ticks), true", d, ok)
	}
	if _, ok := statCPU("77 (my (odd) postgres) S 1 2 3 4 5 6 7 8 9 10 11 12 13", "postgres"); ok {
		t.Error("statCPU took a process of another command for postgres")
	}
	if d, ok := statCPU("77 (a) b) S 1 2 3 4 5 6 7 8 9 10 11 12 13", "a) b"); !ok || d != 230*time.Millisecond {
		t.Errorf("statCPU with a parenthesis in the command = %v, %v; want 230ms, true", d, ok)
	}
	before := map[int]time.Duration{1: time.Second, 2: time.Second, 3: time.Second}
	after := map[int]time.Duration{1: 3 * time.Second, 2: time.Second, 4: 500 * time.Millisecond}
	if got := cpuSince(before, after); got != 2500*time.Millisecond {
		t.Errorf("cpuSince = %v, want 2.5s (2 s more of pid 1, 0.5 s of the new pid 4)", got)
	}
}
