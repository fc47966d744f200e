package main

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/internal/wanproxy"
)

// TestParseSize: sizes with and without suffixes, and formatSize's output,
// read back; malformed ones are refused.
func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "12": 12, "100K": 100 << 10, "3M": 3 << 20, " 6m ": 6 << 20, "256M": 256 << 20, "1G": 1 << 30, "4g": 4 << 30,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
		if back, err := parseSize(formatSize(want)); err != nil || back != want {
			t.Errorf("parseSize(formatSize(%d) = %q) = %d, %v", want, formatSize(want), back, err)
		}
	}
	for _, in := range []string{"", "M", "-1", "3X", "3MB", "1.5M", "9999999999G"} {
		if n, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, n)
		}
	}
}

// TestFormatSize: the largest exact suffix, none when there is none.
func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 1000: "1000", 3 << 20: "3M", 1536 << 10: "1536K", 2 << 30: "2G"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// The flags replace their defaults rather than add to them, and show them
// in -help in the syntax they read.
func TestWANFlags(t *testing.T) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var rtts msList = msList{0, 50 * time.Millisecond}
	var wins sizeList = sizeList{3 << 20, 0}
	var sz byteSize = 256 << 20
	fs.Var(&rtts, "rtts", "")
	fs.Var(&wins, "windows", "")
	fs.Var(&sz, "wansize", "")
	if rtts.String() != "0,50" || wins.String() != "3M,0" || sz.String() != "256M" {
		t.Fatalf("defaults shown as %q %q %q", rtts.String(), wins.String(), sz.String())
	}
	if err := fs.Parse([]string{"-rtts", "100,12.5", "-windows", "6M", "-wansize", "32M"}); err != nil {
		t.Fatal(err)
	}
	if len(rtts) != 2 || rtts[0] != 100*time.Millisecond || rtts[1] != 12500*time.Microsecond {
		t.Errorf("rtts = %v", rtts)
	}
	if len(wins) != 1 || wins[0] != 6<<20 {
		t.Errorf("windows = %v", wins)
	}
	if sz != 32<<20 {
		t.Errorf("wansize = %d", sz)
	}
	for _, bad := range [][]string{{"-rtts", "-5"}, {"-rtts", "a"}, {"-windows", "3M,x"}, {"-wansize", "big"}} {
		fs.SetOutput(new(strings.Builder))
		if err := fs.Parse(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestChildReport: the Push child's report lines are read back, and
// another tool's output reports nothing.
func TestChildReport(t *testing.T) {
	out := "peak-rss 10485760\nfallback stripe: server refused a second session\nsessions 7\n"
	if n := childInt(out, "peak-rss"); n != 10485760 {
		t.Errorf("peak-rss = %d", n)
	}
	if n := childInt(out, "sessions"); n != 7 {
		t.Errorf("sessions = %d", n)
	}
	if fb, ok := childLine(out, "fallback"); !ok || fb != "stripe: server refused a second session" {
		t.Errorf("fallback = %q, %v", fb, ok)
	}
	if n := childInt("some tool's output\n", "sessions"); n != 0 {
		t.Errorf("no report: sessions = %d", n)
	}
}

// TestWANCells: the WAN table's cells, speed-ups and session counts.
func TestWANCells(t *testing.T) {
	w := &workload{kind: kindSingle, files: []dataFile{{size: 100 << 20}}}
	r := row{w: w, wall: []time.Duration{4 * time.Second, 5 * time.Second, 8 * time.Second}}
	// 104.9 MB: 26.2, 21.0 (median), 13.1 MB/s
	if got := wanCell(r); got != "21.0 (13.1-26.2)" {
		t.Errorf("wanCell = %q", got)
	}
	if got := wanCell(row{w: w, wall: r.wall[:1]}); got != "26.2" {
		t.Errorf("one round: wanCell = %q", got)
	}
	if got := wanCell(row{w: w, failed: 1}); got != "failed" {
		t.Errorf("all failed: wanCell = %q", got)
	}
	if got := wanCell(row{}); got != "-" {
		t.Errorf("did not run: wanCell = %q", got)
	}
	snap := &workload{kind: kindSingle, snapshot: true, files: []dataFile{{size: 100 << 10}}}
	if got := wanCell(row{w: snap, wall: []time.Duration{300 * time.Millisecond, 412 * time.Millisecond}}); got != "356 (300-412) ms" {
		t.Errorf("snapshot: wanCell = %q", got)
	}
	fast := row{w: w, wall: []time.Duration{2 * time.Second}}
	if got := speedup(fast, r); got != "2.50x" {
		t.Errorf("speedup = %q", got)
	}
	if got := speedup(fast, row{}); got != "-" {
		t.Errorf("speedup without a reference = %q", got)
	}
	if got := sessionsCell([]int{7, 10, 7}); got != "7-10" {
		t.Errorf("sessionsCell = %q", got)
	}
	if got := sessionsCell([]int{1}); got != "1" {
		t.Errorf("sessionsCell = %q", got)
	}
}

// TestLinkFloor: the recording group's floor is its bytes at the slower of
// window/RTT and the rate, plus the 8 round trips of a connection's start.
func TestLinkFloor(t *testing.T) {
	var group int64
	for _, f := range recordingGroup {
		group += f.size
	}
	const gbit = 125e6
	rateOnly := float64(group) / gbit * 1000 // ms: 215.5
	for _, c := range []struct {
		name string
		link wanproxy.Config
		want float64 // ms
	}{
		// 25.7 MiB at 6 MiB per 100 ms (62.9 MB/s, under the 125 MB/s
		// cap) is 428 ms, plus 8 x 100 ms.
		{"window-bound", wanproxy.Config{RTT: 100 * time.Millisecond, Window: 6 << 20, Rate: gbit}, 1228.1},
		{"rate-bound", wanproxy.Config{RTT: 50 * time.Millisecond, Window: 6 << 20, Rate: gbit}, rateOnly + 400},
		{"RTT 0", wanproxy.Config{Window: 6 << 20, Rate: gbit}, rateOnly},
		{"unlimited window", wanproxy.Config{RTT: 150 * time.Millisecond, Rate: gbit}, rateOnly + 1200},
		{"no cap", wanproxy.Config{RTT: 100 * time.Millisecond, Window: 6 << 20}, 1228.1},
		{"no limit", wanproxy.Config{}, 0},
	} {
		if got := ms(linkFloor(group, c.link)); got < c.want-0.1 || got > c.want+0.1 {
			t.Errorf("%s: floor %.1f ms, want %.1f", c.name, got, c.want)
		}
	}
}

// TestPhases: the child splits a push into connect, each uploaded file and
// close, which add up to the push's time; the parent reads them back and
// counts them in round trips.
func TestPhases(t *testing.T) {
	start := time.Now()
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	c := newPhaseClock("bench")
	c.progress("bench", 0, 5, 10) // not whole yet
	c.progress("other", 1, 10, 10)
	c.whole[0], c.whole[2] = at(1600), at(2100)
	res := &sftppush.Result{
		Entry: sftppush.LogEntry{ConnectDuration: 900 * time.Millisecond},
		Files: []sftppush.FileResult{
			{Remote: "main.mp4", State: sftppush.FileUploaded},
			{Remote: "raw.webm", State: sftppush.FileFailed},
			{Remote: "snapshot.jpg", State: sftppush.FileUploaded},
		},
	}
	var out strings.Builder
	c.report(&out, res, start, at(2130))
	want := "phase connect 900000000\nphase file main.mp4 700000000\nphase file snapshot.jpg 500000000\nphase close 30000000\n"
	if out.String() != want {
		t.Fatalf("report:\n%s\nwant:\n%s", out.String(), want)
	}
	ps := childPhases("peak-rss 1\n" + out.String() + "sessions 1\n")
	if got := phasesLine(ps, 100*time.Millisecond); got != "connect 9.0, main.mp4 7.0, snapshot.jpg 5.0, close 0.3, total 21.3" {
		t.Errorf("phasesLine = %q", got)
	}
	if got := phasesLine(ps[:2], 0); got != "connect 900 ms, main.mp4 700 ms, total 1600 ms" {
		t.Errorf("phasesLine at RTT 0 = %q", got)
	}
	if ps := c.phases(&sftppush.Result{}, start, at(50)); ps != nil {
		t.Errorf("never connected: phases %v", ps)
	}
	if ps := childPhases("some tool's output\nphase of the moon\n"); ps != nil {
		t.Errorf("not a child's report: phases %v", ps)
	}
}

// TestMedianRound: the phases shown are those of the median good run.
func TestMedianRound(t *testing.T) {
	ss := []sample{
		{wall: 3 * time.Second, phases: []phase{{"connect", 3}}},
		{wall: time.Second, failed: "boom"},
		{wall: 1 * time.Second, phases: []phase{{"connect", 1}}},
		{wall: 2 * time.Second, phases: []phase{{"connect", 2}}},
		{wall: 4 * time.Second, phases: []phase{{"connect", 4}}},
	}
	if got := medianRound(ss).phases[0].d; got != 2 {
		t.Errorf("median round of 1,2,3,4 s: phases of the %d s run, want the 2 s one", got)
	}
	if got := medianRound(ss[:3]).phases[0].d; got != 1 {
		t.Errorf("median round of 1,3 s: phases of the %d s run, want the 1 s one", got)
	}
	if got := medianRound(ss[1:2]); got.phases != nil {
		t.Errorf("no good run: %v", got)
	}
}

// TestGroupTable: a group row shows each contender's ms, Push's time over
// sftp's and over the floor, and below the table Push's phases in round
// trips.
func TestGroupTable(t *testing.T) {
	var files []dataFile
	for _, f := range recordingGroup {
		files = append(files, dataFile{remote: f.name, size: f.size})
	}
	w := &workload{name: "group", kind: kindGroup, files: files,
		link: &wanproxy.Config{RTT: 100 * time.Millisecond, Window: 6 << 20, Rate: 125e6}}
	rows := []row{
		{w: w, contender: "sftp", wall: []time.Duration{3 * time.Second, 3200 * time.Millisecond}},
		{w: w, contender: "Push", wall: []time.Duration{1500 * time.Millisecond}, sessions: []int{7},
			phases: []phase{{"connect", 910 * time.Millisecond}, {"main.mp4", 590 * time.Millisecond}}},
	}
	var out strings.Builder
	printGroupTable(&out, rows, "head")
	for _, want := range []string{
		"| RTT | TCP window | sftp | Push | Push sessions | Push / sftp (time) | floor | Push / floor (time) |",
		"| 100 ms | 6 MiB | 3100 (3000-3200) ms | 1500 ms | 7 | 0.48 | 1228 ms | 1.22 |",
		"- 100 ms: connect 9.1, main.mp4 5.9, total 15.0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}
