package sftppush

import (
	"fmt"

	"github.com/sftppush/sftppush/internal/textcap"
)

// Status is the outcome of one push attempt, as the product shows it to a
// customer. It has exactly six values; the zero value "" is not a valid
// Status and never appears in a Result.
//
// Status implements encoding.TextMarshaler and encoding.TextUnmarshaler, so
// it round-trips through JSON, flags and databases as its name.
type Status string

// The six statuses of a push attempt.
const (
	// StatusOK: the main recording file was uploaded and its remote size
	// matches the local one. Extras may still have failed; see Result.Files.
	StatusOK Status = "OK"
	// StatusFileMissing: the local main file is missing or unreadable.
	// Decided before any connection is opened.
	StatusFileMissing Status = "FILE_MISSING"
	// StatusUploadFailed: connected and logged in, but the main file did not
	// arrive intact (permission, quota, lost connection, size mismatch...).
	StatusUploadFailed Status = "UPLOAD_FAILED"
	// StatusLoginFailed: the server rejected the username or password,
	// offered no password login, or would not start SFTP after login.
	StatusLoginFailed Status = "SFTP_LOGIN_FAILED"
	// StatusIncorrectFolder: the folder does not exist or is not a directory.
	StatusIncorrectFolder Status = "INCORRECT_SFTP_FOLDER"
	// StatusConnectionTimeout: the SFTP connection could not be opened within
	// the connect timeout (10 s by default), or the network said no at once
	// (refused, unknown host, blocked destination).
	StatusConnectionTimeout Status = "SFTP_CONNECTION_TIMEOUT"
)

var allStatuses = []Status{
	StatusOK, StatusFileMissing, StatusUploadFailed,
	StatusLoginFailed, StatusIncorrectFolder, StatusConnectionTimeout,
}

// Statuses returns the six statuses in the order the product documents them.
func Statuses() []Status { return append([]Status(nil), allStatuses...) }

// parseStatus returns the Status named s. Names are matched exactly
// (upper case, as the product writes them); anything else is an error.
func parseStatus(s string) (Status, error) {
	for _, st := range allStatuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("sftppush: unknown status %q (want one of OK, FILE_MISSING, UPLOAD_FAILED, SFTP_LOGIN_FAILED, INCORRECT_SFTP_FOLDER, SFTP_CONNECTION_TIMEOUT)", textcap.Runes(s, 40))
}

// valid reports whether s is one of the six statuses.
func (s Status) valid() bool {
	_, err := parseStatus(string(s))
	return err == nil
}

// MarshalText implements encoding.TextMarshaler. It refuses an invalid
// Status so that a bad value never reaches storage.
func (s Status) MarshalText() ([]byte, error) {
	if !s.valid() {
		return nil, fmt.Errorf("sftppush: cannot marshal invalid status %q", textcap.Runes(string(s), 40))
	}
	return []byte(s), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; unknown names are rejected.
func (s *Status) UnmarshalText(b []byte) error {
	st, err := parseStatus(string(b))
	if err != nil {
		return err
	}
	*s = st
	return nil
}
