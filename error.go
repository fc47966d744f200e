package sftppush

import "fmt"

// Error is the error of a failed step of a push. It says which step failed,
// on which subject (an address or a path), with which Reason (whose
// Status, Reason.Status, is never StatusOK), and wraps the cause.
type Error struct {
	Reason Reason
	// Op is the step that failed.
	Op Op
	// Subject is what the step worked on: a host:port, or a local or remote
	// path. Never the password.
	Subject string
	Err     error
}

// newError returns the *Error of a step that failed for reason r.
func newError(op Op, subject string, r Reason, err error) *Error {
	return &Error{Reason: r, Op: op, Subject: subject, Err: err}
}

// Error returns a text of the form "sftppush: upload /in/rec.mp4
// (UPLOAD_FAILED/permission_denied): cause".
func (e *Error) Error() string {
	s := "sftppush: " + string(e.Op)
	if e.Subject != "" {
		s += " " + e.Subject
	}
	s += fmt.Sprintf(" (%s/%s)", e.Reason.Status(), e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Op names the step of a push that failed, in Error.Op.
type Op string

// The steps of a push, in the order they run.
const (
	// OpValidate: checking the Group or the Credentials; nothing was sent.
	OpValidate Op = "validate"
	// OpOpen: opening a local file.
	OpOpen Op = "open"
	// OpDial: resolving the host and opening the TCP connection.
	OpDial Op = "dial"
	// OpHandshake: the SSH handshake, the host-key check and the login.
	OpHandshake Op = "handshake"
	// OpSFTP: starting SFTP on the logged-in connection.
	OpSFTP Op = "sftp"
	// OpCreate: creating the remote file.
	OpCreate Op = "create"
	// OpStat: looking at the folder, after a file in it could not be
	// created.
	OpStat Op = "stat"
	// OpUpload: writing the file's contents.
	OpUpload Op = "upload"
	// OpVerify: checking the remote file's size.
	OpVerify Op = "verify"
	// OpRename: giving the uploaded temporary file its final name.
	OpRename Op = "rename"
)
