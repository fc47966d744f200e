package sftppush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// The classifiers go by error types and codes; these rows synthesize the
// errors the network and the libraries return, including the ones a
// loopback test cannot provoke (an unreachable host).
func TestDialReason(t *testing.T) {
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp4", Err: os.NewSyscallError("connect", errno)}
	}
	cases := []struct {
		name string
		err  error
		want Reason
	}{
		{"refused", opErr(syscall.ECONNREFUSED), ReasonConnectionRefused},
		{"host unreachable", opErr(syscall.EHOSTUNREACH), ReasonHostUnreachable},
		{"network unreachable", opErr(syscall.ENETUNREACH), ReasonHostUnreachable},
		{"deadline", fmt.Errorf("dial: %w", context.DeadlineExceeded), ReasonDialTimeout},
		{"io timeout", &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, ReasonDialTimeout},
		{"nxdomain", &net.DNSError{Err: "no such host", Name: "x.example", IsNotFound: true}, ReasonHostNotFound},
		{"dns timeout", &net.DNSError{Err: "i/o timeout", Name: "x.example", IsTimeout: true}, ReasonDialTimeout},
		{"wrapped in a join", errors.Join(opErr(syscall.ECONNREFUSED), opErr(syscall.ECONNREFUSED)), ReasonConnectionRefused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := dialReason(tc.err); got != tc.want {
				t.Errorf("dialReason(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, _ := classify(OpDial, cause{err: opErr(syscall.ECONNREFUSED), ctx: ctx}); got != ReasonConnectCanceled {
		t.Errorf("with a cancelled context: %s, want connect_canceled", got)
	}
}

func TestHandshakeReason(t *testing.T) {
	authErr := errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none password], no supported methods remain")
	cases := []struct {
		name  string
		err   error
		asked bool
		want  Reason
	}{
		{"password refused", authErr, true, ReasonAuthRejected},
		{"password never asked", authErr, false, ReasonPasswordNotOffered},
		{"disconnect after the password", io.EOF, true, ReasonAuthRejected},
		{"eof before auth", io.EOF, false, ReasonHandshakeFailed},
		{"deadline", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, false, ReasonHandshakeTimeout},
		{"deadline after the password", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, true, ReasonHandshakeTimeout},
		// SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (60) where x/crypto wanted a success.
		{"password change requested", errors.New("ssh: handshake failed: ssh: unexpected message type 60 (expected 52)"), true, ReasonPasswordExpired},
		{"keyboard-interactive wanted, a failure came", errors.New("ssh: handshake failed: ssh: unexpected message type 51 (expected 60)"), true, ReasonAuthRejected},
		{"partial success", fmt.Errorf("ssh: handshake failed: %w", errSecondFactor), true, ReasonSecondFactor},
		{"new password asked", &moreThanPassword{text: "You are required to change your password immediately (administrator enforced) Current password:"}, true, ReasonPasswordExpired},
		{"code asked", &moreThanPassword{text: "Verification code:"}, true, ReasonSecondFactor},
		{"no common cipher", fmt.Errorf("ssh: handshake failed: %w", &ssh.AlgorithmNegotiationError{What: "client to server cipher"}), false, ReasonNoCommonAlgorithm},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := handshakeReason(tc.err, tc.asked); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestTransferReason(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want Reason
	}{
		{"permission (normalised by pkg/sftp)", fmt.Errorf("open: %w", os.ErrPermission), ReasonPermissionDenied},
		{"no such file (normalised)", os.ErrNotExist, ReasonFolderNotFound},
		{"connection lost", sftp.ErrSSHFxConnectionLost, ReasonConnectionLost},
		{"no connection", sftp.ErrSSHFxNoConnection, ReasonConnectionLost},
		{"transport eof", io.EOF, ReasonConnectionLost},
		{"closed conn", net.ErrClosed, ReasonConnectionLost},
		{"short write", io.ErrShortWrite, ReasonRemoteError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := transferReason(tc.err); got != tc.want {
				t.Errorf("transferReason(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
}

func TestMentionsNoSpace(t *testing.T) {
	for msg, want := range map[string]bool{
		`sftp: "no space left on device" (SSH_FX_FAILURE)`: true,
		`sftp: "Disk quota exceeded" (SSH_FX_FAILURE)`:     true,
		`sftp: "Failure" (SSH_FX_FAILURE)`:                 false,
		`sftp: "Insufficient storage" (SSH_FX_FAILURE)`:    true,
		`sftp: "bad message" (SSH_FX_BAD_MESSAGE)`:         false,
	} {
		if got := mentionsNoSpace(msg); got != want {
			t.Errorf("mentionsNoSpace(%q) = %v, want %v", msg, got, want)
		}
	}
}

// authFailed is the one place that matches x/crypto's wording; the table
// rows "wrong password" and "password method not offered" in
// TestPushStatuses pin it against the real package. This checks that an
// unrelated error is not mistaken for it.
func TestAuthFailedIsNarrow(t *testing.T) {
	if authFailed(nil) || authFailed(errors.New("ssh: handshake failed: EOF")) {
		t.Error("authFailed matched an error that is not an authentication failure")
	}
}
