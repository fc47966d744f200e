package sftppush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path"
	"strings"
	"syscall"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/pkg/sftp"
)

// Remote names come from callers and end up in paths on a customer's
// server: whatever checkRemoteName accepts must stay a plain name inside
// the folder.
func FuzzRemoteName(f *testing.F) {
	for _, s := range []string{"rec.mp4", "", ".", "..", "/", "a/b", `a\b`, "..\\x", "a\x00b", "é.jpg", "\xff", "a\nb",
		"\u202etxt.exe", strings.Repeat("a", 255), strings.Repeat("a", 256), " ", "...", "-rf", "~"} {
		f.Add(s, "/upload")
	}
	f.Fuzz(func(t *testing.T, name, folder string) {
		err := checkRemoteName(name)
		if err != nil {
			return
		}
		switch {
		case name == "" || name == "." || name == "..":
			t.Fatalf("accepted %q", name)
		case strings.ContainsAny(name, "/\\\x00"), !utf8.ValidString(name), len(name) > MaxRemoteNameLength:
			t.Fatalf("accepted %q", name)
		case strings.ContainsFunc(name, unicode.IsControl):
			t.Fatalf("accepted control characters in %q", name)
		}
		if dir := path.Dir(path.Join("/f", name)); dir != "/f" {
			t.Fatalf("%q leaves the folder: %s", name, dir)
		}
		// The group check agrees, and keeps the name as given.
		g := Group{Main: File{Path: "/x/rec.mp4", RemoteName: name}}
		files := fileResults(g)
		if err := checkGroup(g, files); err != nil || files[0].Remote != name {
			t.Fatalf("checkGroup(%q) = %v, %v", name, files, err)
		}
	})
}

// Any error at all, however wrapped, at any step, classifies to a known
// Reason with a Status, and never panics.
func FuzzClassify(f *testing.F) {
	f.Add(uint8(0), uint32(4), "failure", false, uint8(1))
	f.Add(uint8(1), uint32(0), "no such host", true, uint8(0))
	f.Add(uint8(2), uint32(111), "", false, uint8(2))
	f.Add(uint8(3), uint32(0), "ssh: handshake failed: ssh: unable to authenticate, attempted methods [none password]", true, uint8(3))
	f.Add(uint8(4), uint32(15), "Quota exceeded", false, uint8(0))
	f.Add(uint8(5), uint32(0), "", false, uint8(4))
	f.Add(uint8(6), uint32(0), "", false, uint8(0))
	f.Add(uint8(7), uint32(0), "10.0.0.1:22", false, uint8(1))
	f.Fuzz(func(t *testing.T, kind uint8, code uint32, msg string, flag bool, wraps uint8) {
		var err error
		switch kind % 10 {
		case 0:
			err = &sftp.StatusError{Code: code}
		case 1:
			err = &net.DNSError{Err: msg, Name: msg, IsNotFound: flag, IsTimeout: !flag}
		case 2:
			err = &net.OpError{Op: "dial", Net: "tcp4", Err: &os.SyscallError{Syscall: "connect", Err: syscall.Errno(code % 200)}}
		case 3:
			err = errors.New(msg)
		case 4:
			err = fmt.Errorf("%s: %w", msg, &sftp.StatusError{Code: code})
		case 5:
			err = os.ErrDeadlineExceeded
		case 6:
			err = io.ErrShortWrite
		case 7:
			err = &BlockedError{Addr: msg, Rule: msg}
		case 8:
			err = &hostKeyRefusal{hostport: msg, presented: msg, err: keyChanged(flag)}
		case 9:
			err = &emptyReplyError{op: msg, want: msg}
		}
		for i := range wraps % 4 {
			if i%2 == 0 {
				err = fmt.Errorf("layer %d: %w", i, err)
			} else {
				err = errors.Join(errors.New(msg), err)
			}
		}
		ctx := context.Background()
		if flag && kind%3 == 0 {
			c, cancel := context.WithCancel(ctx)
			cancel()
			ctx = c
		}
		for _, op := range []Op{OpDial, OpHandshake, OpSFTP, OpCreate, OpStat, OpUpload, OpVerify, OpRename} {
			c := cause{err: err, ctx: ctx, expired: flag && kind%2 == 0, asked: flag}
			if kind%5 == 0 {
				c.stall = errors.New(msg)
			}
			r, cerr := classify(op, c)
			if _, known := reasonStatus[r]; !known {
				t.Fatalf("%s: unknown reason %q for %v", op, r, err)
			}
			if r.Status() == "" {
				t.Fatalf("%s: reason %q has no Status (%v)", op, r, err)
			}
			if r == ReasonNone || cerr == nil {
				t.Fatalf("%s: error %v classified as no error (%q, %v)", op, err, r, cerr)
			}
		}

		_ = authFailed(err)
		_ = mentionsNoSpace(msg)
	})
}

// The destination policy agrees with net/netip's own classification: no
// loopback, private, link-local, multicast or unspecified address, and no
// IPv6, is ever allowed by default.
func FuzzDestination(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::ffff:10.0.0.1", "::1", "8.8.8.8", "169.254.169.254", "0.0.0.0", "255.255.255.255", "100.64.0.1"} {
		a := netip.MustParseAddr(s)
		b := a.AsSlice()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		rule := destinationRule(a, nil)
		u := a.Unmap()
		if rule == "" {
			if !u.Is4() || u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsLinkLocalMulticast() ||
				u.IsMulticast() || u.IsUnspecified() || u.IsInterfaceLocalMulticast() || !u.IsGlobalUnicast() {
				t.Fatalf("%s allowed", a)
			}
		}
		// checkDestination sees what the dialer sees.
		if err := checkDestination(netip.AddrPortFrom(a, 22).String(), nil, nil); (err == nil) != (rule == "") {
			t.Fatalf("%s: rule %q, checkDestination %v", a, rule, err)
		}
	})
}

// keyChanged is a policy's refusal that says whether the key changed.
type keyChanged bool

func (k keyChanged) Error() string        { return "refused" }
func (k keyChanged) HostKeyChanged() bool { return bool(k) }
