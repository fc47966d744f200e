package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sftppush/sftppush/internal/wanproxy"
)

// WAN mode (-wan): the big file, a snapshot and the recording group
// (group.go) uploaded across emulated long links. Each row puts an
// internal/wanproxy in front of the private sshd (each direction delayed by
// RTT/2, capped in bandwidth, at most W bytes in flight toward the server
// as its TCP receive window would allow) and points the contenders at the
// proxy's port. Over plain loopback every client looks alike; across an
// ocean the SSH channel window and the server's TCP window decide the
// speed, and Push's striping over several SFTP sessions is what the rows
// measure.

// wanIDs are the contenders of a WAN row, snapshotIDs those of a snapshot
// row (rclone's hash check is off in both; it matters only for big files),
// groupIDs those of a group row.
var (
	wanIDs      = []string{"sftp", "rclone-nohash", "push1", "push", "push-baseline"}
	snapshotIDs = []string{"sftp", "push1", "push", "push-baseline"}
	groupIDs    = []string{"sftp", "push1", "push", "push-baseline"}
)

// snapshotSize is the snapshot row's file: the target "a 100 KiB snapshot no
// slower than today (extra sessions are opened only when they pay)".
const snapshotSize = 100 << 10

// wanOptions are the WAN mode's flags.
type wanOptions struct {
	on       bool
	rtts     msList
	windows  sizeList
	rate     float64 // bytes/s per direction, 0: no cap
	size     byteSize
	snapshot bool
	groupWin byteSize // the group rows' TCP window
}

// wanFlags registers the WAN mode's flags on the program's flag set.
func wanFlags() *wanOptions {
	o := &wanOptions{
		rtts:     msList{0, 50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond},
		windows:  sizeList{3 << 20, 6 << 20, 0},
		size:     256 << 20,
		snapshot: true,
		groupWin: 6 << 20,
	}
	flag.BoolVar(&o.on, "wan", false, "WAN mode: only the rows across emulated long links (-rtts x -windows), not the loopback workloads")
	flag.Var(&o.rtts, "rtts", "WAN mode: round trips in ms, comma-separated")
	flag.Var(&o.windows, "windows", "WAN mode: the server's TCP receive windows, comma-separated; 0 = unlimited, K/M/G suffixes are powers of 1024")
	flag.Float64Var(&o.rate, "rate", 125e6, "WAN mode: bandwidth cap in bytes/s per direction (125e6 = 1 Gbit/s), 0 = none")
	flag.Var(&o.size, "wansize", "WAN mode: size of the uploaded file (K/M/G suffixes are powers of 1024)")
	flag.BoolVar(&o.snapshot, "snapshot", true, "WAN mode: also a 100 KiB snapshot row per RTT (window unlimited)")
	flag.Var(&o.groupWin, "groupwindow", "WAN mode: the server's TCP receive window in the recording group's rows (one per RTT; -workloads group); 0 = unlimited")
	return o
}

// smoke shrinks the WAN run to a few seconds a row, for CI. 32 MiB is the
// smallest file Push stripes (two minimum stripes), so that at 50 ms the
// striped upload is run and checked too.
func (o *wanOptions) smoke() {
	o.size, o.rtts, o.windows = 32<<20, msList{0, 50 * time.Millisecond}, sizeList{3 << 20, 0}
}

// makeWANWorkloads makes one workload per RTT x window, and per RTT a
// snapshot row when asked for and a recording group row (group.go), all of
// them across an emulated link. The group keeps its real sizes in the
// smoke run, so that its main file is striped there too.
func (e *env) makeWANWorkloads(o *wanOptions, rounds int) []*workload {
	big := e.gen("wan", "wan.bin", "wan.bin", int64(o.size))
	var snap dataFile
	if o.snapshot {
		snap = e.gen("snapshot", "snapshot.jpg", "snapshot.jpg", snapshotSize)
	}
	group := e.genGroup("wangroup", 1)
	var ws []*workload
	for _, rtt := range o.rtts {
		for _, win := range o.windows {
			ws = append(ws, &workload{name: "wan", kind: kindSingle, rounds: rounds, files: []dataFile{big}, only: wanIDs,
				link: &wanproxy.Config{RTT: rtt, Rate: o.rate, Window: int(win)}})
		}
		if o.snapshot {
			ws = append(ws, &workload{name: "snapshot", kind: kindSingle, rounds: rounds, files: []dataFile{snap}, only: snapshotIDs,
				link: &wanproxy.Config{RTT: rtt, Rate: o.rate}, snapshot: true})
		}
		ws = append(ws, &workload{name: "group", kind: kindGroup, rounds: rounds, files: group, only: groupIDs,
			link: &wanproxy.Config{RTT: rtt, Rate: o.rate, Window: int(o.groupWin)}})
	}
	return ws
}

// across starts the workload's emulated link, if it has one, in front of
// the sshd and points the contenders at it; the function it returns closes
// the link and points them back at the sshd.
func (e *env) across(w *workload) (func(), error) {
	if w.link == nil {
		return func() {}, nil
	}
	p, err := wanproxy.Start(net.JoinHostPort(e.host, strconv.Itoa(e.port)), *w.link)
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(p.Addr)
	direct := e.port
	e.port, _ = strconv.Atoi(port)
	return func() {
		p.Close()
		e.port = direct
	}, nil
}

