package sftppush

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// conn is one open SFTP connection: the TCP connection, the SSH client on
// it, the first SFTP session, the extra sessions for striping, and the
// watchdog. connect makes it from plain values and the uploads use it; it
// never calls back into the attempt.
type conn struct {
	set  *settings
	tcp  net.Conn
	ssh  *ssh.Client
	sftp *sftp.Client  // the first session: every file is written over it
	pool *sessionPool  // extra sessions for striping (pool.go); nil if none
	rtt  time.Duration // the shortest round trip seen while starting
	// profile is what the server's documentation asks of us, if it is a
	// known service (profile.go).
	profile serverProfile

	guard      *guard         // keepalive and progress watchdog (watchdog.go)
	acks       *ackCounter    // acknowledged write data, for Config.Progress (acks.go); nil without it
	stopCancel func() bool    // unregisters the close-on-cancel hook
	drains     sync.WaitGroup // the sessions' stderr readers (sftpstart.go)
}

// peer is what connecting learnt about the server, for the log entry: as
// much as it got before it failed, if it did.
type peer struct {
	remoteAddr    string // the IPv4:port connected to
	serverVersion string // the server's SSH identification string
	fingerprint   string // SHA256 fingerprint of the host key, as ssh-keygen -l prints it
	banner        string // the pre-login banner, as the server sent it
	algorithms    string // negotiated (algorithms.go)
}

// connect opens the SFTP connection: resolve, dial, SSH handshake with
// password authentication, start the sftp subsystem, and the extra
// sessions that a file of largest bytes will want for striping. All of it
// must finish by the connect timeout: ssh.ClientConfig.Timeout bounds only
// the TCP dial, so the rest is bounded by a deadline on the connection
// itself.
func connect(ctx context.Context, set *settings, dest destination, largest int64) (*conn, peer, *Error) {
	deadline := time.Now().Add(set.connectTimeout)
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	var pr peer
	tcp, err := dial(cctx, set, dest)
	if err != nil {
		return nil, pr, fail(OpDial, dest.addr, cause{err: err, ctx: ctx})
	}
	pr.remoteAddr = tcp.RemoteAddr().String()
	c := &conn{set: set, tcp: tcp, guard: newGuard(tcp)}
	if set.progress != nil {
		c.acks = &ackCounter{}
	}
	// From here on a cancelled ctx closes the connection, which unblocks any
	// read or write in x/crypto or pkg/sftp at once.
	c.stopCancel = context.AfterFunc(ctx, func() { tcp.Close() })
	failed := func(op Op, err error, asked bool) (*conn, peer, *Error) {
		c.close(false)
		return nil, pr, fail(op, dest.addr, cause{err: err, ctx: ctx, expired: !time.Now().Before(deadline), asked: asked})
	}
	if err := tcp.SetDeadline(deadline); err != nil {
		return failed(OpHandshake, err, false)
	}
	hs := handshake(cctx, set, dest, c.guard.counted(tuneTCP(tcp)))
	pr.serverVersion, pr.fingerprint, pr.banner, pr.algorithms = hs.serverVersion, hs.fingerprint, hs.banner, hs.algorithms
	if hs.err != nil {
		return failed(OpHandshake, hs.err, hs.asked)
	}
	c.ssh = hs.client
	c.profile = profileOf(hs.serverVersion, dest.host)
	if err := c.startSessions(largest); err != nil {
		return failed(OpSFTP, err, false)
	}
	if err := tcp.SetDeadline(time.Time{}); err != nil {
		return failed(OpSFTP, err, false)
	}
	c.guard.run(c.ssh, set.stallTimeout, set.keepalive, set.keepaliveCountMax)
	return c, pr, nil
}

// startSessions starts the first SFTP session and, beside it, the extra
// sessions the largest file will want. The round trip is measured first
// by the channel open, which sshd's network process answers itself, so
// the extra sessions come up while the first one starts SFTP: striping
// starts at nearly full width instead of several round trips later.
// SFTP's own exchanges then measure it better (the channel open can take
// longer: the server's own work, a segment held by Nagle's algorithm), and
// extra sessions that figure does not want are closed at once.
func (c *conn) startSessions(largest int64) error {
	ch, rtt, err := openChannel(c.ssh)
	if err != nil {
		return err
	}
	c.rtt = rtt
	limits := newSharedLimits()
	if n := c.wantSessions(largest) - 1; n > 0 && !c.set.crowded {
		c.pool = startPool(c.ssh, c.guard, c.acks, n, limits, &c.drains)
	}
	sc, h, err := startSubsystem(ch, c.guard, c.acks, nil, &c.drains)
	limits.set(h) // nil when it failed: the extra sessions give up
	if err != nil {
		return err
	}
	c.sftp, c.rtt = sc, min(c.rtt, h.rtt)
	c.pool.trim(c.wantSessions(largest) - 1)
	return nil
}

// wantSessions is how many sessions a file of size bytes should be written
// over at this connection's round trip (see sessionsFor in stripe.go).
func (c *conn) wantSessions(size int64) int {
	if c.profile.oneSession {
		return 1
	}
	rtt := c.rtt
	if c.set.stripe.rtt > 0 {
		rtt = c.set.stripe.rtt
	}
	minStripe := int64(minStripe)
	if c.set.stripe.minStripe > 0 {
		minStripe = c.set.stripe.minStripe
	}
	return sessionsFor(size, rtt, c.set.maxSessions, minStripe)
}

// sessions is how many sessions will write a file of size bytes: those it
// wants, as far as the pool has them.
func (c *conn) sessions(size int64) int {
	return min(c.wantSessions(size), 1+c.pool.size())
}

// close tears the connection down and waits until the SSH and SFTP clients'
// goroutines have exited, so nothing outlives the Push. Every file has been
// closed and verified by then, so the TCP connection is closed without
// SFTP's or SSH's goodbyes: a polite shutdown could hang on a stalled
// server.
//
// With graceful (the push ended well, the connection is healthy) the
// server is first told that we are done, by closing our direction of the
// TCP connection, and the connection is closed once the server has closed
// its side, or after a second: so the server has let go of the connection
// when the push returns, and a push that waits for a free connection to the
// same server (a limit per destination) does not start before. It costs
// one round trip.
func (c *conn) close(graceful bool) {
	c.stopCancel()
	if hc, ok := c.tcp.(interface{ CloseWrite() error }); graceful && ok && c.ssh != nil {
		c.tcp.SetReadDeadline(time.Now().Add(time.Second))
		if hc.CloseWrite() == nil {
			c.ssh.Wait() // the server closes, or the deadline ends the read
		}
	}
	c.tcp.Close()
	c.guard.stop()
	if c.sftp != nil {
		c.sftp.Close()
	}
	if c.ssh != nil {
		c.ssh.Close()
		c.ssh.Wait()
	}
	c.pool.close() // after the connection: a session still starting fails at once
	c.drains.Wait()
}
