package sftppush

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"github.com/sftppush/sftppush/internal/textcap"
	"golang.org/x/crypto/ssh"
)

// Starting an SFTP session takes two steps, so that the connection can
// start its extra sessions between them (conn.startSessions): open the
// session channel, which measures a round trip, then start the subsystem
// and do SFTP's start-up exchange.

// openChannel opens a session channel and returns how long that took.
func openChannel(c *ssh.Client) (*ssh.Session, time.Duration, error) {
	start := time.Now()
	sess, err := c.NewSession()
	return sess, time.Since(start), err
}

// startSubsystem starts the sftp subsystem on sess and an SFTP client on
// it, as sftp.NewClient does. The session's stderr is read and discarded
// for as long as the channel lives, by a goroutine that drains counts
// (the connection waits for it when it closes): x/crypto discards stderr
// only for commands, not for subsystems, and a server that logs there
// (sftp-server -e) would otherwise fill the channel's window and freeze
// it. Every reply from the server counts as progress for g's watchdog.
//
// shared is nil for a connection's first session, which asks the server
// for its limits; an extra session takes the first one's from shared
// instead, and gives up if the first one failed. On failure sess is
// closed.
func startSubsystem(sess *ssh.Session, g *guard, acks *ackCounter, shared *sharedLimits, drains *sync.WaitGroup) (*sftp.Client, *sftpHello, error) {
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
	stderr, err := sess.StderrPipe()
	if err != nil {
		return fail(err)
	}
	// Drained to the end, so the channel's window never fills; the first
	// of it is kept to explain a start that fails (sshd refusing a
	// session after an expired password's login writes why there).
	head := &stderrHead{}
	drained := make(chan struct{})
	drains.Go(func() { // ends with the channel
		defer close(drained)
		io.Copy(head, stderr)
	})
	fail = func(err error) (*sftp.Client, *sftpHello, error) {
		sess.Close()
		select {
		case <-drained:
		case <-time.After(time.Second):
		}
		if said := head.String(); said != "" {
			err = &startError{err: err, stderr: said}
		}
		return nil, nil, err
	}
	if err := sess.RequestSubsystem("sftp"); err != nil {
		return fail(err)
	}
	// hello asks for the server's limits before pkg/sftp starts; pkg/sftp
	// then sees the same VERSION and never knows.
	h, err := hello(r, w, shared != nil)
	if err != nil {
		return fail(err)
	}
	if shared != nil {
		first := shared.wait()
		if first == nil {
			return fail(fmt.Errorf("sftppush: the connection's first SFTP session failed"))
		}
		h.limits = first.limits
	}
	opts := []sftp.ClientOption{
		sftp.UseConcurrentWrites(true),
		sftp.MaxConcurrentRequestsPerFile(writeConcurrency),
		sftp.MaxPacketUnchecked(writeSize(h.limits)),
	}
	rd, wr := acks.follow(g.replies(&replayReader{first: h.version, r: r}), newInitSkipper(w))
	sc, err := sftp.NewClientPipe(rd, wr, opts...)
	if err != nil {
		return fail(err)
	}
	return sc, h, nil
}

// sharedLimits hands what the first session's start-up learnt to the
// extra sessions of the same connection, once it is known.
type sharedLimits struct {
	done  chan struct{}
	first *sftpHello // nil if the first session failed
}

func newSharedLimits() *sharedLimits { return &sharedLimits{done: make(chan struct{})} }

// set publishes the first session's start-up, or nil if it failed. It is
// called once.
func (s *sharedLimits) set(h *sftpHello) {
	s.first = h
	close(s.done)
}

// wait returns what set published.
func (s *sharedLimits) wait() *sftpHello {
	<-s.done
	return s.first
}

// sftpHello is what the SFTP start-up exchange learnt: the server's VERSION
// packet as it came (to replay to pkg/sftp), its limits if it stated them,
// and the connection's round trip.
type sftpHello struct {
	version    []byte // the whole VERSION packet, length field included
	extensions map[string]string
	limits     *sftpLimits

	// rtt is the shorter of the two request-reply exchanges hello made
	// (INIT/VERSION and the limits request): one round trip of the
	// network plus the SFTP server's least work. Striping decides from it
	// how many sessions pay, at no extra round trip.
	rtt time.Duration
}

// hello does the SFTP start-up exchange on the subsystem's pipes before
// pkg/sftp runs: INIT, VERSION, and, when the server advertises it, one
// limits@openssh.com request. pkg/sftp v1.13 never asks for the limits and
// stays at 32 KiB per write unless told otherwise; asking here costs one
// round trip and gives OpenSSH servers eight times fewer write requests.
//
// A server that answers the limits request with an error or garbage leaves
// limits nil. A broken INIT/VERSION exchange is an error: pkg/sftp would
// have failed the same way.
//
// With extra set, hello stops after VERSION: an extra session of the same
// connection talks to the same server, so it takes the limits the first
// session learnt (sharedLimits) and spares the round trip.
func hello(r io.Reader, w io.Writer, extra bool) (*sftpHello, error) {
	// INIT, version 3, no extensions.
	start := time.Now()
	if _, err := w.Write([]byte{0, 0, 0, 5, fxpInit, 0, 0, 0, 3}); err != nil {
		return nil, fmt.Errorf("sending SFTP init: %w", err)
	}
	raw, err := readPacket(r)
	if err != nil {
		return nil, fmt.Errorf("reading SFTP version: %w", err)
	}
	ext, err := parseVersion(raw[4:])
	if err != nil {
		return nil, err
	}
	h := &sftpHello{version: raw, extensions: ext, rtt: time.Since(start)}
	if _, ok := ext[limitsExtension]; !ok || extra {
		return h, nil
	}
	start = time.Now()
	const id = 1 // nothing else is in flight yet
	req := binary.BigEndian.AppendUint32(nil, 0)
	req = append(req, fxpExtended)
	req = binary.BigEndian.AppendUint32(req, id)
	req = binary.BigEndian.AppendUint32(req, uint32(len(limitsExtension)))
	req = append(req, limitsExtension...)
	binary.BigEndian.PutUint32(req, uint32(len(req)-4))
	if _, err := w.Write(req); err != nil {
		return nil, fmt.Errorf("asking for SFTP limits: %w", err)
	}
	reply, err := readPacket(r)
	if err != nil {
		return nil, fmt.Errorf("reading SFTP limits: %w", err)
	}
	h.rtt = min(h.rtt, time.Since(start))
	h.limits, _ = parseLimitsReply(reply[4:], id) // an error or a status: use the defaults
	return h, nil
}

// stderrHead keeps the first maxStderrHead bytes written to it and
// discards the rest.
type stderrHead struct {
	mu  sync.Mutex
	buf []byte
}

const maxStderrHead = 2 << 10

func (h *stderrHead) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := maxStderrHead - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *stderrHead) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.TrimSpace(string(h.buf))
}

// startError is an SFTP start that failed, with what the server wrote on
// the session's standard error before it did.
type startError struct {
	err    error
	stderr string
}

func (e *startError) Error() string {
	return fmt.Sprintf("%v; the server said: %s", e.err, strconv.Quote(textcap.Runes(e.stderr, 500)))
}

func (e *startError) Unwrap() error { return e.err }
