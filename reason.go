package sftppush

import (
	"fmt"

	"github.com/sftppush/sftppush/internal/textcap"
)

// Reason says, more finely than Status, what went wrong and so what to fix.
// Each Reason belongs to exactly one Status, which Reason.Status returns;
// the README has the full table. The zero value ReasonNone goes with
// StatusOK.
//
// Like Status, Reason round-trips as text; unknown names are rejected.
type Reason string

// Reasons. The comment of each says what the customer or operator should
// check, and its Status.
const (
	// ReasonNone: nothing went wrong (OK).
	ReasonNone Reason = ""

	// ReasonFileMissing: the local file does not exist (FILE_MISSING for
	// the main file; an extra file is only marked missing).
	ReasonFileMissing Reason = "file_missing"
	// ReasonFileUnreadable: the local file exists but cannot be opened, or
	// is not a regular file (FILE_MISSING for the main file).
	ReasonFileUnreadable Reason = "file_unreadable"

	// ReasonInvalidGroup: the Group is malformed (no main file path, bad
	// remote name, too many files); nothing was sent (UPLOAD_FAILED).
	ReasonInvalidGroup Reason = "invalid_group"
	// ReasonInvalidHost: Credentials.Validate refused Host or Port; nothing
	// was sent (SFTP_CONNECTION_TIMEOUT). The *ValidationError in the
	// error lists every bad field.
	ReasonInvalidHost Reason = "invalid_host"
	// ReasonInvalidLogin: Credentials.Validate refused Username or Password,
	// and Host and Port are fine; nothing was sent (SFTP_LOGIN_FAILED).
	ReasonInvalidLogin Reason = "invalid_login"
	// ReasonInvalidFolder: Credentials.Validate refused Folder only; nothing
	// was sent (INCORRECT_SFTP_FOLDER).
	ReasonInvalidFolder Reason = "invalid_folder"

	// ReasonHostNotFound: DNS has no IPv4 address for the host
	// (SFTP_CONNECTION_TIMEOUT).
	ReasonHostNotFound Reason = "host_not_found"
	// ReasonConnectionRefused: nothing listens on that port, or a firewall
	// rejects (SFTP_CONNECTION_TIMEOUT).
	ReasonConnectionRefused Reason = "connection_refused"
	// ReasonHostUnreachable: the network says the host cannot be reached
	// (SFTP_CONNECTION_TIMEOUT).
	ReasonHostUnreachable Reason = "host_unreachable"
	// ReasonDialTimeout: no TCP connection within the connect timeout; a
	// firewall dropping packets or a host that is off (SFTP_CONNECTION_TIMEOUT).
	ReasonDialTimeout Reason = "dial_timeout"
	// ReasonHandshakeTimeout: TCP connected but the SSH handshake, login or
	// SFTP start did not finish within the connect timeout: often not an SSH
	// server on that port (SFTP_CONNECTION_TIMEOUT).
	ReasonHandshakeTimeout Reason = "handshake_timeout"
	// ReasonHandshakeFailed: the peer is not a usable SSH server: it closed the
	// connection, sent something that is not SSH, or shares no algorithm with
	// us (SFTP_CONNECTION_TIMEOUT).
	ReasonHandshakeFailed Reason = "handshake_failed"
	// ReasonNoCommonAlgorithm: the server and we share no key exchange,
	// host-key, cipher or MAC algorithm; the error says which, what the
	// server offers, and whether Config.LegacyAlgorithms would help
	// (SFTP_CONNECTION_TIMEOUT).
	ReasonNoCommonAlgorithm Reason = "no_common_algorithm"
	// ReasonConnectCanceled: the caller's context ended the attempt while
	// it was connecting (SFTP_CONNECTION_TIMEOUT).
	ReasonConnectCanceled Reason = "connect_canceled"

	// ReasonAuthRejected: the server asked for the password and refused it:
	// wrong username or password (SFTP_LOGIN_FAILED).
	ReasonAuthRejected Reason = "auth_rejected"
	// ReasonPasswordExpired: the server accepted the password but says it
	// has expired and must be changed before the account can be used
	// (SFTP_LOGIN_FAILED).
	ReasonPasswordExpired Reason = "password_expired"
	// ReasonSecondFactor: the server accepted the password but wants more
	// (a one-time code, a key) before it lets the account in: partial
	// success in SSH's terms (SFTP_LOGIN_FAILED).
	ReasonSecondFactor Reason = "second_factor_required"
	// ReasonPasswordNotOffered: the server does not offer password
	// authentication, the only method the product supports
	// (SFTP_LOGIN_FAILED).
	ReasonPasswordNotOffered Reason = "password_not_offered"
	// ReasonSubsystemUnavailable: login succeeded but the server would not
	// start SFTP: a shell-only account or a broken chroot (SFTP_LOGIN_FAILED).
	ReasonSubsystemUnavailable Reason = "sftp_unavailable"

	// ReasonFolderNotFound: the folder does not exist (INCORRECT_SFTP_FOLDER).
	ReasonFolderNotFound Reason = "folder_not_found"
	// ReasonFolderNotDirectory: the folder exists but is not a directory
	// (INCORRECT_SFTP_FOLDER).
	ReasonFolderNotDirectory Reason = "folder_not_directory"

	// ReasonPermissionDenied: the server refused to create or write the file:
	// the user may not write to the folder (UPLOAD_FAILED).
	ReasonPermissionDenied Reason = "permission_denied"
	// ReasonNoSpace: the server's disk or the user's quota is full
	// (UPLOAD_FAILED).
	ReasonNoSpace Reason = "no_space"
	// ReasonConnectionLost: the connection broke while uploading
	// (UPLOAD_FAILED).
	ReasonConnectionLost Reason = "connection_lost"
	// ReasonSizeMismatch: the server acknowledged the upload but the remote
	// file's size differs from the local one (UPLOAD_FAILED).
	ReasonSizeMismatch Reason = "size_mismatch"
	// ReasonFileTooLarge: the file is larger than the server's documented
	// limit for one file (Azure Blob Storage's 100 GB); nothing of it was
	// sent (UPLOAD_FAILED).
	ReasonFileTooLarge Reason = "file_too_large"
	// ReasonRemoteError: the server refused the upload for a reason its
	// status code does not narrow down (UPLOAD_FAILED).
	ReasonRemoteError Reason = "remote_error"
	// ReasonLocalReadError: reading the local file failed during the upload
	// (UPLOAD_FAILED).
	ReasonLocalReadError Reason = "local_read_error"
	// ReasonUploadCanceled: the caller's context ended the attempt after
	// the connection was open (UPLOAD_FAILED).
	ReasonUploadCanceled Reason = "upload_canceled"

	// ReasonBlockedByPolicy: the destination policy refuses the address the
	// host resolved to (loopback, private, link-local...); nothing was sent
	// to it. The customer must use a public IPv4 address, or the operator
	// allow its network in Config.AllowNetworks (SFTP_CONNECTION_TIMEOUT).
	ReasonBlockedByPolicy Reason = "blocked_by_policy"
	// ReasonHostKeyChanged: the server's host key differs from the one
	// trusted for it; the password was not sent. Either an impostor
	// answers, or the server was reinstalled and the operator must re-pin
	// (SFTP_CONNECTION_TIMEOUT).
	ReasonHostKeyChanged Reason = "host_key_changed"
	// ReasonHostKeyUnknown: the host-key policy has no key for this server
	// or otherwise refuses its key; the password was not sent
	// (SFTP_CONNECTION_TIMEOUT).
	ReasonHostKeyUnknown Reason = "host_key_unknown"
	// ReasonStalled: the server stopped responding after the connection was
	// open: no SFTP reply for Config.StallTimeout, or nothing at all, not
	// even an answer to SSH keepalives, for the keepalive limit. The
	// connection was closed (UPLOAD_FAILED).
	ReasonStalled Reason = "stalled"
)

