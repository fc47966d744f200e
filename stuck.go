package sftppush

import (
	"github.com/pkg/sftp"

	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// A striped upload must not hang on one of its extra sessions. A server
// runs each session as its own process (OpenSSH's sftp-server), and one of
// them can stop answering (stuck on a dead disk, killed) while the
// connection and the first session stay healthy: the watchdog would then
// end the whole push as stalled. Instead, an extra session that has waited
// on the server for longer than abandonAfter while the first session has
// not is abandoned: its outcome no longer counts, its session is closed in
// the background and never used again by the connection, and the range it
// was writing is written again over the first session once the others are
// done. When the first session waits too, the whole connection is stuck,
// and that is the watchdog's call.

// abandonAfter is how long an extra session may wait on the server before
// it is abandoned: half the watchdog's timeout, so that the healthy
// sessions finish the file before the watchdog sees no progress, at least
// a second, and 15 seconds when the watchdog is off.
func abandonAfter(stallTimeout time.Duration) time.Duration {
	if stallTimeout <= 0 {
		return 15 * time.Second
	}
	return max(stallTimeout/2, time.Second)
}

// lane is one session's part in a striped upload, as the monitor sees it.
type lane struct {
	sh    *stripes
	slot  *poolSlot  // nil for the first session, which is never abandoned
	pre   *sftp.File // the file opened on this session ahead of its turn (overlap.go)
	start time.Time
	wait  atomic.Int64 // 1 + time.Since(start) when the lane last moved while waiting on the server; 0 when it is not waiting

	mu       sync.Mutex
	off, end int64 // the range being written; off == end when none
	gone     bool  // abandoned

	readyOnce, writingOnce, endOnce sync.Once
	ended                           chan struct{} // closed when the lane's part is over or it is abandoned
}

func newLane(sh *stripes, slot *poolSlot, start time.Time) *lane {
	return &lane{sh: sh, slot: slot, start: start, ended: make(chan struct{})}
}

// waiting notes that the lane sent a request, or moved while waiting.
func (l *lane) waiting() { l.wait.Store(1 + int64(time.Since(l.start))) }

// idle notes that the lane waits on nothing the server owes it.
func (l *lane) idle() { l.wait.Store(0) }

// stuck reports whether the lane has waited on the server without moving
// for at least d.
func (l *lane) stuck(d time.Duration) bool {
	w := l.wait.Load()
	return w != 0 && time.Since(l.start)-time.Duration(w-1) >= d
}

// take claims the lowest free stripe for the lane, unless it is abandoned.
func (l *lane) take() (off, end int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return 0, 0, false
	}
	off, end, ok = l.sh.take()
	if ok {
		l.off, l.end = off, end
	}
	return off, end, ok
}

// extend claims the stripe that starts at off, as stripes.extend does,
// unless the lane is abandoned.
func (l *lane) extend(off int64) (end int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return 0, false
	}
	end, ok = l.sh.extend(off)
	if ok {
		l.end = end
	}
	return end, ok
}

// written notes that the range being written has been acknowledged.
func (l *lane) written() {
	l.idle()
	l.mu.Lock()
	l.off, l.end = 0, 0
	l.mu.Unlock()
}

func (l *lane) abandoned() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gone
}

func (l *lane) finish() { l.endOnce.Do(func() { close(l.ended) }) }

// span is a range of a file, [off, end).
type span struct{ off, end int64 }

// watch abandons stuck extra lanes until stop is closed. lanes[0] is the
// first session's.
func (r *stripeRun) watch(stop <-chan struct{}, after time.Duration) {
	t := time.NewTicker(max(after/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if r.lanes[0].stuck(after) {
			continue // the whole connection is stuck: the watchdog's call
		}
		for _, l := range r.lanes[1:] {
			if l.stuck(after) {
				r.abandon(l)
			}
		}
	}
}

// abandon takes a stuck lane out of the upload: the range it was writing
// is to be written again, the waits no longer wait for it, and its session
// is closed and never used again.
func (r *stripeRun) abandon(l *lane) {
	l.mu.Lock()
	if l.gone {
		l.mu.Unlock()
		return
	}
	l.gone = true
	s := span{l.off, l.end}
	l.mu.Unlock()
	r.mu.Lock()
	if s.end > s.off {
		r.redo = append(r.redo, s)
	}
	r.abandoned++
	r.mu.Unlock()
	r.readyDone(l)
	r.writingDone(l)
	l.finish()
	l.slot.abandon()
}

// rewrite writes the ranges abandoned lanes left over the first session,
// and returns the bytes it sent.
func (c *conn) rewrite(remote string, local io.ReaderAt, redo []span) (sent int64, err error) {
	f, err := openRemote(c.sftp, remote, os.O_WRONLY)
	if err != nil {
		return 0, fmt.Errorf("reopening the file to rewrite a stuck session's stripes: %w", err)
	}
	for _, s := range redo {
		if _, err = f.Seek(s.off, io.SeekStart); err != nil {
			break
		}
		var n int64
		n, err = f.ReadFrom(io.NewSectionReader(local, s.off, s.end-s.off))
		sent += n
		if err == nil && n != s.end-s.off {
			err = io.ErrUnexpectedEOF // the local file shrank
		}
		if err != nil {
			err = fmt.Errorf("rewriting a stuck session's stripe at offset %d: %w", s.off, err)
			break
		}
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing the rewritten file: %w", cerr)
	}
	return sent, err
}

// errLaneAbandoned ends the local reads of an abandoned lane.
var errLaneAbandoned = errors.New("sftppush: the session was abandoned as stuck")
