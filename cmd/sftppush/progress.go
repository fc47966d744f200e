package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The progress line: one line on standard error, redrawn in place, for a
// person watching a push on a terminal. It is fed by Config.Progress
// (bytes the server acknowledged, at most every 250 ms) and redrawn by a
// ticker, so that the time spent connecting, or waiting on a server that
// stopped answering, shows too. It is erased before the report.

// progressLine is what one drawing of the line shows.
type progressLine struct {
	File, Files int    // 1-based index of the file, and how many there are
	Name        string // the file's remote name
	Done, Size  int64  // bytes acknowledged, of the file's size
	Rate        float64
	Idle        time.Duration // since the count last moved
}

// idleShown is how long without progress before the line says so.
const idleShown = 3 * time.Second

// renderProgress draws l in at most width-1 columns (the last column is
// left free so that no terminal wraps): the file, a bar, the percentage,
// bytes, rate and time left, dropping the bar and shortening the name when
// the width is short.
func renderProgress(l progressLine, width int) string {
	if width <= 0 {
		width = 80
	}
	pct := 100.0
	if l.Size > 0 {
		pct = 100 * float64(l.Done) / float64(l.Size)
	}
	stats := fmt.Sprintf("%3.0f%%  %s / %s", pct, size(l.Done), size(l.Size))
	switch {
	case l.Idle >= idleShown && l.Done < l.Size:
		stats += fmt.Sprintf("  no progress for %ds", int(l.Idle.Seconds()))
	case l.Rate > 0:
		stats += "  " + size(int64(l.Rate)) + "/s"
		if left := l.Size - l.Done; left > 0 {
			stats += "  " + clock(time.Duration(float64(left)/l.Rate*float64(time.Second))) + " left"
		}
	}
	prefix := fmt.Sprintf("[%d/%d] ", l.File, l.Files)
	name := l.Name
	room := width - 1 - runes(prefix) - runes(stats) - 2 // two spaces around the bar or before stats
	const minBar, maxBar = 10, 30
	bar := ""
	if barWidth := min(maxBar, room-runes(name)-1); barWidth >= minBar {
		filled := int(float64(barWidth-2) * pct / 100)
		bar = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-2-filled) + "]"
	}
	if bar == "" && runes(name) > room {
		name = shorten(name, room)
	}
	out := prefix + name + "  "
	if bar != "" {
		out += bar + " "
	}
	return shorten(out+stats, width-1)
}

// renderWaiting draws the line before the first file moves: what is going
// on, and for how long.
func renderWaiting(what string, elapsed time.Duration, width int) string {
	if width <= 0 {
		width = 80
	}
	return shorten(fmt.Sprintf("%s... %ds", what, int(elapsed.Seconds())), width-1)
}

// clock prints a time left as m:ss or h:mm:ss.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// shorten keeps s within n runes, ending in "~" when cut.
func shorten(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "~"
}

// meter measures a file's rate over the last few seconds of samples, so
// that the rate follows the link rather than averaging over the whole file.
type meter struct {
	samples []sample
}

type sample struct {
	t    time.Time
	done int64
}

// meterWindow is how far back the rate looks.
const meterWindow = 3 * time.Second

// add records that done bytes were acknowledged at t; a count that went
// back (a file written again from its start) starts the meter afresh.
func (m *meter) add(t time.Time, done int64) {
	if n := len(m.samples); n > 0 && done < m.samples[n-1].done {
		m.samples = m.samples[:0]
	}
	m.samples = append(m.samples, sample{t, done})
	cut := 0
	for cut < len(m.samples)-2 && t.Sub(m.samples[cut+1].t) >= meterWindow {
		cut++
	}
	m.samples = m.samples[cut:]
}

// rate is bytes per second over the window, or 0 when there is not yet
// enough to tell.
func (m *meter) rate() float64 {
	if len(m.samples) < 2 {
		return 0
	}
	first, last := m.samples[0], m.samples[len(m.samples)-1]
	dt := last.t.Sub(first.t)
	if dt < 100*time.Millisecond {
		return 0
	}
	return float64(last.done-first.done) / dt.Seconds()
}

// progressBar draws the progress line on a terminal.
type progressBar struct {
	w     io.Writer
	width func() int
	now   func() time.Time
	names []string // remote names, main file first
	what  string   // what the wait before the first file is, e.g. "connecting to h:22"

	mu       sync.Mutex
	start    time.Time
	file     int // index of the file the line is about, -1 before the first
	done     int64
	size     int64
	moved    time.Time
	meter    meter
	drawn    bool
	finished bool
}

func newProgressBar(w io.Writer, width func() int, names []string, what string) *progressBar {
	b := &progressBar{w: w, width: width, now: time.Now, names: names, what: what, file: -1}
	b.start = b.now()
	return b
}

// progress is the Config.Progress callback.
func (b *progressBar) progress(_ string, file int, done, size int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if file != b.file {
		b.file, b.meter, b.moved = file, meter{}, now
	} else if done != b.done {
		b.moved = now
	}
	b.done, b.size = done, size
	b.meter.add(now, done)
	b.drawLocked(now)
}

// tick redraws the line with the time that passed.
func (b *progressBar) tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drawLocked(b.now())
}

func (b *progressBar) drawLocked(now time.Time) {
	if b.finished {
		return
	}
	var s string
	if b.file < 0 {
		s = renderWaiting(b.what, now.Sub(b.start), b.width())
	} else {
		name := fmt.Sprintf("file %d", b.file+1)
		if b.file < len(b.names) {
			name = b.names[b.file]
		}
		s = renderProgress(progressLine{
			File: b.file + 1, Files: max(len(b.names), b.file+1), Name: name,
			Done: b.done, Size: b.size, Rate: b.meter.rate(), Idle: now.Sub(b.moved),
		}, b.width())
	}
	fmt.Fprint(b.w, "\r"+s+"\x1b[K")
	b.drawn = true
}

// finish erases the line; nothing is drawn afterwards.
func (b *progressBar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
	b.finished = true
}

// run redraws the line every interval until stop is closed, then erases
// it; done is closed when it has.
func (b *progressBar) run(interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			b.finish()
			return
		case <-t.C:
			b.tick()
		}
	}
}
