package sftppush

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
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

	// minStripe is the smallest stripe a file is cut for: one channel
	// window, so a file of 4 MiB or more is striped when the round trip
	// makes it pay. The extra sessions start beside the first session's
	// start (conn.startSessions) and are ready by the first file's open,
	// so a stripe costs only its own open, sent beside the first
	// session's, while it saves a round trip per channel window it
	// carries. (A 20 MiB recording at 100 ms: 17 round trips of writes
	// over one session, 10 over several; see the README's Performance.)
	minStripe = channelWindow

	// stripeAlign aligns stripe boundaries, so that every session writes
	// whole packets except at the file's end.
	stripeAlign = 64 << 10
)

// crowdedAt is how many pushes of one Pusher may be in progress at once
// with striping: twice the CPUs Go may use. A push that starts while more
// are running opens no extra sessions. So many pushes at once fill the
// machine and the link without them, and then extra sessions only add
// server processes, memory and CPU; and on a busy machine the round trip
// measured while connecting is the scheduler's delay as much as the
// network's, which would stripe pushes on a LAN.
func crowdedAt() int32 { return int32(2 * runtime.GOMAXPROCS(0)) }

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
//
// pre, if not nil, holds handles of remote opened ahead (overlap.go), used
// instead of opening it again; stripe closes those it does not use.
func (c *conn) stripe(remote string, local io.ReaderAt, size int64, n int, fresh bool, pre *ahead) (used int, sent int64, err error) {
	sh := newStripes(local, size, n)
	n = min(n, int(sh.count)) // alignment may leave fewer stripes than sessions
	r := newStripeRun(sh, n, c.set.stripe.together, c.pool.slots[:n-1], pre)
	opened := make(chan struct{}) // closed once the first session's open is answered
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if fresh {
		close(opened)
		flags = os.O_WRONLY | os.O_CREATE
	}
	// The extra sessions run in the pool's group: an abandoned one may
	// still wait on the server when the file is done, until the
	// connection's close ends it (stuck.go).
	for _, l := range r.lanes[1:] {
		c.pool.wg.Go(func() { r.extra(l, remote, opened) })
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { r.watch(stop, abandonAfter(c.set.stallTimeout)) })
	early := int64(-1) // the size seen beside the closes; -1 if not asked or not answered
	endGrace := func() {}
	wg.Go(func() {
		r.writing.Wait()
		endGrace = c.guard.grace(commitGrace(size)) // for the closes
		if sh.aborted() {
			return
		}
		if fi, err := statRemote(c.sftp, remote); err == nil {
			early = fi.Size()
		}
	})
	main := pre.first()
	if main == nil {
		main, err = openRemote(c.sftp, remote, flags)
	}
	if err != nil {
		sh.abort(err)
	}
	if !fresh {
		close(opened)
	}
	r.session(r.lanes[0], main)
	for _, l := range r.lanes {
		<-l.ended
	}
	close(stop)
	wg.Wait()
	endGrace()
	used, sent = int(r.used.Load()), sh.sent.Load()
	if err := sh.err(); err != nil {
		return used, sent, err
	}
	r.mu.Lock()
	redo := r.redo
	r.mu.Unlock()
	if len(redo) > 0 {
		n, err := c.rewrite(remote, local, redo)
		sent += n
		if err != nil {
			return used, sent, err
		}
		early = -1
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
	lanes    []*lane        // the first session's, then the extra sessions'
	ready    sync.WaitGroup // with together: every session has its first stripe
	writing  sync.WaitGroup // every session's writes are answered
	used     atomic.Int32   // sessions that wrote

	mu        sync.Mutex
	redo      []span // what abandoned lanes were writing
	abandoned int
}

// newStripeRun prepares the run over the first session and the slots'
// sessions, giving each lane what pre opened on its session.
func newStripeRun(sh *stripes, n int, together bool, slots []*poolSlot, pre *ahead) *stripeRun {
	r := &stripeRun{sh: sh, together: together}
	start := time.Now()
	r.lanes = append(r.lanes, newLane(sh, nil, start))
	for _, sl := range slots {
		l := newLane(sh, sl, start)
		l.pre = pre.extra(sl)
		r.lanes = append(r.lanes, l)
	}
	pre.closeExtras()
	if together {
		r.ready.Add(n)
	}
	r.writing.Add(n)
	return r
}

func (r *stripeRun) readyDone(l *lane) {
	if r.together {
		l.readyOnce.Do(r.ready.Done)
	}
}

func (r *stripeRun) writingDone(l *lane) { l.writingOnce.Do(r.writing.Done) }

// session is one session's part, over f; a nil f (a session the server
// refused, or that cannot open the file) writes nothing but still takes
// part in the waits.
func (r *stripeRun) session(l *lane, f *sftp.File) {
	defer l.finish()
	sh := r.sh
	var off, end int64
	var ok bool
	if f != nil && !sh.aborted() {
		off, end, ok = l.take()
	}
	r.readyDone(l)
	r.ready.Wait()
	wrote := f != nil && sh.work(l, f, off, end, ok)
	r.writingDone(l)
	r.writing.Wait()
	if f == nil || l.abandoned() {
		return
	}
	l.waiting()
	err := f.Close()
	l.idle()
	if l.abandoned() {
		return
	}
	if err != nil && wrote {
		sh.abort(fmt.Errorf("closing a stripe's handle: %w", err))
	}
	if wrote {
		r.used.Add(1)
	}
}

// extra is an extra session's part: it opens remote once the first
// session's open is answered, unless the file is already fully taken or
// was opened on this session ahead of its turn (l.pre).
func (r *stripeRun) extra(l *lane, remote string, opened <-chan struct{}) {
	// A session still starting when every stripe is taken has nothing
	// left to do.
	select {
	case <-l.slot.done:
	case <-r.sh.allTaken:
	}
	<-opened
	c := l.slot.ready()
	usable := c != nil && !r.sh.aborted() && !r.sh.claimed()
	f := l.pre
	switch {
	case f != nil && !usable:
		if c != nil {
			f.Close()
		}
		f = nil
	case f == nil && usable:
		l.waiting()
		f, _ = c.OpenFile(remote, os.O_WRONLY|os.O_CREATE) // on error, the server will not share the file: fewer sessions
		l.idle()
	}
	r.session(l, f)
}
