package sftppush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// SFTP status codes beyond version 3's that some servers send anyway
// (draft-ietf-secsh-filexfer-13, section 9.1). pkg/sftp has no names for them.
const (
	fxNoSpaceOnFilesystem = 14
	fxQuotaExceeded       = 15
)

// cause is what is known about a failed step when it is classified.
type cause struct {
	err error
	ctx context.Context // the caller's: when it is done, the caller cancelled

	// While connecting.
	expired bool // the connect deadline had passed
	asked   bool // the password was handed to the server (see handshakeReason)

	// After connecting.
	stall error       // why the watchdog closed the connection, if it did
	local error       // a local read error during the step
	full  func() bool // asks the server whether its disk is full (statvfs)
}

// fail turns a failed step into its *Error: the one place where a failure
// gets its Reason, and so its Status.
func fail(op Op, subject string, c cause) *Error {
	r, err := classify(op, c)
	return newError(op, subject, r, err)
}

// classify decides the Reason of a failed step and the error to report.
// Precedence: the destination policy's refusal (nothing was sent), the
// caller's deadline and cancellation, the watchdog's verdict (all close
// the connection, which the step sees as a lost connection), a local read
// error, and then what the network or the server said, by the protocol.
//
// The caller's deadline is a time limit, not a change of mind: it ends the
// attempt as the connect limit or the watchdog would.
func classify(op Op, c cause) (Reason, error) {
	err := c.err
	connecting := op == OpDial || op == OpHandshake || op == OpSFTP
	switch {
	case isBlocked(err):
		return ReasonBlockedByPolicy, err
	case c.ctx != nil && errors.Is(c.ctx.Err(), context.DeadlineExceeded):
		err = errors.Join(errAttemptDeadline, c.ctx.Err(), err)
		switch op {
		case OpDial:
			return ReasonDialTimeout, err
		case OpHandshake, OpSFTP:
			return ReasonHandshakeTimeout, err
		}
		return ReasonStalled, err
	case c.ctx != nil && c.ctx.Err() != nil && connecting:
		if op == OpDial {
			return ReasonConnectCanceled, err // the dialer's error already says so
		}
		return ReasonConnectCanceled, errors.Join(c.ctx.Err(), err)
	case c.ctx != nil && c.ctx.Err() != nil:
		return ReasonUploadCanceled, errors.Join(c.ctx.Err(), err)
	case c.stall != nil:
		return ReasonStalled, errors.Join(c.stall, err)
	case c.local != nil:
		return ReasonLocalReadError, c.local
	}
	switch op {
	case OpDial:
		return dialReason(err), err
	case OpHandshake:
		if c.expired && !isHostKeyError(err) {
			return ReasonHandshakeTimeout, err
		}
		return handshakeReason(err, c.asked), err
	case OpSFTP:
		// When the connect deadline fires, x/crypto closes every channel:
		// the SFTP start then sees EOF, not a timeout.
		if c.expired || isTimeout(err) {
			return ReasonHandshakeTimeout, err
		}
		if se := (*startError)(nil); errors.As(err, &se) && expired(se.stderr) {
			return ReasonPasswordExpired, err
		}
		return ReasonSubsystemUnavailable, err
	}
	r := transferReason(err)
	switch {
	case r == ReasonFolderNotFound && op != OpCreate && op != OpStat:
		// "No such file" means the folder only when creating a file in it
		// or looking at the folder itself. Elsewhere the file itself went
		// away under us (a customer's scanner taking it, say).
		r, err = ReasonRemoteError, fmt.Errorf("the file vanished from the server: %w", err)
	case r == ReasonFolderNotFound:
		err = fmt.Errorf("the folder does not exist on the server (a relative folder starts at the login directory): %w", err)
	case r == ReasonRemoteError && c.full != nil && c.full():
		r = ReasonNoSpace
	}
	return r, err
}

// errAttemptDeadline says that the caller's time limit ended the attempt.
var errAttemptDeadline = errors.New("the attempt's deadline (the caller's context) passed")

// dialReason classifies an error from resolving or connecting.
func dialReason(err error) Reason {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout && !dnsErr.IsNotFound {
			return ReasonDialTimeout
		}
		return ReasonHostNotFound
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return ReasonConnectionRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ReasonHostUnreachable
	case isTimeout(err):
		return ReasonDialTimeout
	}
	return ReasonHostUnreachable
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isHostKeyError(err error) bool {
	var hk *hostKeyRefusal
	return errors.As(err, &hk)
}

