package sftppush

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func testEntry(i int) LogEntry {
	return LogEntry{
		RecordingID: fmt.Sprintf("rec-%d", i),
		Time:        time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC).Add(time.Duration(i) * time.Second),
		Host:        "sftp.example.com",
		Username:    "cam",
		Folder:      "/in",
		Port:        22,
		Files:       []string{fmt.Sprintf("rec-%d.mp4", i), "snap <&>.jpg"},
		Status:      StatusUploadFailed,
		Reason:      ReasonPermissionDenied,
		Error:       "permission denied",
		Duration:    1500 * time.Millisecond,
		BytesSent:   int64(i) * 1000,
	}
}

// recordingWriter records each Write call separately.
type recordingWriter struct {
	mu    sync.Mutex
	calls [][]byte
	err   error
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	w.calls = append(w.calls, append([]byte(nil), p...))
	return len(p), nil
}

func TestJSONSinkConcurrent(t *testing.T) {
	w := &recordingWriter{}
	sink := NewJSONSink(w)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := sink.Log(context.Background(), testEntry(i)); err != nil {
				t.Errorf("Log: %v", err)
			}
		})
	}
	wg.Wait()

	if len(w.calls) != n {
		t.Fatalf("%d Write calls, want %d (one per entry)", len(w.calls), n)
	}
	var all bytes.Buffer
	for i, c := range w.calls {
		if bytes.Count(c, []byte("\n")) != 1 || c[len(c)-1] != '\n' {
			t.Fatalf("call %d is not exactly one line: %q", i, c)
		}
		all.Write(c)
	}

	got := map[string]LogEntry{}
	sc := bufio.NewScanner(&all)
	for sc.Scan() {
		var e LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got[e.RecordingID] = e
	}
	if len(got) != n {
		t.Fatalf("decoded %d distinct entries, want %d", len(got), n)
	}
	for i := range n {
		want := testEntry(i)
		if e := got[want.RecordingID]; !reflect.DeepEqual(e, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", e, want)
		}
	}
}

func TestJSONSinkFormat(t *testing.T) {
	var buf bytes.Buffer
	e := testEntry(0)
	e.Time = time.Date(2024, 5, 6, 9, 8, 9, 5, time.FixedZone("CEST", 2*3600))
	e.Status, e.Reason, e.Error = StatusOK, ReasonNone, ""
	if err := NewJSONSink(&buf).Log(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"time":        "2024-05-06T07:08:09.000000005Z",
		"status":      "OK",
		"reason":      "none",
		"duration_ns": float64(1500 * time.Millisecond),
	}
	for k, want := range checks {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if _, ok := m["error"]; ok {
		t.Errorf("empty error is present: %s", buf.Bytes())
	}
	if !strings.Contains(buf.String(), "snap <&>.jpg") {
		t.Errorf("HTML-escaped output: %s", buf.Bytes())
	}
}

func TestJSONSinkErrors(t *testing.T) {
	errDisk := errors.New("disk full")
	w := &recordingWriter{err: errDisk}
	if err := NewJSONSink(w).Log(context.Background(), testEntry(0)); !errors.Is(err, errDisk) {
		t.Errorf("write error: got %v, want %v", err, errDisk)
	}

	w = &recordingWriter{}
	bad := testEntry(0)
	bad.Status = "nope"
	if err := NewJSONSink(w).Log(context.Background(), bad); err == nil {
		t.Error("invalid Status: got nil error")
	}
	if len(w.calls) != 0 {
		t.Errorf("invalid entry wrote %q", w.calls)
	}
}

func TestSlogSink(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sink := NewSlogSink(l)

	fail := testEntry(3)
	ok := testEntry(4)
	ok.Status, ok.Reason, ok.Error = StatusOK, ReasonNone, ""
	for _, e := range []LogEntry{fail, ok} {
		if err := sink.Log(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d records, want 2:\n%s", len(lines), buf.String())
	}
	tests := []struct {
		name  string
		line  string
		want  map[string]any
		noKey string
	}{
		{"failure", lines[0], map[string]any{
			"level":        "WARN",
			"msg":          "sftp push",
			"recording_id": "rec-3",
			"ended_at":     "2024-05-06T07:08:12.123456789Z",
			"host":         "sftp.example.com",
			"username":     "cam",
			"folder":       "/in",
			"port":         float64(22),
			"files":        []any{"rec-3.mp4", "snap <&>.jpg"},
			"status":       "UPLOAD_FAILED",
			"reason":       "permission_denied",
			"error":        "permission denied",
			"duration":     float64(1500 * time.Millisecond),
			"bytes_sent":   float64(3000),
		}, ""},
		{"success", lines[1], map[string]any{
			"level":  "INFO",
			"status": "OK",
			"reason": "none",
		}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tt.line), &m); err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				if !reflect.DeepEqual(m[k], want) {
					t.Errorf("%s = %#v, want %#v", k, m[k], want)
				}
			}
			if tt.noKey != "" {
				if _, ok := m[tt.noKey]; ok {
					t.Errorf("key %q present in %s", tt.noKey, tt.line)
				}
			}
			if strings.Count(tt.line, `"time":`) != 1 {
				t.Errorf("want exactly one time key: %s", tt.line)
			}
		})
	}
}

