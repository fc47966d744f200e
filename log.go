package sftppush

import (
	"context"
	"time"
)

// MaxLoggedFiles is how many file names a LogEntry lists, as the product's
// log table does.
const MaxLoggedFiles = 4

// LogEntry is the record of one push attempt: the columns of the product's
// SFTP log table plus what an operator needs to debug. It never holds the
// password.
type LogEntry struct {
	RecordingID string    `json:"recording_id"`
	Time        time.Time `json:"time"` // when the attempt ended, UTC
	Host        string    `json:"host"` // as typed (ASCII form for IDNs)
	Username    string    `json:"username"`
	Folder      string    `json:"folder"`
	Protocol    string    `json:"protocol"` // always "SFTP"
	Port        int       `json:"port"`
	// Files are the remote names of the files attempted, main file first, at
	// most MaxLoggedFiles.
	Files     []string      `json:"files"`
	Status    Status        `json:"status"`
	Reason    Reason        `json:"reason"`
	Error     string        `json:"error,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
	BytesSent int64         `json:"bytes_sent"`
}

// A Sink receives one LogEntry per push attempt. Its methods may be called
// concurrently from several pushes; implementations must be safe for that.
// A Sink's error is reported in Result.LogErr and never changes the Status.
type Sink interface {
	Log(ctx context.Context, e LogEntry) error
}
