package sftppush

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// A push must never hang. pkg/sftp waits for replies forever, and a server
// can stop answering in two ways that need two different detectors:
//
//   - The whole SSH connection goes quiet (the server's sshd process is
//     stopped, a NAT box forgot the flow): nothing arrives, not even replies
//     to keepalive@openssh.com. The keepalive (keepalive.go) sees it.
//   - Only the SFTP server stops (OpenSSH's sftp-server process is stopped
//     or stuck on a dead disk): sshd still answers keepalives, so only the
//     progress watchdog sees it: no SFTP reply and nothing read from the
//     local file for Config.StallTimeout.
//
// Either one closes the TCP connection, which unblocks every read and write
// in x/crypto and pkg/sftp at once, and records why, so the push reports
// ReasonStalled instead of a lost connection.

// guard watches one session. Its zero value is not usable; a nil *guard
// ignores progress and never trips.
type guard struct {
	conn  net.Conn
	start time.Time    // progress is measured from here, on the monotonic clock
	last  atomic.Int64 // time.Since(start) of the last progress
	rx    atomic.Int64 // bytes received from the server
	rxAt  atomic.Int64 // time.Since(start) of the last byte received
	extra atomic.Int64 // grace on top of the timeout while closes and renames are waited for

	done chan struct{} // closed by stop
	wg   sync.WaitGroup

	mu      sync.Mutex
	stopped bool
	cause   error       // why the guard closed the connection
	timer   *time.Timer // the watchdog, nil when off
	timeout time.Duration
}

func newGuard(conn net.Conn) *guard {
	return &guard{conn: conn, start: time.Now(), done: make(chan struct{})}
}

// stallError says why a guard closed the connection.
type stallError struct {
	msg string
}

func (e *stallError) Error() string { return e.msg }

// counted returns conn with every byte read from it counted as a sign of
// life for the keepalive.
func (g *guard) counted(conn net.Conn) net.Conn {
	return &rxConn{Conn: conn, g: g}
}

type rxConn struct {
	net.Conn
	g *guard
}

func (c *rxConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.g.rx.Add(int64(n))
		c.g.rxAt.Store(int64(time.Since(c.g.start)))
	}
	return n, err
}

// replies returns r with every read counted as progress: r is the SFTP
// channel from the server, so a read means the server answered a request.
func (g *guard) replies(r io.Reader) io.Reader {
	if g == nil {
		return r
	}
	return &progressReader{r: r, g: g}
}

type progressReader struct {
	r io.Reader
	g *guard
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.g.progress()
	}
	return n, err
}

// progress notes that the push moved: the server answered or the local
// file was read. It is cheap enough to call for every packet.
func (g *guard) progress() {
	if g != nil {
		g.last.Store(int64(time.Since(g.start)))
	}
}

// run starts the watchdog (stall > 0) and the keepalive (every > 0) on an
// open session.
func (g *guard) run(c *ssh.Client, stall, every time.Duration, countMax int) {
	g.progress()
	if stall > 0 {
		g.mu.Lock()
		g.timeout = stall
		g.timer = time.AfterFunc(stall, g.checkProgress)
		g.mu.Unlock()
	}
	if every > 0 {
		g.keepalive(c, every, countMax)
	}
}

// checkProgress runs when the watchdog's timer fires: it closes the
// connection if nothing moved for the timeout, and otherwise sets the timer
// for the rest of it. Re-arming here keeps progress itself to one atomic
// store.
func (g *guard) checkProgress() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return
	}
	idle := time.Since(g.start) - time.Duration(g.last.Load())
	if limit := g.timeout + time.Duration(g.extra.Load()); idle < limit {
		g.timer.Reset(limit - idle)
		return
	}
	g.tripLocked(&stallError{fmt.Sprintf("no progress for %v: the server stopped answering SFTP requests (watchdog, Config.StallTimeout)", g.timeout.Round(time.Millisecond))})
}

// grace lets the watchdog wait d longer than its timeout, until end is
// called: a server that commits a file on close or rename (an object-store
// gateway copying it) can take longer than the timeout for a large file
// while the connection is healthy. Keepalives still watch the connection
// meanwhile.
func (g *guard) grace(d time.Duration) (end func()) {
	if g == nil || d <= 0 {
		return func() {}
	}
	g.extra.Add(int64(d))
	return func() {
		g.extra.Add(-int64(d))
		g.progress()
	}
}

// trip closes the connection for cause, unless the session is closing anyway.
func (g *guard) trip(cause error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tripLocked(cause)
}

func (g *guard) tripLocked(cause error) {
	if g.stopped || g.cause != nil {
		return
	}
	g.cause = cause
	g.conn.Close()
}

// stalled returns why the guard closed the connection, or nil if it did not.
func (g *guard) stalled() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cause
}

// stop ends the watchdog and the keepalive and waits for the keepalive's
// goroutines. The caller closes the connection, which ends a keepalive
// request waiting for its reply.
func (g *guard) stop() {
	if g == nil {
		return
	}
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return
	}
	g.stopped = true
	if g.timer != nil {
		g.timer.Stop()
	}
	g.mu.Unlock()
	close(g.done)
	g.conn.Close()
	g.wg.Wait()
}