// Reasons returns every Reason, ReasonNone first, in the order the
// README's table lists them: for a status page's filter, or to set up
// metrics per Reason before the first push.
func Reasons() []Reason { return append([]Reason(nil), allReasonsInOrder...) }

var allReasonsInOrder = []Reason{
	ReasonNone,
	ReasonFileMissing,
	ReasonFileUnreadable,
	ReasonInvalidGroup,
	ReasonInvalidHost,
	ReasonInvalidLogin,
	ReasonInvalidFolder,
	ReasonHostNotFound,
	ReasonConnectionRefused,
	ReasonHostUnreachable,
	ReasonDialTimeout,
	ReasonHandshakeTimeout,
	ReasonHandshakeFailed,
	ReasonNoCommonAlgorithm,
	ReasonConnectCanceled,
	ReasonAuthRejected,
	ReasonPasswordExpired,
	ReasonSecondFactor,
	ReasonPasswordNotOffered,
	ReasonSubsystemUnavailable,
	ReasonFolderNotFound,
	ReasonFolderNotDirectory,
	ReasonPermissionDenied,
	ReasonNoSpace,
	ReasonConnectionLost,
	ReasonSizeMismatch,
	ReasonFileTooLarge,
	ReasonRemoteError,
	ReasonLocalReadError,
	ReasonUploadCanceled,
	ReasonBlockedByPolicy,
	ReasonHostKeyChanged,
	ReasonHostKeyUnknown,
	ReasonStalled,
}

