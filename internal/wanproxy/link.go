package wanproxy

import (
	"net"
	"sync"
	"time"
)

// readSize is the most bytes taken from the sender at once.
const readSize = 64 << 10

// paceSlack is how far ahead of the rate cap the reader may run.
const paceSlack = 2 * time.Millisecond

// queueLen bounds the chunks waiting for their delivery time; a full
// queue stops reading, which the sender sees as a full socket.
const queueLen = 16384

// chunk is a piece of the stream and when it reaches the other end.
type chunk struct {
	data []byte
	at   time.Time
}

// ack returns window credit at a given time.
type ack struct {
	n  int
	at time.Time
}

// link is one direction of a proxied connection: read from src, delay,
// pace to the rate, write to dst, and (with a window) hold the credit of
// each byte until its acknowledgement would be back.
type link struct {
	p        *Proxy
	src, dst net.Conn
	delay    time.Duration // one way: RTT/2
	rate     float64
	window   int

	queue chan chunk
	acked chan ack

	mu       sync.Mutex
	cond     *sync.Cond
	inFlight int
	stopped  bool // the write side has ended: nothing waits for credit
}

func (p *Proxy) newLink(src, dst net.Conn, window int) *link {
	l := &link{p: p, src: src, dst: dst, delay: p.cfg.RTT / 2, rate: p.cfg.Rate, window: window,
		queue: make(chan chunk, queueLen), acked: make(chan ack, queueLen)}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// credit waits until the window has room and returns how much.
func (l *link) credit() (int, bool) {
	if l.window <= 0 {
		return readSize, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.inFlight >= l.window && !l.stopped {
		l.cond.Wait()
	}
	if l.stopped {
		return 0, false
	}
	return min(readSize, l.window-l.inFlight), true
}

func (l *link) take(n int) {
	if l.window <= 0 {
		return
	}
	l.mu.Lock()
	l.inFlight += n
	f := l.inFlight
	l.mu.Unlock()
	l.p.mu.Lock()
	l.p.maxInFlight = max(l.p.maxInFlight, f)
	l.p.mu.Unlock()
}

func (l *link) give(n int) {
	l.mu.Lock()
	l.inFlight -= n
	l.mu.Unlock()
	l.cond.Broadcast()
}

// stop ends the credit wait for good.
func (l *link) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.cond.Broadcast()
}

// read takes the stream from src and queues it with its delivery time:
// after the chunks before it have gone through the rate cap, plus the
// one-way delay.
func (l *link) read() {
	defer close(l.queue)
	var wire time.Time // when the emulated wire is free again
	var buf []byte
	for {
		// Past the rate, data waits in the sender's socket, as it would
		// in a real sender's queue, rather than in ours.
		if ahead := time.Until(wire); ahead > paceSlack && !l.sleepUntil(wire.Add(-paceSlack)) {
			return
		}
		n, ok := l.credit()
		if !ok {
			return
		}
		if buf == nil {
			buf = make([]byte, readSize)
		}
		n, err := l.src.Read(buf[:n])
		if n > 0 {
			l.take(n)
			var data []byte
			if n < readSize/2 {
				data = append([]byte(nil), buf[:n]...) // small: don't pin the buffer
			} else {
				data, buf = buf[:n], nil
			}
			now := time.Now()
			sent := now
			if l.rate > 0 {
				if wire.Before(now) {
					wire = now
				}
				wire = wire.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
				sent = wire
			}
			select {
			case l.queue <- chunk{data: data, at: sent.Add(l.delay)}:
			case <-l.p.done:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// write delivers the queued chunks at their time, in order, then passes on
// the end of the stream as a half-close.
func (l *link) write() {
	defer close(l.acked)
	defer l.stop()
	failed := false
	for c := range l.queue {
		if failed {
			continue // drain, so read never blocks on a full queue
		}
		if !l.sleepUntil(c.at) {
			failed = true
			l.stop()
			continue
		}
		if _, err := l.dst.Write(c.data); err != nil {
			// The far end is gone: end both directions.
			l.src.Close()
			l.dst.Close()
			failed = true
			l.stop()
			continue
		}
		if l.window > 0 {
			select {
			case l.acked <- ack{n: len(c.data), at: time.Now().Add(l.delay)}:
			case <-l.p.done:
				failed = true
				l.stop()
			}
		}
	}
	if !failed {
		if cw, ok := l.dst.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}
}

// acks returns each chunk's window credit when its acknowledgement would
// reach the sender.
func (l *link) acks() {
	for a := range l.acked {
		l.sleepUntil(a.at)
		l.give(a.n)
	}
}

// sleepUntil waits until t or until the proxy closes; it reports false in
// the latter case.
func (l *link) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-l.p.done:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-l.p.done:
		return false
	}
}
