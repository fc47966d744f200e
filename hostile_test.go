package sftppush_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

	"github.com/pkg/sftp"
	"github.com/sftppush/sftppush/sftptest"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
)

// Hostile and broken servers. Whatever a server sends, a push ends with a
// clear Status and Reason, within a bounded time, without a panic and
// without leaving a goroutine behind.

// hostileCase is one misbehaving server and the outcome it must give.
type hostileCase struct {
	name   string
	addr   func(t *testing.T) string // starts the server
	folder string                    // default "/upload"
	status sftppush.Status
	reason sftppush.Reason
	// within is the push's context timeout, a safety net: a push that hangs
	// ends as canceled, which fails the case. 0 means the connect timeout
	// plus 5 seconds.
	within time.Duration
}

// runHostile pushes to each case's server and checks the outcome, the time
// it took and that no goroutine outlived the case.
func runHostile(t *testing.T, cases []hostileCase) {
	const connectTimeout = 2 * time.Second
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Registered first, so it runs last: after the server stopped.
			ignore := goleak.IgnoreCurrent()
			t.Cleanup(func() { goleak.VerifyNone(t, ignore) })

			creds := addrCreds(t, tc.addr(t))
			if tc.folder != "" {
				creds.Folder = tc.folder
			}
			within := tc.within
			if within == 0 {
				within = connectTimeout + 5*time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), within)
			defer cancel()
			var sink sftptest.MemorySink
			p := newTestPusher(sftppush.Config{ConnectTimeout: connectTimeout, Sink: &sink})
			start := time.Now()
			res := p.Push(ctx, creds, okGroup(t, 300_000))
			took := time.Since(start)
			if res.Status != tc.status || res.Reason != tc.reason {
				t.Errorf("got %s/%s (%v), want %s/%s", res.Status, res.Reason, res.Err, tc.status, tc.reason)
			}
			if took > within+3*time.Second {
				t.Errorf("took %v: the context's %v did not bound it", took, within)
			}
			if (res.Status != sftppush.StatusOK) != (res.Err != nil) || sink.Len() != 1 || (res.Files[0].State == sftppush.FileUploaded) != (res.Status == sftppush.StatusOK) {
				t.Errorf("err %v, %d entries, main file %s", res.Err, sink.Len(), res.Files[0].State)
			}
			t.Logf("%s/%s in %v: %v", res.Status, res.Reason, took.Round(time.Millisecond), res.Err)
		})
	}
}

// readSome reads what the client sends for a moment, so that closing the
// connection is a close, not a reset before anything was read.
func readSome(c net.Conn, d time.Duration) {
	c.SetReadDeadline(time.Now().Add(d))
	io.Copy(io.Discard, c)
}