var reasonStatus = map[Reason]Status{
	ReasonNone:                 StatusOK,
	ReasonFileMissing:          StatusFileMissing,
	ReasonFileUnreadable:       StatusFileMissing,
	ReasonInvalidGroup:         StatusUploadFailed,
	ReasonInvalidHost:          StatusConnectionTimeout,
	ReasonInvalidLogin:         StatusLoginFailed,
	ReasonInvalidFolder:        StatusIncorrectFolder,
	ReasonHostNotFound:         StatusConnectionTimeout,
	ReasonConnectionRefused:    StatusConnectionTimeout,
	ReasonHostUnreachable:      StatusConnectionTimeout,
	ReasonDialTimeout:          StatusConnectionTimeout,
	ReasonHandshakeTimeout:     StatusConnectionTimeout,
	ReasonHandshakeFailed:      StatusConnectionTimeout,
	ReasonConnectCanceled:      StatusConnectionTimeout,
	ReasonNoCommonAlgorithm:    StatusConnectionTimeout,
	ReasonAuthRejected:         StatusLoginFailed,
	ReasonPasswordExpired:      StatusLoginFailed,
	ReasonSecondFactor:         StatusLoginFailed,
	ReasonFileTooLarge:         StatusUploadFailed,
	ReasonPasswordNotOffered:   StatusLoginFailed,
	ReasonSubsystemUnavailable: StatusLoginFailed,
	ReasonFolderNotFound:       StatusIncorrectFolder,
	ReasonFolderNotDirectory:   StatusIncorrectFolder,
	ReasonPermissionDenied:     StatusUploadFailed,
	ReasonNoSpace:              StatusUploadFailed,
	ReasonConnectionLost:       StatusUploadFailed,
	ReasonSizeMismatch:         StatusUploadFailed,
	ReasonRemoteError:          StatusUploadFailed,
	ReasonLocalReadError:       StatusUploadFailed,
	ReasonUploadCanceled:       StatusUploadFailed,
	ReasonBlockedByPolicy:      StatusConnectionTimeout,
	ReasonHostKeyChanged:       StatusConnectionTimeout,
	ReasonHostKeyUnknown:       StatusConnectionTimeout,
	ReasonStalled:              StatusUploadFailed,
}

// String returns the reason's name, or "none" for ReasonNone.
func (r Reason) String() string {
	if r == ReasonNone {
		return "none"
	}
	return string(r)
}

// Status returns the Status this Reason is reported with. Every Reason
// has one; a string that is not a Reason gets the empty Status.
func (r Reason) Status() Status { return reasonStatus[r] }

// connectionGone reports whether r ends the use of the connection: it
// broke, the caller cancelled, or the watchdog closed it. No further file
// can be tried.
func (r Reason) connectionGone() bool {
	return r == ReasonConnectionLost || r == ReasonUploadCanceled || r == ReasonStalled
}

// parseReason returns the Reason named s. "" and "none" both give ReasonNone.
func parseReason(s string) (Reason, error) {
	if s == "none" {
		return ReasonNone, nil
	}
	if _, ok := reasonStatus[Reason(s)]; ok {
		return Reason(s), nil
	}
	return "", fmt.Errorf("sftppush: unknown reason %q", textcap.Runes(s, 40))
}

// MarshalText implements encoding.TextMarshaler.
func (r Reason) MarshalText() ([]byte, error) {
	if _, ok := reasonStatus[r]; !ok {
		return nil, fmt.Errorf("sftppush: cannot marshal unknown reason %q", textcap.Runes(string(r), 40))
	}
	return []byte(r.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; unknown names are rejected.
func (r *Reason) UnmarshalText(b []byte) error {
	v, err := parseReason(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
