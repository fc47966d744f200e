package sftppush

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// clientVersion is the SSH identification string we send. It names the
// library so that a customer reading their sshd log can tell who connected.
const clientVersion = "SSH-2.0-sftppush"

// session is one open SFTP connection: the TCP connection, the SSH client
// on it and the SFTP client on one of its channels.
type session struct {
	net  net.Conn
	ssh  *ssh.Client
	sftp *sftp.Client

	remoteAddr    string
	serverVersion string
	fingerprint   string // SHA256 fingerprint of the host key, as ssh-keygen -l prints it

	stopCancel func() bool // unregisters the close-on-cancel hook
	guard      *guard      // keepalive and progress watchdog (watchdog.go)

	hello       *sftpHello    // what the first session's start-up learnt; nil if it failed
	helloDone   chan struct{} // closed once hello is set, or will never be
	rtt         time.Duration // the shortest round trip seen while starting the first session
	concurrency int           // Config.Concurrency, for the extra sessions
	extra       *sessionPool  // extra SFTP sessions for striping (stripe.go); nil if none
}

// close tears the connection down and waits until the SSH and SFTP clients'
// goroutines have exited, so nothing outlives the Push. Every file has been
// closed and verified by then, so the TCP connection is closed first: a
// polite SFTP shutdown could hang on a stalled server.
func (s *session) close() {
	if s.stopCancel != nil {
		s.stopCancel()
	}
	s.net.Close()
	s.guard.stop()
	if s.sftp != nil {
		s.sftp.Close()
	}
	if s.ssh != nil {
		s.ssh.Close()
		s.ssh.Wait()
	}
	s.extra.close() // after the connection: a session still starting fails at once
}

// connect opens the SFTP connection: resolve, dial, SSH handshake with
// password authentication, start the sftp subsystem. All of it must finish
// by the connect timeout. On failure the session it returns, if any, is
// already closed and only says what was learnt (address, banner, host key). ssh.ClientConfig.Timeout bounds only the TCP dial,
// so the handshake is bounded by a deadline on the connection itself.
//
// extras, if not nil, is asked once the first SSH channel is open how many
// extra SFTP sessions to start for striping (stripe.go), given the time
// that open took: one round trip, answered by sshd's network process
// itself. They then come up in the background while the first session
// starts its SFTP; they take its limits once it has them.
func (p *Pusher) connect(ctx context.Context, creds Credentials, host string, extras func(rtt time.Duration) int) (*session, *Error) {
	deadline := time.Now().Add(p.connectTimeout())
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	port := strconv.Itoa(creds.PortOrDefault())
	subject := net.JoinHostPort(host, port)

	conn, err := p.dial(cctx, host, port)
	if err != nil {
		return nil, &Error{Status: StatusConnectionTimeout, Reason: dialReason(ctx, err), Op: "dial", Subject: subject, Err: err}
	}
	s := &session{net: conn, remoteAddr: conn.RemoteAddr().String(), guard: newGuard(conn)}

	// From here on a cancelled ctx closes the connection, which unblocks any
	// read or write in x/crypto or pkg/sftp at once.
	s.stopCancel = context.AfterFunc(ctx, func() { conn.Close() })
	fail := func(op string, r Reason, err error) (*session, *Error) {
		s.close()
		if ctx.Err() != nil {
			r = ReasonCanceled
			err = errors.Join(ctx.Err(), err)
		}
		st := r.Status()
		if r == ReasonCanceled {
			st = StatusConnectionTimeout
		}
		return s, &Error{Status: st, Reason: r, Op: op, Subject: subject, Err: err}
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fail("handshake", ReasonHandshakeFailed, err)
	}

	asked := false
	hostKeyCallback, hostKeyAlgorithms := p.hostKeyConfig(cctx, s, subject, conn.RemoteAddr())
	cfg := &ssh.ClientConfig{
		User: creds.Username,
		Auth: p.authMethods(creds.Password, &asked),
		// Called during the key exchange, before the password is sent.
		HostKeyCallback:   hostKeyCallback,
		HostKeyAlgorithms: hostKeyAlgorithms,
		ClientVersion:     clientVersion,
	}
	bc := &bannerConn{Conn: s.guard.counted(tuneTCP(conn))}
	sc, chans, reqs, err := ssh.NewClientConn(bc, subject, cfg)
	if err != nil {
		s.serverVersion = bc.banner()
		return fail("handshake", handshakeReason(err, asked), err)
	}
	s.ssh = ssh.NewClient(sc, chans, reqs)
	s.serverVersion = string(sc.ServerVersion())

	s.concurrency = p.cfg.Concurrency
	s.helloDone = make(chan struct{})
	first := sftpStart{concurrency: s.concurrency, opened: func(rtt time.Duration) {
		s.rtt = rtt
		if extras != nil {
			if n := extras(rtt); n > 0 {
				s.extra = startPool(s, n)
			}
		}
	}}
	s.sftp, s.hello, err = startSFTP(s.ssh, s.guard, first)
	if s.hello != nil {
		// The channel open can take longer than a round trip (the
		// server's own work, a segment held by Nagle's algorithm until
		// an ACK comes); SFTP's exchanges are the better measure. Extra
		// sessions the better measure does not want are closed at once.
		s.rtt = min(s.rtt, s.hello.rtt)
		if extras != nil {
			s.extra.trim(extras(s.rtt))
		}
	}
	close(s.helloDone) // the extra sessions may take the limits now, or give up
	if err != nil {
		r := ReasonSubsystemUnavailable
		if isTimeout(err) {
			r = ReasonHandshakeTimeout
		}
		return fail("sftp", r, err)
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return fail("sftp", ReasonHandshakeFailed, err)
	}
	s.guard.run(s.ssh, p.stallTimeout(), p.keepaliveInterval(), p.keepaliveCountMax())
	return s, nil
}

