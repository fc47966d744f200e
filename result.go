package sftppush

import (
	"fmt"
)

// File is one local file of a recording and the name it gets on the server.
type File struct {
	// Path is the local path of the file.
	Path string
	// RemoteName is the file name on the server, inside Credentials.Folder.
	// Empty means the base name of Path. It must be a plain file name: no
	// "/", "\", NUL or control characters, not "." or "..".
	RemoteName string
}

// Group is the set of files of one recording, pushed over one connection, one
// after another, main file first.
type Group struct {
	// RecordingID identifies the recording in the log entry.
	RecordingID string
	// Account, if set, names the tenant the recording belongs to; it is
	// copied into the log entry so logs can be shown per customer.
	Account string
	// Main is the file that decides the Status: the processed .mp4 or the raw
	// recording.
	Main File
	// Extras are the other files (raw recording, snapshot, filmstrip). A
	// missing or failed extra is reported in its FileResult and does not fail
	// the push.
	Extras []File
}

// FileState is what happened to one file of a group.
type FileState string

// File states.
const (
	// FileUploaded: the file is on the server and its size matches.
	FileUploaded FileState = "uploaded"
	// FileFailed: the upload was tried and failed; see FileResult.Err.
	FileFailed FileState = "failed"
	// FileMissing: the local file is missing or unreadable; nothing was sent.
	FileMissing FileState = "missing"
	// FileNotAttempted: the file was not tried, because the push failed
	// before its turn (no connection, lost connection, bad folder...).
	FileNotAttempted FileState = "not_attempted"
)

// FileResult is the outcome for one file of a group.
type FileResult struct {
	Local  string    `json:"local"`  // local path
	Remote string    `json:"remote"` // remote name, inside the folder
	Main   bool      `json:"main"`   // whether this is the group's main file
	State  FileState `json:"state"`
	Size   int64     `json:"size"`  // local size in bytes, -1 when unknown
	Bytes  int64     `json:"bytes"` // bytes sent to the server, a re-upload included
	Reason Reason    `json:"reason"`
	Err    error     `json:"-"`

	// Method is how the file was written, or was being written when it
	// failed: under a temporary name and then renamed (MethodPosixRename,
	// MethodRename) or in place (MethodInPlace). Empty when no write was
	// tried.
	Method WriteMethod `json:"method,omitempty"`
	// RenameErr, when not nil, is why renaming the uploaded temporary file
	// failed; the file was then uploaded again in place (Method is
	// MethodInPlace).
	RenameErr error `json:"-"`
	// Sessions is how many SFTP sessions of the connection wrote the file:
	// 1, or more for a striped upload. Zero when nothing was tried.
	Sessions int `json:"sessions,omitempty"`
	// Fallback, when not empty, says why a striped upload was abandoned;
	// the file was then rewritten whole over one session in the same
	// attempt, and Sessions is 1.
	Fallback string `json:"fallback,omitempty"`
}

// Result is the outcome of one Push: one attempt, one log entry.
type Result struct {
	Status Status
	Reason Reason
	// Err is nil when Status is OK and no extra failed. Otherwise it is a
	// *Error wrapping the cause, so errors.Is and errors.As reach
	// *sftp.StatusError, net.Error, *ValidationError, fs.ErrNotExist and the
	// like. When the main file arrived but an extra failed, Status is OK and
	// Err describes the first failed extra.
	Err error
	// Files has one entry per file of the group, main file first.
	Files []FileResult
	// Leftovers are the remote paths of temporary files that could not be
	// removed after a failed write (the server refused the remove, or the
	// connection was gone), and of Check's probe file when the server
	// refused to remove it. They never change the Status.
	Leftovers []string
	// Entry is the log entry written to the sink.
	Entry LogEntry
	// LogErr is the sink's error, if any. It never changes Status.
	LogErr error
}

// Error is the error of a failed step of a push. It says which step failed,
// on which subject (an address or a remote path), with which Status and
// Reason, and wraps the cause.
type Error struct {
	Status Status
	Reason Reason
	// Op is the step: "validate", "open", "dial", "handshake", "sftp",
	// "stat", "upload", "verify".
	Op string
	// Subject is what the step worked on: a host:port, or a local or remote
	// path. Never the password.
	Subject string
	Err     error
}

// Error returns a text of the form "sftppush: upload /in/rec.mp4: permission
// denied (UPLOAD_FAILED/permission_denied): cause".
func (e *Error) Error() string {
	s := "sftppush: " + e.Op
	if e.Subject != "" {
		s += " " + e.Subject
	}
	s += fmt.Sprintf(" (%s/%s)", e.Status, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