// tag names the workload in progress and FAIL lines.
func (w *workload) tag() string {
	if w.link == nil {
		return w.name
	}
	t := fmt.Sprintf("%s %d ms", w.name, w.link.RTT.Milliseconds())
	if !w.snapshot {
		t += " W=" + windowName(int64(w.link.Window))
	}
	return t
}

// wanHead is the line above the WAN table: what was uploaded, across what,
// how often, on which machine.
func wanHead(o *wanOptions, rounds int) string {
	snap := ""
	if o.snapshot {
		snap = fmt.Sprintf(" (snapshot rows: %s, ms per upload)", sizeName(snapshotSize))
	}
	runs := "1 round: MB/s"
	if rounds != 1 {
		runs = fmt.Sprintf("%d rounds: median MB/s (min-max)", rounds)
	}
	return fmt.Sprintf("%s file, %s, %s%s; ratios are of speed, above 1 Push is faster. Machine: %s; load %s.",
		sizeName(int64(o.size)), bandwidth(o.rate), runs, snap, machine(), loadavg())
}

// bandwidth describes the -rate cap for the tables' headings.
func bandwidth(rate float64) string {
	if rate <= 0 {
		return "no bandwidth cap"
	}
	return fmt.Sprintf("bandwidth cap %.0f Mbit/s per direction", rate*8/1e6)
}

// byWorkload arranges rows for a table of one line per workload, in the
// order run, and one column per contender, in the order first seen.
func byWorkload(rows []row) (ws []*workload, cols []string, cell map[*workload]map[string]row) {
	cell = map[*workload]map[string]row{}
	for _, r := range rows {
		if cell[r.w] == nil {
			cell[r.w] = map[string]row{}
			ws = append(ws, r.w)
		}
		cell[r.w][r.contender] = r
		if !slices.Contains(cols, r.contender) {
			cols = append(cols, r.contender)
		}
	}
	return ws, cols, cell
}

// printWAN prints the WAN mode's tables: the big file's and snapshot's,
// then the recording group's (group.go), each when it has rows.
func printWAN(out io.Writer, rows []row, o *wanOptions, rounds int) {
	var wan, group []row
	for _, r := range rows {
		if r.w.kind == kindGroup {
			group = append(group, r)
		} else {
			wan = append(wan, r)
		}
	}
	if len(wan) > 0 {
		printWANTable(out, wan, wanHead(o, rounds))
	}
	if len(group) > 0 {
		printGroupTable(out, group, groupHead(group[0].w, o, rounds))
	}
}

// printHead prints a table's heading and its header lines: the lead
// columns, one column per contender, then the tail columns, all
// right-aligned.
func printHead(out io.Writer, head string, lead, cols, tail []string) {
	all := slices.Concat(lead, cols, tail)
	fmt.Fprintf(out, "\n%s\n\n|", head)
	for _, c := range all {
		fmt.Fprintf(out, " %s |", c)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "|"+strings.Repeat("---:|", len(all)))
}

// printWANTable prints one line per WAN workload, one column per contender.
func printWANTable(out io.Writer, rows []row, head string) {
	ws, cols, cell := byWorkload(rows)
	printHead(out, head, []string{"RTT", "TCP window", "file size"}, cols, []string{"Push sessions", "Push / sftp", "Push / 1 session"})
	for _, w := range ws {
		fmt.Fprintf(out, "| %d ms | %s | %s |", w.link.RTT.Milliseconds(), windowName(int64(w.link.Window)), sizeName(w.files[0].size))
		for _, c := range cols {
			fmt.Fprintf(out, " %s |", wanCell(cell[w][c]))
		}
		push := cell[w]["Push"]
		fmt.Fprintf(out, " %s | %s | %s |\n", sessionsCell(push.sessions), speedup(push, cell[w]["sftp"]), speedup(push, cell[w]["Push, 1 session"]))
	}
}

// wanCell is a contender's median and, over several rounds, its range.
func wanCell(r row) string {
	if r.w == nil {
		return "-"
	}
	inMS := r.w.inMS()
	if len(r.wall) == 0 {
		return "failed"
	}
	verb := "%.1f"
	if inMS {
		verb = "%.0f"
	}
	med, lo, hi := r.figures()
	s := fmt.Sprintf(verb, med)
	if len(r.wall) > 1 {
		s += fmt.Sprintf(" ("+verb+"-"+verb+")", lo, hi)
	}
	if inMS {
		s += " ms"
	}
	if r.failed > 0 {
		s += fmt.Sprintf(" (%d failed)", r.failed)
	}
	return s
}

// speedup is how many times faster a's median run was than b's.
func speedup(a, b row) string {
	if len(a.wall) == 0 || len(b.wall) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", float64(median(b.wall))/float64(median(a.wall)))
}

// sessionsCell is how many sessions Push wrote the file with: one figure,
// or the range when the rounds differ.
func sessionsCell(s []int) string {
	if len(s) == 0 {
		return "-"
	}
	lo, hi := slices.Min(s), slices.Max(s)
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

// windowName is a TCP window for the tables; 0 is unlimited.
func windowName(w int64) string {
	if w == 0 {
		return "unlimited"
	}
	return sizeName(w)
}

// sizeName is size without a needless ".0": the WAN mode's files and
// windows are whole MiB or KiB.
func sizeName(n int64) string {
	if n >= 1<<20 && n < 1<<30 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return size(n)
}

// machine describes this machine for the tables' headings.
func machine() string {
	return fmt.Sprintf("%s; %d CPUs; %s; %s", cpuModel(), runtime.NumCPU(), kernel(), versionOf("ssh", "-V"))
}
