package sftppush

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/pkg/sftp"
)

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
	sent     atomic.Int64  // bytes handed to the sessions' writes
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

// work writes stripes through f for lane l, starting with [off, end) if ok, until
// none is left or one fails. It reports whether it wrote any; the caller
// closes f.
func (s *stripes) work(l *lane, f *sftp.File, off, end int64, ok bool) (wrote bool) {
	for ; ok && !s.aborted(); off, end, ok = l.take() {
		wrote = true
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			s.abort(err)
			break
		}
		r := &stripeReader{s: s, l: l, off: off, end: end}
		l.waiting()
		_, err := f.ReadFrom(r)
		l.written()
		if l.abandoned() {
			break // its range is written again; its error does not count
		}
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
	l        *lane
	off, end int64
	err      error // a local read error, kept apart from remote ones
}

func (r *stripeReader) Read(p []byte) (int, error) {
	if r.s.aborted() {
		return 0, errStripeAborted
	}
	r.l.waiting() // asked for more: the server answered earlier writes
	if r.off >= r.end {
		if r.l.abandoned() {
			return 0, errLaneAbandoned
		}
		end, ok := r.l.extend(r.end)
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
	r.s.sent.Add(int64(n)) // handed to the session: counted even if it is abandoned
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
