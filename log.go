package sftppush

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/sftppush/sftppush/internal/textcap"
)

// maxLoggedFiles is how many file names a LogEntry lists, as the product's
// log table does.
const maxLoggedFiles = 4

// LogEntry is the record of one push attempt: the columns of the product's
// SFTP log table plus what an operator needs to debug. It never holds the
// password.
type LogEntry struct {
	RecordingID string    `json:"recording_id"`
	Time        time.Time `json:"time"` // when the attempt ended, UTC
	Host        string    `json:"host"` // as typed (ASCII form for IDNs)
	Username    string    `json:"username"`
	Folder      string    `json:"folder"`
	Port        int       `json:"port"`
	// Files are the remote names of the files attempted, main file first, at
	// most 4 (as the product's log table shows them).
	Files     []string      `json:"files"`
	Status    Status        `json:"status"`
	Reason    Reason        `json:"reason"`
	Error     string        `json:"error,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
	BytesSent int64         `json:"bytes_sent"`

	// Account is the tenant the recording belongs to (Group.Account), so a
	// service can show each customer only their own logs.
	Account string `json:"account,omitempty"`
	// Attempt numbers the attempt when a retry helper made it (1 is the
	// first); 0 when unknown.
	Attempt int `json:"attempt,omitempty"`

	// What an operator needs to debug a connection; empty when the attempt
	// ended before that step.
	RemoteAddr         string        `json:"remote_addr,omitempty"`          // the IPv4:port actually connected to
	ServerVersion      string        `json:"server_version,omitempty"`       // the server's SSH identification string
	Banner             string        `json:"banner,omitempty"`               // what the server showed before the login (SSH's banner): lines joined by "\n", capped at 1000 characters
	Algorithms         string        `json:"algorithms,omitempty"`           // negotiated: "kex=... hostkey=... cipher=... [mac=...]"
	HostKeyFingerprint string        `json:"host_key_fingerprint,omitempty"` // SHA256:... as ssh-keygen -l prints it
	ConnectDuration    time.Duration `json:"connect_duration_ns,omitempty"`  // DNS, TCP, handshake, login, SFTP start
	UploadDuration     time.Duration `json:"upload_duration_ns,omitempty"`   // folder check and uploads
}

// LogValue implements slog.LogValuer, so that a LogEntry passed as one
// attribute, as in slog.Info("push", "entry", e), prints as a group of the
// same attributes NewSlogSink writes.
func (e LogEntry) LogValue() slog.Value {
	return slog.GroupValue(e.attrs()...)
}

// attrs returns the entry as flat slog attributes. The entry's time is under
// "ended_at", not "time": flat attributes share the record's namespace, and
// slog's own "time" key (the moment the record was written) is already there;
// a second "time" key would make duplicate JSON keys.
func (e LogEntry) attrs() []slog.Attr {
	a := make([]slog.Attr, 0, 13)
	a = append(a,
		slog.String("recording_id", e.RecordingID),
		slog.Time("ended_at", e.Time.UTC()),
		slog.String("host", e.Host),
		slog.String("username", e.Username),
		slog.String("folder", e.Folder),
		slog.Int("port", e.Port),
		// A copy: a handler may keep the record after Log returns.
		slog.Any("files", append([]string{}, e.Files...)),
		slog.String("status", string(e.Status)),
		slog.String("reason", e.Reason.String()),
	)
	if e.Error != "" {
		a = append(a, slog.String("error", e.Error))
	}
	a = append(a,
		slog.Duration("duration", e.Duration),
		slog.Int64("bytes_sent", e.BytesSent),
	)
	for _, kv := range [...]struct{ k, v string }{
		{"account", e.Account}, {"remote_addr", e.RemoteAddr},
		{"server_version", e.ServerVersion}, {"host_key_fingerprint", e.HostKeyFingerprint},
		{"banner", e.Banner}, {"algorithms", e.Algorithms},
	} {
		if kv.v != "" {
			a = append(a, slog.String(kv.k, kv.v))
		}
	}
	if e.Attempt != 0 {
		a = append(a, slog.Int("attempt", e.Attempt))
	}
	if e.ConnectDuration != 0 || e.UploadDuration != 0 {
		a = append(a, slog.Duration("connect_duration", e.ConnectDuration), slog.Duration("upload_duration", e.UploadDuration))
	}
	return a
}

// clone returns a copy of e that shares no memory with it.
func (e LogEntry) clone() LogEntry {
	if e.Files != nil {
		e.Files = append([]string{}, e.Files...)
	}
	return e
}

// loggedFiles returns a copy of the first maxLoggedFiles names, for
// LogEntry.Files.
func loggedFiles(names []string) []string {
	n := min(len(names), maxLoggedFiles)
	if n == 0 {
		return nil
	}
	return append([]string(nil), names[:n]...)
}

// logSafe bounds and cleans a field typed by a stranger before it goes into a
// log entry: invalid credentials may be any length and hold any bytes. Valid
// fields pass unchanged.
func logSafe(s string) string {
	return textcap.Runes(logText(s), 100)
}

// logText makes a stranger's text safe for a log line: invalid UTF-8 and
// control characters become U+FFFD, and the characters that make a line
// read differently from what it holds (bidirectional overrides and
// isolates, zero-width and line separators) are written as escapes
// ("\u202e"). The value itself, where it is used, stays as typed.
func logText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case misleading(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		case unicode.IsControl(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// misleading reports whether r changes how a line reads without showing.
func misleading(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069: // embeddings, overrides, isolates
		return true
	case r >= 0x200B && r <= 0x200F, r == 0x2028, r == 0x2029, r == 0xFEFF, r == 0x061C:
		return true
	}
	return false
}

// maxLoggedError caps LogEntry.Error: a server's message or a DNS answer
// can be any length, and the entry goes into every sink and SQL row.
const maxLoggedError = 2000

// maxBannerChars caps LogEntry.Banner: the server's own text, where it
// explains a refusal, but any length.
const maxBannerChars = 1000

// bannerText is the server's banner as a log entry keeps it: lines
// joined by "\n" (CR LF and CR become LF), every other control character
// replaced, misleading ones escaped (logText), capped.
func bannerText(b string) string {
	b = strings.ReplaceAll(strings.ReplaceAll(b, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(strings.TrimRight(b, "\n"), "\n")
	for i, l := range lines {
		lines[i] = logText(l)
	}
	return textcap.Runes(strings.Join(lines, "\n"), maxBannerChars)
}