func TestHostileTransport(t *testing.T) {
	banner := "SSH-2.0-hostile\r\n"
	runHostile(t, []hostileCase{
		{
			name: "closes after the banner",
			addr: func(t *testing.T) string {
				return sftptest.RawListener(t, func(c net.Conn) { io.WriteString(c, banner) })
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeFailed,
		},
		{
			name: "closes mid key exchange",
			addr: func(t *testing.T) string {
				return sftptest.RawListener(t, func(c net.Conn) {
					io.WriteString(c, banner)
					readSome(c, 200*time.Millisecond) // the client's banner and KEXINIT
				})
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeFailed,
		},
		{
			name: "garbage lines instead of a banner",
			addr: func(t *testing.T) string {
				return sftptest.RawListener(t, func(c net.Conn) {
					for range 2000 {
						if _, err := io.WriteString(c, "220 welcome to my FTP server\r\n"); err != nil {
							return
						}
					}
				})
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeFailed,
		},
		{
			name: "binary garbage instead of a banner",
			addr: func(t *testing.T) string {
				return sftptest.RawListener(t, func(c net.Conn) {
					b := make([]byte, 64<<10)
					rand.Read(b)
					c.Write(b)
					readSome(c, time.Second)
				})
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeFailed,
		},
		{
			name: "banner then an oversized packet",
			addr: func(t *testing.T) string {
				return sftptest.RawListener(t, func(c net.Conn) {
					io.WriteString(c, banner)
					c.Write([]byte{0xFF, 0xFF, 0xFF, 0xF0, 4, 20})
					readSome(c, time.Second)
				})
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeFailed,
		},
		{
			name: "banner then random packets",
			addr: func(t *testing.T) string {
				return sftptest.RawListener(t, func(c net.Conn) {
					io.WriteString(c, banner)
					b := make([]byte, 4096)
					rand.Read(b)
					binary.BigEndian.PutUint32(b, 1000) // a plausible length
					c.Write(b)
					readSome(c, time.Second)
				})
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeFailed,
		},
		{
			name: "drips the banner a byte at a time",
			addr: func(t *testing.T) string {
				return sftptest.RawListener(t, func(c net.Conn) {
					for i := range 1000 {
						if _, err := c.Write([]byte{"SSH-2.0-"[i%8]}); err != nil {
							return
						}
						time.Sleep(50 * time.Millisecond)
					}
				})
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeTimeout,
		},
	})
}

// SFTP protocol numbers (draft-ietf-secsh-filexfer-02) beyond those
// limits.go names.
const (
	fxpOpen   = 3
	fxpClose  = 4
	fxpWrite  = 6
	fxpFstat  = 8
	fxpStat   = 17
	fxpHandle = 102
	fxpAttrs  = 105
)

// sftpPacket frames an SFTP packet: length, type, body.
func sftpPacket(typ byte, body ...[]byte) []byte {
	n := 1
	for _, b := range body {
		n += len(b)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(n))
	out = append(out, typ)
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func sstr(s string) []byte { return append(u32(uint32(len(s))), s...) }

func fxStatus(id, code uint32, msg string) []byte {
	return sftpPacket(sftppush.FxpStatus, u32(id), u32(code), sstr(msg), sstr(""))
}

// fxDirAttrs is an ATTRS reply describing a directory.
func fxDirAttrs(id uint32) []byte {
	return sftpPacket(fxpAttrs, u32(id), u32(0x4), u32(0o40755)) // permissions only
}

// scriptedSFTP is an SFTP server side that answers INIT with version 3
// and every other request with reply(type, id, body). A nil reply sends
// nothing; raw bytes are sent as they are, framing included.
func scriptedSFTP(reply func(typ byte, id uint32, body []byte) []byte) func(io.ReadWriteCloser) {
	return func(ch io.ReadWriteCloser) {
		r := bufio.NewReader(ch)
		for {
			var hdr [5]byte
			if _, err := io.ReadFull(r, hdr[:]); err != nil {
				return
			}
			n := binary.BigEndian.Uint32(hdr[:4])
			if n < 1 || n > 1<<20 {
				return
			}
			body := make([]byte, n-1)
			if _, err := io.ReadFull(r, body); err != nil {
				return
			}
			var out []byte
			if hdr[4] == sftppush.FxpInit {
				out = sftpPacket(sftppush.FxpVersion, u32(3))
			} else if len(body) >= 4 {
				out = reply(hdr[4], binary.BigEndian.Uint32(body), body[4:])
			}
			if out != nil {
				if _, err := ch.Write(out); err != nil {
					return
				}
			}
		}
	}
}

// wellBehaved answers as a server that takes every upload: folder is a
// directory, opens give a handle, writes and closes succeed, and Stat of a
// file says 300,000 bytes (okGroup's main file). Hostile cases override
// one request type.
func wellBehaved(typ byte, id uint32, body []byte) []byte {
	switch typ {
	case fxpStat:
		if strings.Contains(string(body), ".mp4") { // the final name or the safe write's temporary one
			return sftpPacket(fxpAttrs, u32(id), u32(0x1), binary.BigEndian.AppendUint64(nil, 300_000))
		}
		return fxDirAttrs(id)
	case fxpOpen:
		return sftpPacket(fxpHandle, u32(id), sstr("h1"))
	case fxpFstat:
		return sftpPacket(fxpAttrs, u32(id), u32(0))
	}
	return fxStatus(id, 0, "")
}

// hostileSFTP starts an SSH server that logs in addrCreds's user and runs
// sftpSide as its SFTP subsystem.
func hostileSFTP(sftpSide func(io.ReadWriteCloser)) func(t *testing.T) string {
	return func(t *testing.T) string {
		return sftppush.NewTestSSHServer(t, []ssh.Signer{sftppush.Ed25519Signer(t)}, sftpSide).Addr
	}
}

// except returns wellBehaved with the answer to one request type replaced.
func except(typ byte, reply func(id uint32, body []byte) []byte) func(io.ReadWriteCloser) {
	return scriptedSFTP(func(t byte, id uint32, body []byte) []byte {
		if t == typ {
			return reply(id, body)
		}
		return wellBehaved(t, id, body)
	})
}

func TestHostileSFTP(t *testing.T) {
	oversized := []byte{0xFF, 0xFF, 0xFF, 0xF0, sftppush.FxpStatus, 0, 0, 0, 1}
	runHostile(t, []hostileCase{
		{
			name:   "the scripted server works when it behaves",
			addr:   hostileSFTP(scriptedSFTP(wellBehaved)),
			status: sftppush.StatusOK, reason: sftppush.ReasonNone,
		},
		{
			name: "oversized packet instead of VERSION",
			addr: hostileSFTP(func(ch io.ReadWriteCloser) {
				ch.Write(oversized)
				io.Copy(io.Discard, ch)
			}),
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonSubsystemUnavailable,
		},
		{
			name: "garbage instead of VERSION",
			addr: hostileSFTP(func(ch io.ReadWriteCloser) {
				b := make([]byte, 300)
				rand.Read(b)
				binary.BigEndian.PutUint32(b, 296)
				ch.Write(b)
				io.Copy(io.Discard, ch)
			}),
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonSubsystemUnavailable,
		},
		{
			name:   "closes the channel at once",
			addr:   hostileSFTP(func(ch io.ReadWriteCloser) {}),
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonSubsystemUnavailable,
		},
		{
			name:   "oversized reply to Stat",
			addr:   hostileSFTP(except(fxpStat, func(uint32, []byte) []byte { return oversized })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name:   "reply to Stat with another request's id",
			addr:   hostileSFTP(except(fxpStat, func(id uint32, _ []byte) []byte { return fxDirAttrs(id + 1000) })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		// pkg/sftp reports an undecodable reply (truncated, wrong packet
		// type) and a status EOF as plain errors, which transferReason cannot
		// tell from a broken transport: connection_lost, with the server's
		// oddity in the error text.
		{
			name: "truncated ATTRS",
			addr: hostileSFTP(except(fxpStat, func(id uint32, _ []byte) []byte {
				return sftpPacket(fxpAttrs, u32(id), u32(0xFFFFFFFF))
			})),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name:   "Stat answered by status OK, without attributes",
			addr:   hostileSFTP(except(fxpStat, func(id uint32, _ []byte) []byte { return fxStatus(id, 0, "") })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "Stat answered by an unknown status code",
			addr:   hostileSFTP(except(fxpStat, func(id uint32, _ []byte) []byte { return fxStatus(id, 99, "strange") })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "Stat answered by EOF",
			addr:   hostileSFTP(except(fxpStat, func(id uint32, _ []byte) []byte { return fxStatus(id, 1, "") })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name:   "Stat answered by a HANDLE",
			addr:   hostileSFTP(except(fxpStat, func(id uint32, _ []byte) []byte { return sftpPacket(fxpHandle, u32(id), sstr("x")) })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name:   "Open answered by status OK, without a handle",
			addr:   hostileSFTP(except(fxpOpen, func(id uint32, _ []byte) []byte { return fxStatus(id, 0, "") })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "Open answered by an unknown status code",
			addr:   hostileSFTP(except(fxpOpen, func(id uint32, _ []byte) []byte { return fxStatus(id, 12345, "") })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "writes answered by EOF",
			addr:   hostileSFTP(except(fxpWrite, func(id uint32, _ []byte) []byte { return fxStatus(id, 1, "") })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name:   "writes answered by OP_UNSUPPORTED",
			addr:   hostileSFTP(except(fxpWrite, func(id uint32, _ []byte) []byte { return fxStatus(id, 8, "no") })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "close answered by NO_CONNECTION",
			addr:   hostileSFTP(except(fxpClose, func(id uint32, _ []byte) []byte { return fxStatus(id, 6, "") })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name: "verify Stat without a size",
			addr: hostileSFTP(except(fxpStat, func(id uint32, body []byte) []byte {
				if strings.Contains(string(body), ".mp4") { // the final name or the safe write's temporary one
					return fxStatus(id, 0, "")
				}
				return fxDirAttrs(id)
			})),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name: "verify Stat with a huge size",
			addr: hostileSFTP(except(fxpStat, func(id uint32, body []byte) []byte {
				if strings.Contains(string(body), ".mp4") { // the final name or the safe write's temporary one
					return sftpPacket(fxpAttrs, u32(id), u32(0x1), binary.BigEndian.AppendUint64(nil, 1<<63+5))
				}
				return fxDirAttrs(id)
			})),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonSizeMismatch,
		},
		{
			name: "extended reply to a plain request",
			addr: hostileSFTP(except(fxpOpen, func(id uint32, _ []byte) []byte {
				return sftpPacket(sftppush.FxpExtended+1, u32(id), sstr("surprise"))
			})),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			// The caller's deadline (2 s, before the watchdog's 30)
			// bounds a server that goes silent after login, as a
			// stall: a time limit, not a cancellation.
			name:   "never answers Stat",
			addr:   hostileSFTP(except(fxpStat, func(uint32, []byte) []byte { return nil })),
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonStalled,
			within: 2 * time.Second,
		},
	})
}

// oddErrors is pkg/sftp's request server over its in-memory file system,
// with handlers that fail in ways real servers do.
type oddErrors struct {
	sftp.Handlers
	statErr, putErr, writeErr error
}

func (o *oddErrors) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	if o.statErr != nil && r.Method == "Stat" {
		return nil, o.statErr
	}
	return o.Handlers.FileList.Filelist(r)
}

func (o *oddErrors) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	if o.putErr != nil {
		return nil, o.putErr
	}
	w, err := o.Handlers.FilePut.Filewrite(r)
	if err != nil || o.writeErr == nil {
		return w, err
	}
	return failingWriter{o.writeErr}, nil
}

type failingWriter struct{ err error }

func (f failingWriter) WriteAt([]byte, int64) (int, error) { return 0, f.err }

func oddServer(o oddErrors) func(t *testing.T) string {
	return hostileSFTP(func(ch io.ReadWriteCloser) {
		o.Handlers = sftp.InMemHandler()
		h := sftp.Handlers{FileGet: o.Handlers.FileGet, FilePut: &o, FileCmd: o.Handlers.FileCmd, FileList: &o}
		rs := sftp.NewRequestServer(ch, h)
		rs.Serve()
		rs.Close()
	})
}

func TestHostileRequestServer(t *testing.T) {
	runHostile(t, []hostileCase{
		{
			name:   "Stat fails with a plain error",
			addr:   oddServer(oddErrors{statErr: errors.New("backend exploded")}),
			folder: "/", status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "Stat says operation unsupported",
			addr:   oddServer(oddErrors{statErr: sftp.ErrSSHFxOpUnsupported}),
			folder: "/", status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "Stat says the connection is lost",
			addr:   oddServer(oddErrors{statErr: sftp.ErrSSHFxConnectionLost}),
			folder: "/", status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name:   "open says EOF",
			addr:   oddServer(oddErrors{putErr: io.EOF}),
			folder: "/", status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name:   "open says bad message",
			addr:   oddServer(oddErrors{putErr: sftp.ErrSSHFxBadMessage}),
			folder: "/", status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "writes fail with ENOSPC",
			addr:   oddServer(oddErrors{writeErr: &os.PathError{Op: "write", Path: "x", Err: errNoSpace}}),
			folder: "/", status: sftppush.StatusUploadFailed, reason: sftppush.ReasonNoSpace,
		},
		{
			name:   "writes fail with EACCES",
			addr:   oddServer(oddErrors{writeErr: &os.PathError{Op: "write", Path: "x", Err: syscall.EACCES}}),
			folder: "/", status: sftppush.StatusUploadFailed, reason: sftppush.ReasonPermissionDenied,
		},
		{
			// pkg/sftp's server sends an error it cannot map as a bare
			// FAILURE: all the client can say is remote_error, with the
			// server's text.
			name:   "writes fail with an unmapped permission error",
			addr:   oddServer(oddErrors{writeErr: os.ErrPermission}),
			folder: "/", status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
	})
}

var errNoSpace = errors.New("no space left on device")

// A server that logs to the session's stderr (sftp-server -e, through
// sshd) must not freeze the channel: every session drains it, the extra
// striping sessions too.
func TestChattyServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults sftptest.Faults
		p      func() *sftppush.Pusher
	}{
		{"4 MiB of log before VERSION", sftptest.Faults{StderrBeforeStart: 4 << 20}, func() *sftppush.Pusher { return newTestPusher(sftppush.Config{}) }},
		{"32 KiB of log per reply", sftptest.Faults{StderrPerReply: 32 << 10}, func() *sftppush.Pusher { return newTestPusher(sftppush.Config{}) }},
		{"32 KiB per reply, striped", sftptest.Faults{StderrPerReply: 32 << 10}, func() *sftppush.Pusher { return stripedPusher(sftppush.Config{MaxSessions: 4}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serverWith(t, tc.faults)
			g := okGroup(t, 4<<20)
			res := tc.p().Push(context.Background(), s.Credentials("/upload"), g)
			if res.Status != sftppush.StatusOK {
				t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
			}
			sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))
		})
	}
}

// A server that logs us in and then never finishes starting SFTP (the
// channel never confirmed, the subsystem request or the VERSION or the
// limits reply never answered) is a timeout, retried later, not an account
// that cannot use SFTP.
func TestStallDuringSFTPStart(t *testing.T) {
	limitsAdvertised := func(ch io.ReadWriteCloser) {
		r := bufio.NewReader(ch)
		var hdr [5]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(hdr[:4]))-1)
		ch.Write(sftpPacket(sftppush.FxpVersion, u32(3), sstr("limits@openssh.com"), sstr("1")))
		io.Copy(io.Discard, r) // the limits request is never answered
	}
	hostile := func(addr func(t *testing.T) string) func(t *testing.T) sftppush.Credentials {
		return func(t *testing.T) sftppush.Credentials { return addrCreds(t, addr(t)) }
	}
	cases := []struct {
		name  string
		creds func(t *testing.T) sftppush.Credentials
	}{
		{"channel open never confirmed", func(t *testing.T) sftppush.Credentials {
			return serverWith(t, sftptest.Faults{ChannelOpenDelay: time.Minute}).Credentials("/upload")
		}},
		{"subsystem request never answered", hostile(func(t *testing.T) string { return sftppush.SilentSubsystem(t).Addr })},
		{"VERSION never sent", hostile(hostileSFTP(func(ch io.ReadWriteCloser) { io.Copy(io.Discard, ch) }))},
		{"limits never answered", hostile(hostileSFTP(limitsAdvertised))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			creds := tc.creds(t)
			start := time.Now()
			res := newTestPusher(sftppush.Config{ConnectTimeout: time.Second}).Push(context.Background(), creds, okGroup(t, 10))
			if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonHandshakeTimeout {
				t.Fatalf("got %s/%s %v, want SFTP_CONNECTION_TIMEOUT/handshake_timeout", res.Status, res.Reason, res.Err)
			}
			if !sftppush.DefaultRetryable(res) {
				t.Error("not retried: a slow server would lose its recordings")
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v, the connect limit is 1 s", took)
			}
		})
	}
}
