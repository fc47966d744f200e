package sftppush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
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
	Port        int       `json:"port"`
	// Files are the remote names of the files attempted, main file first, at
	// most MaxLoggedFiles.
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
		slog.String("status", e.Status.String()),
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

// loggedFiles returns a copy of the first MaxLoggedFiles names, for
// LogEntry.Files.
func loggedFiles(names []string) []string {
	n := min(len(names), MaxLoggedFiles)
	if n == 0 {
		return nil
	}
	return append([]string(nil), names[:n]...)
}

// logSafe bounds and cleans a field typed by a stranger before it goes into a
// log entry: invalid credentials may be any length and hold any bytes. Valid
// fields pass unchanged.
func logSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return truncate(s, 100)
}

// A Sink receives one LogEntry per push attempt. Its methods may be called
// concurrently from several pushes; implementations must be safe for that.
// A Sink's error is reported in Result.LogErr and never changes the Status.
type Sink interface {
	Log(ctx context.Context, e LogEntry) error
}

// SinkFunc adapts a function to the Sink interface. It is as safe for
// concurrent use as the function is.
type SinkFunc func(ctx context.Context, e LogEntry) error

// Log calls f(ctx, e).
func (f SinkFunc) Log(ctx context.Context, e LogEntry) error { return f(ctx, e) }

// NewSlogSink returns a Sink that writes each entry to l as one record with
// the message "sftp push", at level Info when the Status is OK and Warn
// otherwise. A nil l means slog.Default(), looked up at each Log so that a
// later slog.SetDefault takes effect.
//
// The attributes are flat: recording_id, ended_at (the entry's Time; "time"
// is the record's own), host, username, folder, port, files,
// status, reason, error (only when not empty), duration and bytes_sent.
// Users rename or drop them with slog.HandlerOptions.ReplaceAttr.
//
// Log passes ctx to the handler and always returns nil: slog.Logger reports
// no errors. The sink is as safe for concurrent use as l's Handler, which
// slog requires to be safe.
func NewSlogSink(l *slog.Logger) Sink {
	return slogSink{l}
}

type slogSink struct{ l *slog.Logger }

func (s slogSink) Log(ctx context.Context, e LogEntry) error {
	l := s.l
	if l == nil {
		l = slog.Default()
	}
	level := slog.LevelWarn
	if e.Status == StatusOK {
		level = slog.LevelInfo
	}
	l.LogAttrs(ctx, level, "sftp push", e.attrs()...)
	return nil
}

// NewJSONSink returns a Sink that writes each entry to w as one JSON object
// followed by a newline (JSON Lines), with the field names of LogEntry's
// struct tags, Time in RFC 3339 with nanoseconds in UTC and Duration in
// nanoseconds ("duration_ns"). It is safe for concurrent use: each entry is
// written with a single w.Write call, one at a time, so lines never
// interleave. Log returns the error of w.Write, or of encoding an entry whose
// Status or Reason is invalid (then nothing is written). It panics if w is
// nil.
func NewJSONSink(w io.Writer) Sink {
	if w == nil {
		panic("sftppush: NewJSONSink with nil io.Writer")
	}
	return &jsonSink{w: w}
}

type jsonSink struct {
	mu sync.Mutex // serializes writes to w
	w  io.Writer
}

func (s *jsonSink) Log(_ context.Context, e LogEntry) error {
	e.Time = e.Time.UTC()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Log lines are not HTML; keep "<", ">" and "&" readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil { // Encode adds the newline
		return fmt.Errorf("sftppush: json sink: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.w.Write(buf.Bytes())
	if err == nil && n < buf.Len() {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("sftppush: json sink: %w", err)
	}
	return nil
}

// MultiSink returns a Sink that passes each entry to every non-nil sink, in
// order, even when an earlier one fails, and returns the failures joined
// with errors.Join (nil if none). It is safe for concurrent use when the
// sinks are. With no non-nil sink it discards entries.
func MultiSink(sinks ...Sink) Sink {
	var ss []Sink
	for _, s := range sinks {
		if s != nil {
			ss = append(ss, s)
		}
	}
	return multiSink(ss)
}

type multiSink []Sink

func (m multiSink) Log(ctx context.Context, e LogEntry) error {
	var errs []error
	for _, s := range m {
		// Each sink gets its own copy, so one that changes e.Files cannot
		// change what the next one sees.
		if err := s.Log(ctx, e.clone()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
