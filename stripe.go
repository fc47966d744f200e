package sftppush

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
)

const (
	// channelWindow is the window OpenSSH grants each channel, and never
	// more: one session can have at most this much data unacknowledged, so
	// it moves at most channelWindow per round trip, whatever the network.
	channelWindow = 2 << 20

	// stripeTargetRate (bytes/s) is the rate sessions are opened for: one
	// session per channelWindow/stripeTargetRate of round trip, about 8 ms.
	// It is above what one connection carries on most links, so the
	// customer's TCP window or bandwidth, not our session count, becomes
	// the cap; and below 8 ms one session is never the cap.
	stripeTargetRate = 250e6

	// minStripe is the smallest stripe a file is cut for: a new session
	// spends four round trips before its first byte (channel open,
	// subsystem, SFTP init, file open; most of it beside the first
	// session's start, see conn.startSessions), and a file of at least two
	// stripes of eight channel windows keeps that cost small next to its
	// transfer, which takes about one round trip per channel window.
	minStripe = 8 * channelWindow

	// stripeAlign aligns stripe boundaries, so that every session writes
	// whole packets except at the file's end.
	stripeAlign = 64 << 10
)

// stripeTuning lets tests force striping on loopback, where the round trip
// is too short for it.
type stripeTuning struct {
	rtt       time.Duration // used instead of the measured round trip, if positive
	minStripe int64         // used instead of minStripe, if positive
	// together makes every session take its first stripe before any
	// writes, so that each session of a test writes one stripe.
	together bool
}

// sessionsFor decides how many sessions should write a file of size bytes
// at round trip rtt: enough for the bandwidth-delay product at
// stripeTargetRate, at most one per minimum stripe, at most limit, and
// at least one.
func sessionsFor(size int64, rtt time.Duration, limit int, minStripe int64) int {
	if limit < 2 || rtt <= 0 || minStripe <= 0 || size < 2*minStripe {
		return 1
	}
	n := int(math.Ceil(rtt.Seconds() * stripeTargetRate / channelWindow))
	n = min(n, limit)
	if bySize := size / minStripe; int64(n) > bySize {
		n = int(bySize)
	}
	return max(n, 1)
}

// stripe writes [0, size) of local to remote over the connection's first
// session and n-1 of the pool's extra sessions. A session the server refused, or that
// cannot open the file, is left out: fewer sessions, not a failure. It
// returns how many sessions wrote and the bytes they sent; err is the
// first write, close or size failure.
//
// An existing file must be truncated before anyone writes, and sessions
// are separate server processes that need not handle requests in the
// order they were sent: so the first session creates and truncates the
// file, and the others open it (write-only, without truncating) once that
// open has been answered. A fresh name, our own temporary one, is opened
// by every session at once without truncating, which spares the striped
// upload a round trip of one session writing alone. Should such a name
// exist after all (a leftover, one chance in 2^32), whatever it held
// beyond size makes the size check fail, and the single session's
// rewrite truncates it; every byte before size is ours.
func (c *conn) stripe(remote string, local io.ReaderAt, size int64, n int, fresh bool) (used int, sent int64, err error) {
	sh := newStripes(local, size, n)
	n = min(n, int(sh.count)) // alignment may leave fewer stripes than sessions
	r := newStripeRun(sh, n, c.set.stripe.together)
	opened := make(chan struct{}) // closed once the first session's open is answered
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if fresh {
		close(opened)
		flags = os.O_WRONLY | os.O_CREATE
	}
	var wg sync.WaitGroup
	for _, sl := range c.pool.slots[:n-1] {
		wg.Go(func() { r.extra(sl, remote, opened) })
	}
	early := int64(-1) // the size seen beside the closes; -1 if not asked or not answered
	wg.Go(func() {
		r.writing.Wait()
		if sh.aborted() {
			return
		}
		if fi, err := statRemote(c.sftp, remote); err == nil {
			early = fi.Size()
		}
	})
	main, err := openRemote(c.sftp, remote, flags)
	if err != nil {
		sh.abort(err)
	}
	if !fresh {
		close(opened)
	}
	r.session(main)
	wg.Wait()
	used, sent = int(r.used.Load()), sh.sent.Load()
	if err := sh.err(); err != nil {
		return used, sent, err
	}
	if early == size {
		return used, sent, nil
	}
	fi, err := statRemote(c.sftp, remote)
	if err != nil {
		return used, sent, err
	}
	if fi.Size() != size {
		return used, sent, fmt.Errorf("the server stored %d bytes of %d", fi.Size(), size)
	}
	return used, sent, nil
}

// stripeRun is one striped upload's sessions at work. Each session takes
// its first stripe (in tests, every session does before anyone writes;
// otherwise each starts as soon as it can), writes, waits until every
// session's writes have been answered, then closes its handle. The size
// check is sent at that moment too, beside the closes rather than after
// them: a write's status says the data is written, so the size is final
// already on servers like OpenSSH's. A server that only settles the size
// on close gets a second look once every handle is closed.
type stripeRun struct {
	sh       *stripes
	together bool
	ready    sync.WaitGroup // with together: every session has its first stripe
	writing  sync.WaitGroup // every session's writes are answered
	used     atomic.Int32   // sessions that wrote
}

func newStripeRun(sh *stripes, n int, together bool) *stripeRun {
	r := &stripeRun{sh: sh, together: together}
	if together {
		r.ready.Add(n)
	}
	r.writing.Add(n)
	return r
}

