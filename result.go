package sftppush

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

// FileResult is the outcome for one file of a group. Result.Files lists
// them in the group's order: the main file first.
type FileResult struct {
	Local  string    `json:"local"`  // local path
	Remote string    `json:"remote"` // remote name, inside the folder
	State  FileState `json:"state"`
	Size   int64     `json:"size"`  // local size in bytes, -1 when unknown
	Bytes  int64     `json:"bytes"` // bytes sent to the server, every rewrite included
	// Reason and Err say why the file failed or is missing; Err is then an
	// *Error. For an extra file this is the only place its failure shows:
	// Result.Err is about the main file.
	Reason Reason `json:"reason"`
	Err    error  `json:"-"`

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
	// 1, or more for a striped upload (see Config.MaxSessions), so that an
	// operator can see whether striping pays on a link. Zero when nothing
	// was written.
	Sessions int `json:"sessions,omitempty"`
	// StripeErr, when not nil, is why a striped upload was abandoned: the
	// server misbehaved with several writers (a refused write or close, a
	// wrong size). The file was then rewritten whole over one session in
	// the same attempt (Sessions is 1, and Bytes counts both). A server
	// that keeps doing this is better pushed to with Config.MaxSessions 1.
	StripeErr error `json:"-"`
}

// Result is the outcome of one Push: one attempt, one log entry.
type Result struct {
	// Status and Reason are the outcome, decided by the main file.
	Status Status
	Reason Reason
	// Err is nil exactly when Status is OK. Otherwise it is a *Error
	// wrapping the cause, so errors.Is and errors.As reach
	// *sftp.StatusError, net.Error, *ValidationError, fs.ErrNotExist and
	// the like. An extra file's failure does not fail the push and is not
	// here: see its FileResult.
	Err error
	// Files has one entry per file of the group, main file first.
	Files []FileResult
	// Leftovers are the remote paths of temporary files, and of partial
	// files written in place, that could not be removed after a failed
	// write (the server refused the remove, or the connection was gone),
	// and of Check's probe file when the server refused to remove it. They
	// never change the Status.
	Leftovers []string
	// Entry is the log entry written to the sink.
	Entry LogEntry
	// LogErr is the sink's error, if any. It never changes Status.
	LogErr error
}
