package sftptest

import (
	"encoding/binary"
	"io"
	"path"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Faults makes a Server misbehave. The zero value is a well-behaved
// server. Byte counts are of file data: the payloads of SFTP write
// requests.
type Faults struct {
	// KeyboardInteractiveOnly offers only keyboard-interactive
	// authentication, which asks for a password and always fails; the
	// password method is not offered.
	KeyboardInteractiveOnly bool

	// KeyboardInteractivePassword, with KeyboardInteractiveOnly, makes
	// keyboard-interactive authentication accept the right username and
	// password as the answer to its one "Password: " prompt, as OpenSSH
	// with PAM does, instead of always failing.
	KeyboardInteractivePassword bool

	// RefuseSubsystem rejects the "sftp" subsystem request after a
	// successful login.
	RefuseSubsystem bool

	// ReadOnly lists SFTP directories (such as "/ro"). Opening for write,
	// creating, removing, renaming, mkdir and setstat at or under them
	// fail with SSH_FX_PERMISSION_DENIED. The handler enforces this
	// itself, since tests run as root and file modes would not stop them.
	ReadOnly []string

	// QuotaBytes, if positive, is how many bytes of file data the server
	// stores in total, across files and connections, for its life. The
	// write that crosses it stores the bytes up to the limit and fails
	// with syscall.ENOSPC (SSH_FX_FAILURE "no space left on device");
	// later writes store nothing. StatVFS reports what is left as free
	// space, in 4096-byte blocks.
	QuotaBytes int64

	// DropAfterBytes, if positive, closes a TCP connection once it has
	// carried this many bytes of file data: the write that reaches the
	// count stores the bytes below it and gets no reply.
	DropAfterBytes int64

	// DropConnections, if positive, limits DropAfterBytes to the first
	// DropConnections TCP connections the server accepts, as a flaky link
	// that recovers: later connections carry their files whole.
	DropConnections int

	// DiscardAfterBytes, if positive, acknowledges writes at file offsets
	// at or beyond it without storing them, so the file ends up shorter
	// than what the client sent.
	DiscardAfterBytes int64

	// StallAfterBytes, if positive, stalls a connection once it has
	// carried this many bytes of file data: the write that reaches the
	// count stores the bytes below it and, like every later SFTP request
	// on that connection, gets no reply until the server is closed. The
	// SSH connection stays up and still answers global requests such as
	// keepalive@openssh.com.
	StallAfterBytes int64

	// StallExtraSessionsAfterBytes, if positive, stalls each SFTP session
	// but a connection's first once that session has carried this many
	// bytes of file data: the write that reaches the count stores the
	// bytes below it and, like every later request on that session, gets
	// no reply until the server is closed. The connection and its first
	// session go on, as when one of a server's sftp-server processes is
	// stuck on a dead disk.
	StallExtraSessionsAfterBytes int64

	// DenyRename makes rename and posix-rename fail with
	// SSH_FX_PERMISSION_DENIED.
	DenyRename bool

	// DenyRemove makes remove and rmdir fail with
	// SSH_FX_PERMISSION_DENIED.
	DenyRemove bool

	// HideExtensions lists extension names (such as
	// "posix-rename@openssh.com" or "statvfs@openssh.com") left out of the
	// server's SSH_FXP_VERSION packet. The server still honours requests
	// for them, as a careless server might.
	HideExtensions []string

	// FailWrites, if set, fails the write requests it describes with a
	// bare SSH_FX_FAILURE (see WriteFailure).
	FailWrites *WriteFailure

	// SizeOnClose makes Stat and Lstat report a size of 0 for a file
	// that has a handle open for writing, as servers that store a file
	// only when it is closed (object-store gateways) do.
	SizeOnClose bool

	// StderrBeforeStart and StderrPerReply make the SFTP server log to the
	// session's standard error, as OpenSSH's sftp-server -e -l DEBUG3 does
	// through sshd: that many bytes before its VERSION packet, and before
	// each reply. A client that never reads the session's stderr fills
	// the channel's window with it and then waits forever.
	StderrBeforeStart int
	StderrPerReply    int

	// StallOpens makes an open that creates a file create it and then never
	// answer, until the server is closed: the client cannot tell whether
	// the file exists.
	StallOpens bool

	// EchoPassword makes the server repeat the login password in what it
	// says: its SSH identification string, every SFTP error message, and
	// the rejection of a session channel (with RejectSessions), as a
	// hostile or careless server might.
	EchoPassword bool

	// RejectSessions rejects every session channel the client opens after
	// logging in.
	RejectSessions bool

	// TakeAway, if not empty, is a path.Match pattern for file names (such
	// as "*.mp4") that a customer's scanner takes as soon as they appear:
	// a file renamed to a matching name, or a file of such a name whose
	// write handle is closed, is moved into the folder /.taken (created
	// as needed) before the rename or close is answered. Server.Taken
	// lists what was taken.
	TakeAway string

	// PasswordExpired makes the login work and every session then fail
	// the way OpenSSH with PAM treats an account whose password has
	// expired (chage -d 0), saying why on the session's standard error as
	// OpenSSH does for a command ("WARNING: Your password has expired.",
	// "Password change required but no TTY available."), exit status 1.
	// (OpenSSH itself drops a subsystem's standard error, so for SFTP it
	// only closes the session; servers that forward it say why.) With KeyboardInteractiveOnly and
	// KeyboardInteractivePassword, the right password is followed, as PAM
	// does, by a second challenge that asks for the current password to
	// change it; any answer fails (and counts in PasswordTries).
	PasswordExpired bool

	// SecondFactor makes the right password a partial success, as
	// OpenSSH's AuthenticationMethods password,keyboard-interactive does:
	// the server then asks for a "Verification code:" by
	// keyboard-interactive, and no answer is right (an answer counts in
	// PasswordTries).
	SecondFactor bool

	// RefuseReadWrite refuses opens for reading and writing at once with
	// SSH_FX_PERMISSION_DENIED, as AWS Transfer Family does on S3.
	RefuseReadWrite bool

	// DenySetstat refuses SETSTAT and FSETSTAT with
	// SSH_FX_PERMISSION_DENIED, as AWS Transfer Family does on S3.
	DenySetstat bool

	// DenyStat refuses STAT and LSTAT by name with
	// SSH_FX_PERMISSION_DENIED, as upload-only folders do; FSTAT on an
	// open handle is answered.
	DenyStat bool

	// DenyRead refuses opens for reading only with
	// SSH_FX_PERMISSION_DENIED, as upload-only folders (drop boxes) do.
	DenyRead bool

	// CommitPerMiB delays the close of a handle that was written to, and
	// a rename, by this much per MiB of the file, as object-store
	// gateways do that store the upload on close and rename by copying.
	CommitPerMiB time.Duration

	// SubsystemDelay holds the answer to every subsystem request this
	// long, as a server slow to start its SFTP process (load, slow PAM,
	// a home on NFS) does.
	SubsystemDelay time.Duration

	// ChannelOpenDelay holds every session channel open this long before
	// confirming it, as a server busy at login, or a confirmation held
	// by Nagle's algorithm until an ACK comes back, would: the channel
	// open then takes longer than the network's round trip.
	ChannelOpenDelay time.Duration
}

// fault says what a connection does to the write that reached a limit.
type fault int

const (
	faultNone fault = iota
	faultDrop
	faultStall
)

// gate blocks a request on a stalled connection or session until the
// server is closed.
func (h *handler) gate() error {
	if err := h.c.gate(); err != nil {
		return err
	}
	if h.sess == nil {
		return nil
	}
	h.sess.mu.Lock()
	stalled := h.sess.stalled
	h.sess.mu.Unlock()
	if stalled {
		<-h.s.done
		return errServerClosed
	}
	return nil
}

// sessionState is one SFTP session's own fault state.
type sessionState struct {
	num int // 1 for a connection's first SFTP session

	mu       sync.Mutex
	received int64 // bytes of file data received in write requests
	stalled  bool
}

// receive counts n bytes of file data on the session for
// StallExtraSessionsAfterBytes. It returns how many of them may be stored
// and whether the session stalls at this write.
func (h *handler) receive(n int) (keep int, stall bool) {
	limit := h.s.Faults.StallExtraSessionsAfterBytes
	if h.sess == nil || h.sess.num < 2 || limit <= 0 {
		return n, false
	}
	h.sess.mu.Lock()
	defer h.sess.mu.Unlock()
	prev := h.sess.received
	h.sess.received += int64(n)
	if h.sess.received < limit {
		return n, false
	}
	h.sess.stalled = true
	return int(max(limit-prev, 0)), true
}

// gate blocks a stalled connection's request until the server is closed.
func (c *serverConn) gate() error {
	c.mu.Lock()
	stalled := c.stalled
	c.mu.Unlock()
	if stalled {
		<-c.s.done
		return errServerClosed
	}
	return nil
}

// receive counts n bytes of file data on the connection. It returns how
// many of them may be stored and the fault, if any, that they set off.
func (c *serverConn) receive(n int) (keep int, f fault) {
	drop, stall := c.s.Faults.DropAfterBytes, c.s.Faults.StallAfterBytes
	if first := c.s.Faults.DropConnections; first > 0 && c.num > first {
		drop = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.received
	c.received += int64(n)

	limit := int64(-1)
	switch {
	case drop > 0 && (stall <= 0 || drop <= stall):
		limit, f = drop, faultDrop
	case stall > 0:
		limit, f = stall, faultStall
	}
	if limit < 0 || c.received < limit {
		return n, faultNone
	}
	if f == faultStall {
		c.stalled = true
	}
	return int(max(limit-prev, 0)), f
}

// reserve takes n bytes from the quota. It returns how many were granted
// and syscall.ENOSPC if that is fewer than n.
func (s *Server) reserve(n int) (int, error) {
	q := s.Faults.QuotaBytes
	if q <= 0 {
		return n, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	left := max(q-s.quotaUsed, 0)
	if int64(n) <= left {
		s.quotaUsed += int64(n)
		return n, nil
	}
	s.quotaUsed += left
	return int(left), syscall.ENOSPC
}

// extensionFilter wraps the SFTP channel and removes hidden extensions from
// the first packet the server sends, SSH_FXP_VERSION. pkg/sftp's own list
// is a process-wide global, so each server filters its own copy instead.
type extensionFilter struct {
	io.ReadWriteCloser
	hide map[string]bool

	mu   sync.Mutex
	done bool   // first packet sent; pass everything through
	buf  []byte // first packet so far (pkg/sftp writes header and body apart)
}

func newExtensionFilter(rwc io.ReadWriteCloser, hide []string) *extensionFilter {
	m := make(map[string]bool, len(hide))
	for _, name := range hide {
		m[name] = true
	}
	return &extensionFilter{ReadWriteCloser: rwc, hide: m}
}

// maxVersionPacket bounds the bytes held back waiting for the first packet.
const maxVersionPacket = 64 << 10

func (e *extensionFilter) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return e.ReadWriteCloser.Write(p)
	}
	e.buf = append(e.buf, p...)
	if len(e.buf) < 4 {
		return len(p), nil
	}
	size := uint64(binary.BigEndian.Uint32(e.buf)) + 4
	if size > maxVersionPacket {
		e.done = true // not a VERSION packet we understand: let it be
		out := e.buf
		e.buf = nil
		if _, err := e.ReadWriteCloser.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if uint64(len(e.buf)) < size {
		return len(p), nil
	}
	out := append(filterVersion(e.buf[:size], e.hide), e.buf[size:]...)
	e.done = true
	e.buf = nil
	if _, err := e.ReadWriteCloser.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sshFxpVersion is the SFTP packet type of SSH_FXP_VERSION.
const sshFxpVersion = 2

// filterVersion returns the SFTP packet pkt (uint32 length, byte type,
// body) without the hidden extensions if it is a well-formed
// SSH_FXP_VERSION packet (uint32 version, then name/data string pairs),
// and pkt unchanged otherwise.
func filterVersion(pkt []byte, hide map[string]bool) []byte {
	if len(pkt) < 9 || pkt[4] != sshFxpVersion || uint64(binary.BigEndian.Uint32(pkt))+4 != uint64(len(pkt)) {
		return pkt
	}
	out := make([]byte, 4, len(pkt))
	out = append(out, pkt[4:9]...) // type and version
	rest := pkt[9:]
	for len(rest) > 0 {
		name, r, ok := readString(rest)
		if !ok {
			return pkt
		}
		data, r, ok := readString(r)
		if !ok {
			return pkt
		}
		if !hide[string(name)] {
			out = appendString(out, name)
			out = appendString(out, data)
		}
		rest = r
	}
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out
}

func readString(b []byte) (s, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := uint64(binary.BigEndian.Uint32(b))
	if uint64(len(b)-4) < n {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

func appendString(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// takedir is where TakeAway moves the files it takes.
const takedir = "/.taken"

// takeAway moves the file at the SFTP path p into takedir when its name
// matches Faults.TakeAway, as a scanner watching the folder would.
func (s *Server) takeAway(p string) {
	if s.Faults.TakeAway == "" {
		return
	}
	if ok, _ := path.Match(s.Faults.TakeAway, path.Base(p)); !ok || path.Dir(p) == takedir {
		return
	}
	s.root.Mkdir(rel(takedir), 0o755)
	to := path.Join(takedir, path.Base(p))
	if s.root.Rename(rel(p), rel(to)) == nil {
		s.mu.Lock()
		s.taken = append(s.taken, p)
		s.mu.Unlock()
	}
}

// chattyChannel writes log lines to the channel's stderr before the SFTP
// server's replies (StderrBeforeStart, StderrPerReply).
type chattyChannel struct {
	ssh.Channel
	before, per int
	mu          sync.Mutex
	started     bool
}

// logLine is what the chatty server logs, over and over.
var logLine = []byte("debug3: request 42: write \"/upload/rec.mp4\" (handle 0) off 262144 len 261120\n")

func (c *chattyChannel) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.per
	if !c.started {
		c.started, n = true, c.before
	}
	for n > 0 {
		k := min(n, len(logLine))
		if _, err := c.Channel.Stderr().Write(logLine[:k]); err != nil {
			return 0, err
		}
		n -= k
	}
	return c.Channel.Write(p)
}
