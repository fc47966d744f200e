package sftppush

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"strings"
	"syscall"

	"github.com/pkg/sftp"
)

// SFTP status codes beyond version 3's that some servers send anyway
// (draft-ietf-secsh-filexfer-13, section 9.1). pkg/sftp has no names for them.
const (
	fxNoSpaceOnFilesystem = 14
	fxQuotaExceeded       = 15
)

// dialReason classifies an error from resolving or connecting. ctx is the
// caller's context: when it is done, the caller cancelled, whatever the
// network said.
func dialReason(ctx context.Context, err error) Reason {
	if isBlocked(err) {
		return ReasonBlockedByPolicy
	}
	if ctx.Err() != nil {
		return ReasonCanceled
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return ReasonHostNotFound
		}
		if dnsErr.IsTimeout {
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

// handshakeReason classifies an error from ssh.NewClientConn. asked says
// whether our password callback was called: x/crypto calls it only when the
// server lists "password" among the methods that can continue, which is how
// a rejected password is told from a server that offers no password login.
func handshakeReason(err error, asked bool) Reason {
	var he *HostKeyError
	switch {
	case errors.As(err, &he):
		if he.Changed() {
			return ReasonHostKeyChanged
		}
		return ReasonHostKeyUnknown
	case isTimeout(err):
		return ReasonHandshakeTimeout
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
// and of common servers. The statvfs check in upload comes first.
func mentionsNoSpace(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"no space", "quota", "disk full", "disk is full", "insufficient storage", "not enough space"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}