// bannerConn remembers the first line the server sends, its SSH
// identification, so that the log names the server even when the handshake
// fails. It stops looking once the line is complete.
type bannerConn struct {
	net.Conn
	first []byte
	done  bool
}

func (b *bannerConn) Read(p []byte) (int, error) {
	n, err := b.Conn.Read(p)
	if !b.done && n > 0 {
		b.first = append(b.first, p[:n]...)
		if i := bytes.IndexByte(b.first, '\n'); i >= 0 || len(b.first) > 255 {
			b.done = true
			if i >= 0 {
				b.first = b.first[:i]
			}
		}
	}
	return n, err
}

// banner returns the server's identification line, if it sent one.
func (b *bannerConn) banner() string {
	line := strings.TrimRight(string(b.first), "\r\n")
	if !strings.HasPrefix(line, "SSH-") {
		return ""
	}
	return line
}

// sftpStart says how startSFTP starts a session.
type sftpStart struct {
	concurrency int // Config.Concurrency

	// opened, if not nil, is called with the time the channel open took.
	opened func(rtt time.Duration)

	// limits, if not nil, makes this an extra session of a connection
	// whose first session asks the server for its limits: this one does
	// not ask again, and calls limits, once its own INIT is answered, to
	// wait for the first session's answer. ok false means the first
	// session failed and this one should give up.
	limits func() (l *sftpLimits, ok bool)
}

// startSFTP opens a session channel and starts the sftp subsystem on it. It
// does what sftp.NewClient does, but leaves the channel's stderr to the ssh
// package, which discards it, instead of a pipe nobody reads. Every reply
// from the server counts as progress for g's watchdog.
func startSFTP(c *ssh.Client, g *guard, how sftpStart) (*sftp.Client, *sftpHello, error) {
	start := time.Now()
	sess, err := c.NewSession()
	if err != nil {
		return nil, nil, err
	}
	if how.opened != nil {
		how.opened(time.Since(start))
	}
	fail := func(err error) (*sftp.Client, *sftpHello, error) {
		sess.Close()
		return nil, nil, err
	}
	w, err := sess.StdinPipe()
	if err != nil {
		return fail(err)
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	if err := sess.RequestSubsystem("sftp"); err != nil {
		return fail(err)
	}
	// hello asks for the server's limits before pkg/sftp starts; pkg/sftp
	// then sees the same VERSION and never knows.
	h, err := hello(r, w, how.limits != nil)
	if err != nil {
		return fail(err)
	}
	if how.limits != nil {
		l, ok := how.limits()
		if !ok {
			return fail(errors.New("sftppush: the connection's first SFTP session failed"))
		}
		h.limits = l
	}
	opts := append(sftpOptions(how.concurrency), sftp.MaxPacketUnchecked(writeSize(h.limits)))
	sc, err := sftp.NewClientPipe(g.replies(&replayReader{first: h.version, r: r}), newInitSkipper(w), opts...)
	if err != nil {
		return fail(err)
	}
	return sc, h, nil
}

func sftpOptions(concurrency int) []sftp.ClientOption {
	if concurrency <= 0 {
		concurrency = 64
	}
	return []sftp.ClientOption{
		sftp.UseConcurrentWrites(true),
		sftp.MaxConcurrentRequestsPerFile(concurrency),
	}
}

// dial resolves host to IPv4 addresses and connects to the first that
// answers. A literal IPv4 address is not looked up.
func (p *Pusher) dial(ctx context.Context, host, port string) (net.Conn, error) {
	var ips []net.IP
	if ip := net.ParseIP(host).To4(); ip != nil {
		ips = []net.IP{ip}
	} else {
		r := p.cfg.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		var err error
		ips, err = r.LookupIP(ctx, "ip4", host)
		if err != nil {
			return nil, err
		}
	}
	dial := p.guardedDial()
	var errs, blocked []error
	for _, ip := range ips {
		conn, err := dial(ctx, "tcp4", net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		if isBlocked(err) {
			// Refused by the destination policy: nothing was sent. Another
			// address's real failure, if any, says more.
			blocked = append(blocked, err)
			continue
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		errs = blocked
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, errors.Join(errs...)
}

func (p *Pusher) connectTimeout() time.Duration {
	if p.cfg.ConnectTimeout > 0 {
		return p.cfg.ConnectTimeout
	}
	return DefaultConnectTimeout
}

// fingerprint formats a host key's SHA256 fingerprint as OpenSSH does.
func fingerprint(key ssh.PublicKey) string {
	sum := sha256.Sum256(key.Marshal())
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