// handshakeReason classifies an error from ssh.NewClientConn. asked says
// whether our password callback was called: x/crypto calls it only when the
// server lists "password" among the methods that can continue, which is how
// a rejected password is told from a server that offers no password login.
func handshakeReason(err error, asked bool) Reason {
	var hk *hostKeyRefusal
	var more *moreThanPassword
	switch {
	case errors.As(err, &hk):
		if hk.changed() {
			return ReasonHostKeyChanged
		}
		return ReasonHostKeyUnknown
	case isTimeout(err):
		return ReasonHandshakeTimeout
	case errors.As(err, new(*ssh.AlgorithmNegotiationError)):
		return ReasonNoCommonAlgorithm
	case errors.Is(err, errSecondFactor):
		return ReasonSecondFactor
	case errors.As(err, &more):
		if expired(more.text) {
			return ReasonPasswordExpired
		}
		return ReasonSecondFactor
	case asked && passwordChangeRequested(err):
		return ReasonPasswordExpired
	case errors.Is(err, errUnansweredChallenge):
		return ReasonPasswordNotOffered
	case authFailed(err):
		if asked {
			return ReasonAuthRejected
		}
		return ReasonPasswordNotOffered
	case asked:
		// The server dropped us after we sent the password, e.g. OpenSSH's
		// MaxAuthTries disconnect.
		return ReasonAuthRejected
	}
	return ReasonHandshakeFailed
}

// authFailed reports whether err is x/crypto's "no authentication method
// left" error. x/crypto returns it as an untyped string, so this is the one
// place that matches its wording; the tests pin it against the real package.
//
// The second wording is x/crypto's keyboard-interactive client meeting a
// server that lists keyboard-interactive but fails it without asking
// anything (OpenSSH with UsePAM no): it gives up on the whole login with
// "unexpected message type 51 (expected 60)", a USERAUTH_FAILURE where it
// wanted an INFO_REQUEST. That too is a login no method could complete.
func authFailed(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "ssh: unable to authenticate") ||
		strings.Contains(msg, "ssh: unexpected message type 51 (expected 60)")
}

// passwordChangeRequested reports whether the server answered the
// password with SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (RFC 4252, section 8:
// message 60 in the password method), which x/crypto does not handle and
// reports only as an unexpected message, in words.
func passwordChangeRequested(err error) bool {
	return err != nil && strings.Contains(err.Error(), "ssh: unexpected message type 60 (expected")
}

// transferReason classifies an error from an SFTP request made after the
// connection was open: opening, writing, closing or stat-ing a remote file.
// It goes by the protocol: the SFTP status code when the server sent one;
// any other error means the transport broke.
func transferReason(err error) Reason {
	var empty *emptyReplyError
	switch {
	case errors.As(err, &empty):
		return ReasonRemoteError
	case errors.Is(err, fs.ErrPermission):
		// pkg/sftp turns SSH_FX_PERMISSION_DENIED into fs.ErrPermission.
		return ReasonPermissionDenied
	case errors.Is(err, fs.ErrNotExist):
		return ReasonFolderNotFound
	case errors.Is(err, sftp.ErrSSHFxConnectionLost), errors.Is(err, sftp.ErrSSHFxNoConnection):
		return ReasonConnectionLost
	}
	var se *sftp.StatusError
	if errors.As(err, &se) {
		switch se.Code {
		case uint32(sftp.ErrSSHFxPermissionDenied):
			return ReasonPermissionDenied
		case uint32(sftp.ErrSSHFxNoSuchFile):
			return ReasonFolderNotFound
		case uint32(sftp.ErrSSHFxConnectionLost), uint32(sftp.ErrSSHFxNoConnection):
			return ReasonConnectionLost
		case fxNoSpaceOnFilesystem, fxQuotaExceeded:
			return ReasonNoSpace
		}
		if mentionsNoSpace(se.Error()) {
			return ReasonNoSpace
		}
		return ReasonRemoteError
	}
	if errors.Is(err, io.ErrShortWrite) {
		return ReasonRemoteError
	}
	return ReasonConnectionLost
}

// mentionsNoSpace is the last resort for servers that report a full disk as
// a bare SSH_FX_FAILURE with a message: the wording of errno ENOSPC/EDQUOT
// and of common servers. The statvfs check (cause.full) covers servers
// that say nothing.
func mentionsNoSpace(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"no space", "quota", "disk full", "disk is full", "insufficient storage", "not enough space"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}
