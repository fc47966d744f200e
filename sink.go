package sftppush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// A Sink receives one LogEntry per push attempt. Its methods may be called
// concurrently from several pushes; implementations must be safe for that.
// A Sink's error is reported in Result.LogErr and never changes the Status.
//
// Log's context ends 5 seconds after the call, or 1 second after the
// push's own context ended (a cancelled push is still logged): Log must
// return when it does, for Push waits for it.
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

// How long Push gives its Sink: logTimeout, or logGrace once the caller's
// context has ended (a cancelled push is still logged, briefly).
const (
	logTimeout = 5 * time.Second
	logGrace   = time.Second
)

// logEntry hands e to the sink with a context that ends after logTimeout,
// or logGrace after the caller's ctx ends, so that a slow sink holds a push
// (and its caller's cancel) for that long at most, if it honours its
// context as a Sink must.
func logEntry(ctx context.Context, sink Sink, e LogEntry) error {
	limit := logTimeout
	if ctx.Err() != nil {
		limit = logGrace
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(logGrace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-lctx.Done():
		}
	})
	defer stop()
	return sink.Log(lctx, e)
}