func TestSlogSinkNilLogger(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))

	if err := NewSlogSink(nil).Log(context.Background(), testEntry(0)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "recording_id=rec-0") {
		t.Errorf("default logger not used: %q", buf.String())
	}
}

func TestLogEntryLogValue(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "entry", testEntry(7))
	var m struct {
		Entry map[string]any `json:"entry"`
	}
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m.Entry["recording_id"] != "rec-7" || m.Entry["status"] != "UPLOAD_FAILED" {
		t.Errorf("entry group = %v", m.Entry)
	}
}

func TestMultiSink(t *testing.T) {
	errA, errC := errors.New("a failed"), errors.New("c failed")
	var b, d counter
	var calls []string
	failing := func(name string, err error) Sink {
		return SinkFunc(func(ctx context.Context, e LogEntry) error {
			calls = append(calls, name)
			return err
		})
	}
	sink := MultiSink(failing("a", errA), nil, &b, failing("c", errC), nil, &d)

	err := sink.Log(context.Background(), testEntry(1))
	if !errors.Is(err, errA) || !errors.Is(err, errC) {
		t.Errorf("err = %v, want both %v and %v", err, errA, errC)
	}
	if !reflect.DeepEqual(calls, []string{"a", "c"}) {
		t.Errorf("calls = %v", calls)
	}
	if b.n != 1 || d.n != 1 {
		t.Errorf("logged %d, %d; want 1, 1", b.n, d.n)
	}

	if err := MultiSink(&b).Log(context.Background(), testEntry(2)); err != nil {
		t.Errorf("no failure: err = %v", err)
	}
	if err := MultiSink().Log(context.Background(), testEntry(3)); err != nil {
		t.Errorf("empty: err = %v", err)
	}
	if err := MultiSink(nil, nil).Log(context.Background(), testEntry(3)); err != nil {
		t.Errorf("all nil: err = %v", err)
	}
}

func TestLoggedFiles(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, nil},
		{"one", []string{"a"}, []string{"a"}},
		{"four", []string{"a", "b", "c", "d"}, []string{"a", "b", "c", "d"}},
		{"six", []string{"a", "b", "c", "d", "e", "f"}, []string{"a", "b", "c", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loggedFiles(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if len(got) > 0 {
				got[0] = "changed"
				if tt.in[0] == "changed" {
					t.Error("result shares memory with the input")
				}
			}
		})
	}
	if maxLoggedFiles != 4 {
		t.Errorf("maxLoggedFiles = %d, want 4", maxLoggedFiles)
	}
}

// counter is a Sink that counts its entries.
type counter struct{ n int }

func (c *counter) Log(context.Context, LogEntry) error {
	c.n++
	return nil
}
