package sftppush

import (
	"sync"
	"sync/atomic"
	"time"
)

// progressEvery is how often Config.Progress hears about a file being
// written, at most.
const progressEvery = 250 * time.Millisecond

// reporter calls Config.Progress for one push from a goroutine of its own:
// the upload only stores numbers (the file being written, where its count
// of acknowledged bytes started), and the goroutine reads them every
// progressEvery. A slow callback makes it skip updates, never the upload
// wait. Each file's last call, once it is uploaded, is queued (at most
// MaxGroupFiles of them), so it is never skipped. A nil *reporter reports
// nothing.
type reporter struct {
	fn        func(recordingID string, file int, done, size int64)
	recording string
	acks      *ackCounter

	file atomic.Int64 // the file being written, -1 if none
	held atomic.Int32 // earlier files whose end is not yet known (hold)
	base atomic.Int64 // acks.load() when its current write began
	size atomic.Int64

	ends chan [2]int64 // files uploaded: index and size
	stop chan struct{}
	wg   sync.WaitGroup
}

// newReporter starts reporting a push's progress to fn over the
// connection's acknowledged bytes; nil if fn is nil.
func newReporter(fn func(string, int, int64, int64), recording string, acks *ackCounter) *reporter {
	if fn == nil {
		return nil
	}
	r := &reporter{fn: fn, recording: recording, acks: acks, ends: make(chan [2]int64, MaxGroupFiles), stop: make(chan struct{})}
	r.file.Store(-1)
	r.wg.Go(r.run)
	return r
}

// begin says that file i, of size bytes, is being written from its start;
// called again when the file is written again from the start.
func (r *reporter) begin(i int, size int64) {
	if r == nil {
		return
	}
	r.file.Store(-1) // no report mixes two files' numbers
	r.size.Store(size)
	r.base.Store(r.acks.load())
	r.file.Store(int64(i))
}

// restart says that the file being written is written again from its
// start (a fallback, a rewrite in place).
func (r *reporter) restart() {
	if r == nil {
		return
	}
	r.base.Store(r.acks.load())
}

// hold says that a file's bytes are sent and its commit runs beside the
// next file's upload (overlap.go): until release, the next file is not
// reported, so that each file's end comes before the next file's start.
func (r *reporter) hold() {
	if r != nil {
		r.held.Add(1)
	}
}

// release ends a hold, once the file's end, if it was uploaded, is queued.
func (r *reporter) release() {
	if r != nil {
		r.held.Add(-1)
	}
}

// uploaded says that file i was uploaded whole.
func (r *reporter) uploaded(i int, size int64) {
	if r == nil {
		return
	}
	r.file.Store(-1)
	r.ends <- [2]int64{int64(i), size}
}

// close delivers what is queued and returns once the last call has
// returned.
func (r *reporter) close() {
	if r == nil {
		return
	}
	close(r.stop)
	r.wg.Wait()
}

func (r *reporter) run() {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	last := [2]int64{-1, -1} // the last file and count reported
	report := func(i, done, size int64) {
		if last != [2]int64{i, done} {
			last = [2]int64{i, done}
			r.fn(r.recording, int(i), done, size)
		}
	}
	ends := func() {
		for {
			select {
			case e := <-r.ends:
				report(e[0], e[1], e[1])
			default:
				return
			}
		}
	}
	for {
		select {
		case <-r.stop:
			ends()
			return
		case e := <-r.ends:
			report(e[0], e[1], e[1])
		case <-t.C:
			ends() // a file's end before the next file's start
			i := r.file.Load()
			if i < 0 || r.held.Load() > 0 {
				continue
			}
			size := r.size.Load()
			done := min(max(r.acks.load()-r.base.Load(), 0), size)
			if r.file.Load() == i { // not changed under us
				report(i, done, size)
			}
		}
	}
}