// session is one session's part, over f; a nil f (a session the server
// refused, or that cannot open the file) writes nothing but still takes
// part in the waits.
func (r *stripeRun) session(f *sftp.File) {
	sh := r.sh
	var off, end int64
	var ok bool
	if f != nil && !sh.aborted() {
		off, end, ok = sh.take()
	}
	if r.together {
		r.ready.Done()
		r.ready.Wait()
	}
	wrote := f != nil && sh.work(f, off, end, ok)
	r.writing.Done()
	r.writing.Wait()
	if f == nil {
		return
	}
	if err := f.Close(); err != nil && wrote {
		sh.abort(fmt.Errorf("closing a stripe's handle: %w", err))
	}
	if wrote {
		r.used.Add(1)
	}
}

// extra is an extra session's part: it opens remote once the first
// session's open is answered, unless the file is already fully taken.
func (r *stripeRun) extra(sl *poolSlot, remote string, opened <-chan struct{}) {
	// A session still starting when every stripe is taken has nothing
	// left to do.
	select {
	case <-sl.done:
	case <-r.sh.allTaken:
	}
	<-opened
	var f *sftp.File
	if c := sl.ready(); c != nil && !r.sh.aborted() && !r.sh.claimed() {
		f, _ = c.OpenFile(remote, os.O_WRONLY|os.O_CREATE) // on error, the server will not share the file: fewer sessions
	}
	r.session(f)
}

// errStripeAborted stops the stripes still running once one has failed.
var errStripeAborted = errors.New("sftppush: another stripe failed")

// stripesPerSession is how many stripes a file is cut into per session.
// Sessions do not all start together nor move at the same pace; with
// more stripes than sessions, one that finishes early takes another
// instead of idling while the last stripe crawls over one session. Each
// stripe it moves to costs that session one round trip of draining,
// while the others keep the connection busy.
const stripesPerSession = 2

// stripes hands out the stripes of one file to the sessions writing it and
// gathers their outcome. Stripe i is [i*width, min((i+1)*width, size)); a
// session takes the lowest stripe nobody has, and when it reaches the end
// of its stripe while the next one is still free, it goes on into it
// without a pause, so a session left alone writes the file in one pass.
type stripes struct {
	local io.ReaderAt
	size  int64
	width int64
	count int64

	next     atomic.Int64  // the lowest stripe nobody has taken
	sent     atomic.Int64  // bytes the sessions' ReadFrom calls sent
	allTaken chan struct{} // closed once every stripe is taken, or on abort
	once     sync.Once

	mu    sync.Mutex
	first error
	stop  atomic.Bool
}

func newStripes(local io.ReaderAt, size int64, n int) *stripes {
	k := int64(n) * stripesPerSession
	w := (size + k - 1) / k
	w = (w + stripeAlign - 1) / stripeAlign * stripeAlign
	return &stripes{local: local, size: size, width: w, count: (size + w - 1) / w, allTaken: make(chan struct{})}
}

// take claims the lowest free stripe.
func (s *stripes) take() (off, end int64, ok bool) {
	i := s.next.Add(1) - 1
	if i >= s.count-1 {
		s.taken()
	}
	if i >= s.count {
		return 0, 0, false
	}
	return i * s.width, min((i+1)*s.width, s.size), true
}

// extend claims the stripe that starts at off if it is the lowest free one,
// and returns its end.
func (s *stripes) extend(off int64) (end int64, ok bool) {
	i := off / s.width
	if off%s.width != 0 || i >= s.count || !s.next.CompareAndSwap(i, i+1) {
		return 0, false
	}
	if i == s.count-1 {
		s.taken()
	}
	return min((i+1)*s.width, s.size), true
}

func (s *stripes) taken() { s.once.Do(func() { close(s.allTaken) }) }

// claimed reports whether every stripe has been taken.
func (s *stripes) claimed() bool { return s.next.Load() >= s.count }

func (s *stripes) abort(err error) {
	s.mu.Lock()
	if s.first == nil {
		s.first = err
	}
	s.mu.Unlock()
	s.stop.Store(true)
	s.taken()
}

func (s *stripes) aborted() bool { return s.stop.Load() }

func (s *stripes) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

// work writes stripes through f, starting with [off, end) if ok, until
// none is left or one fails. It reports whether it wrote any; the caller
// closes f.
func (s *stripes) work(f *sftp.File, off, end int64, ok bool) (wrote bool) {
	for ; ok && !s.aborted(); off, end, ok = s.take() {
		wrote = true
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			s.abort(err)
			break
		}
		r := &stripeReader{s: s, off: off, end: end}
		n, err := f.ReadFrom(r)
		s.sent.Add(n)
		if r.err != nil {
			err = r.err
		}
		if err != nil && !errors.Is(err, errStripeAborted) {
			s.abort(fmt.Errorf("stripe at offset %d: %w", off, err))
			break
		}
	}
	return wrote
}

// stripeReader reads one session's stripes of the local file, going on
// into the next stripe while it is free. Its Size is the current stripe's,
// which sftp.File.ReadFrom uses to pick its concurrency.
type stripeReader struct {
	s        *stripes
	off, end int64
	err      error // a local read error, kept apart from remote ones
}

func (r *stripeReader) Read(p []byte) (int, error) {
	if r.s.aborted() {
		return 0, errStripeAborted
	}
	if r.off >= r.end {
		end, ok := r.s.extend(r.end)
		if !ok {
			return 0, io.EOF
		}
		r.end = end
	}
	if rest := r.end - r.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := r.s.local.ReadAt(p, r.off)
	r.off += int64(n)
	if n == len(p) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF // the local file shrank
	}
	r.err = err
	return n, err
}

func (r *stripeReader) Size() int64 { return r.end - r.off }
