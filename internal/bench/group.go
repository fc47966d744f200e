package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sftppush/sftppush/internal/wanproxy"
)

// WAN mode's group rows: the recording group (recordingGroup) pushed over
// one connection across an emulated long link, timed in ms against the
// least time the link allows.

// startRoundTrips is what a connection costs, at the least, before its
// first file is opened:
//
//	TCP handshake                                       1
//	SSH version exchange and KEXINIT                    1
//	ECDH key exchange                                   1
//	NEWKEYS and the ssh-userauth service request        1
//	user authentication ("none" for the methods, then
//	the password)                                       2
//	session channel open                                1
//	sftp subsystem request, SFTP INIT sent behind it    1
//	                                                    8
//
// A client that waits for the subsystem's reply before its INIT, or for
// any other reply in turn, pays more, and the files' own opens, closes and
// renames are not counted at all: the floor is a bound that no client
// reaches, not a target.
const startRoundTrips = 8

// linkFloor is the least time that uploading n bytes over one new
// connection can take across the link: the bytes at the link's speed,
// min(Window/RTT, Rate), plus startRoundTrips round trips. A zero Window or
// RTT leaves the Rate; a zero Rate is no cap, and with no limit at all the
// bytes take no time. At RTT 0 the floor is therefore n/Rate.
func linkFloor(n int64, link wanproxy.Config) time.Duration {
	speed := link.Rate // bytes/s; 0: unlimited
	if link.Window > 0 && link.RTT > 0 {
		byWindow := float64(link.Window) / link.RTT.Seconds()
		if speed == 0 || byWindow < speed {
			speed = byWindow
		}
	}
	floor := startRoundTrips * link.RTT
	if speed > 0 {
		floor += time.Duration(float64(n) / speed * float64(time.Second))
	}
	return floor
}

// groupHead is the line above the group table: the files, the link, how
// often, how to read the ratios, on which machine.
func groupHead(w *workload, o *wanOptions, rounds int) string {
	var files []string
	for _, f := range w.files {
		files = append(files, f.remote+" "+sizeName(f.size))
	}
	runs := "1 round: ms"
	if rounds != 1 {
		runs = fmt.Sprintf("%d rounds: median ms (min-max)", rounds)
	}
	return fmt.Sprintf("Recording group across a long link: %s (%s in all) over one connection, one file after another; "+
		"%s; %s. Push / sftp and Push / floor are ratios of time: below 1 Push is faster. "+
		"Floor: the group's bytes at min(window/RTT, rate) plus %d round trips (TCP, SSH and SFTP start). Machine: %s; load %s.",
		strings.Join(files, ", "), size(w.bytes()), bandwidth(o.rate), runs, startRoundTrips, machine(), loadavg())
}

// printGroupTable prints one line per group row (an RTT), one column per
// contender, Push's time against sftp's and against the link's floor,
// and below the table Push's round trips per phase.
func printGroupTable(out io.Writer, rows []row, head string) {
	ws, cols, cell := byWorkload(rows)
	printHead(out, head, []string{"RTT", "TCP window"}, cols, []string{"Push sessions", "Push / sftp (time)", "floor", "Push / floor (time)"})
	for _, w := range ws {
		fmt.Fprintf(out, "| %d ms | %s |", w.link.RTT.Milliseconds(), windowName(int64(w.link.Window)))
		for _, c := range cols {
			fmt.Fprintf(out, " %s |", wanCell(cell[w][c]))
		}
		push := cell[w]["Push"]
		floor := linkFloor(w.bytes(), *w.link)
		fmt.Fprintf(out, " %s | %s | %s | %s |\n", sessionsCell(push.sessions), timeRatio(push, cell[w]["sftp"]),
			floorCell(floor), timeRatio(push, row{w: w, wall: []time.Duration{floor}}))
	}
	printPhases(out, ws, cell)
}

// printPhases prints, under the group table, Push's phases in its median
// round of each row, counted in the row's round trips.
func printPhases(out io.Writer, ws []*workload, cell map[*workload]map[string]row) {
	head := false
	for _, w := range ws {
		push := cell[w]["Push"]
		if len(push.phases) == 0 {
			continue
		}
		if !head {
			head = true
			fmt.Fprintln(out, "\nPush's round trips per phase in its median round (a phase's time / RTT; ms at RTT 0). "+
				"A file's phase ends when Config.Progress last reported it whole: once it is verified, or already when "+
				"its last write was acknowledged, its close then counted in the next phase (phases.go).")
		}
		fmt.Fprintf(out, "- %d ms: %s\n", w.link.RTT.Milliseconds(), phasesLine(push.phases, w.link.RTT))
	}
}

// timeRatio is a's median time over b's: below 1, a is faster.
func timeRatio(a, b row) string {
	if len(a.wall) == 0 || len(b.wall) == 0 || median(b.wall) <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(median(a.wall))/float64(median(b.wall)))
}

// floorCell is the floor in ms; "-" when the link sets none.
func floorCell(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f ms", ms(d))
}
