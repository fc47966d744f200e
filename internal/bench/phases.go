package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sftppush/sftppush"
)

// Where a push's time goes, phase by phase, for the WAN mode's group rows:
// the Push child (with -phases) times its first push and prints
//
//	phase connect NS           Result.Entry.ConnectDuration: DNS, TCP, SSH, login, SFTP start
//	phase file REMOTE NS       each uploaded file, one after another
//	phase close NS             after the last file until Push returned
//
// and the parent divides them by the link's round trip.
//
// The public API has no per-file duration (FileResult has none; the log
// entry has ConnectDuration and UploadDuration only), so a file's phase is
// timed with Config.Progress: it ends when Progress last reported the file
// whole (done == size). That call comes once the file is uploaded and
// verified, unless one of Progress's 250 ms ticks already saw all its
// writes acknowledged: Progress then drops the final call as a repeat, and
// the phase ends between the last write's acknowledgement and the close,
// the close's round trips counted in the next phase. The phases always add
// up to the push's whole time.

// phase is one phase of a push and its duration.
type phase struct {
	name string // "connect", a file's remote name, or "close"
	d    time.Duration
}

// phaseClock follows one push's Progress calls and notes when each of its
// files was last reported whole.
type phaseClock struct {
	recording string // Group.RecordingID of the push followed

	mu    sync.Mutex
	whole map[int]time.Time // file index -> when last reported whole
}

// newPhaseClock follows the push of recordingID.
func newPhaseClock(recordingID string) *phaseClock {
	return &phaseClock{recording: recordingID, whole: map[int]time.Time{}}
}

// progress is the Config.Progress callback.
func (c *phaseClock) progress(recordingID string, file int, done, size int64) {
	if recordingID != c.recording || done != size {
		return
	}
	now := time.Now()
	c.mu.Lock()
	c.whole[file] = now
	c.mu.Unlock()
}

// phases splits the push that was called at start and returned at end,
// with result res, into its phases; none if it never connected.
func (c *phaseClock) phases(res *sftppush.Result, start, end time.Time) []phase {
	connect := res.Entry.ConnectDuration
	if connect == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := []phase{{"connect", connect}}
	prev := start.Add(connect)
	for i, f := range res.Files {
		t, ok := c.whole[i]
		if !ok || f.State != sftppush.FileUploaded {
			continue
		}
		ps = append(ps, phase{f.Remote, t.Sub(prev)})
		prev = t
	}
	return append(ps, phase{"close", end.Sub(prev)})
}

// report prints the push's phases as the parent reads them (childPhases).
func (c *phaseClock) report(w io.Writer, res *sftppush.Result, start, end time.Time) {
	for _, p := range c.phases(res, start, end) {
		switch p.name {
		case "connect", "close":
			fmt.Fprintf(w, "phase %s %d\n", p.name, p.d.Nanoseconds())
		default:
			fmt.Fprintf(w, "phase file %s %d\n", p.name, p.d.Nanoseconds())
		}
	}
}

// childPhases reads the phases a Push child reported; none from another
// tool or an older build.
func childPhases(out string) []phase {
	var ps []phase
	for _, l := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(l, "phase ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		ns, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err != nil {
			continue
		}
		name := f[0]
		if name == "file" {
			name = strings.Join(f[1:len(f)-1], " ")
		}
		ps = append(ps, phase{name, time.Duration(ns)})
	}
	return ps
}

// phasesLine is the phases in round trips of rtt, one decimal, and their
// total: "connect 9.1, main.mp4 7.0, ..., total 26.3". At RTT 0 there are
// no round trips to count, and the figures are ms.
func phasesLine(ps []phase, rtt time.Duration) string {
	unit, verb := rtt, "%s %.1f"
	if rtt <= 0 {
		unit, verb = time.Millisecond, "%s %.0f ms"
	}
	var parts []string
	var total time.Duration
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf(verb, p.name, float64(p.d)/float64(unit)))
		total += p.d
	}
	return strings.Join(append(parts, fmt.Sprintf(verb, "total", float64(total)/float64(unit))), ", ")
}
