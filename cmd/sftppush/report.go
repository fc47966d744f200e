package main

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/internal/textcap"
)

// report is what an attempt printed: the one value both the text report
// and --json are made from. Its JSON form is documented in doc.go, and
// fields are only ever added to it.
type report struct {
	Command  string `json:"command"` // "check" or "push"
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Hint     string `json:"hint"`
	Error    string `json:"error"`
	ExitCode int    `json:"exit_code"`
	Time     string `json:"time"` // when the attempt ended, RFC 3339, UTC

	RecordingID string `json:"recording_id"`
	Host        string `json:"host"`
	Port        int    `json:"port"`
	Username    string `json:"username"`
	Folder      string `json:"folder"`

	RemoteAddr         string `json:"remote_addr"`
	ServerVersion      string `json:"server_version"`
	Banner             string `json:"banner"`
	Algorithms         string `json:"algorithms"`
	HostKeyFingerprint string `json:"host_key_fingerprint"`
	HostKeyPolicy      string `json:"host_key_policy"` // "accept_any" or "known_hosts"

	ConnectMS  float64 `json:"connect_ms"`
	UploadMS   float64 `json:"upload_ms"`
	DurationMS float64 `json:"duration_ms"`
	BytesSent  int64   `json:"bytes_sent"`

	Files     []fileReport `json:"files"`
	Leftovers []string     `json:"leftovers"`
}

// fileReport is one file of the attempt.
type fileReport struct {
	Local       string `json:"local"`
	Remote      string `json:"remote"`
	State       string `json:"state"`
	Size        int64  `json:"size"`
	BytesSent   int64  `json:"bytes_sent"`
	Sessions    int    `json:"sessions"`
	Method      string `json:"method"`
	Reason      string `json:"reason"`
	Hint        string `json:"hint"`
	Error       string `json:"error"`
	RenameError string `json:"rename_error"`
	StripeError string `json:"stripe_error"`
}

// Host-key policies, in report.HostKeyPolicy.
const (
	policyAcceptAny  = "accept_any"
	policyKnownHosts = "known_hosts"
)

// maxErrorChars caps a file's error text, as LogEntry.Error is capped.
const maxErrorChars = 2000

// newReport turns an attempt's Result into a report. Every text goes
// through clean (no control characters reach the terminal) and the
// scrubber (no password reaches the output).
func newReport(cmd string, res *sftppush.Result, policy string, s scrubber) report {
	e := res.Entry
	t := func(v string) string { return s.text(clean(v)) }
	r := report{
		Command: cmd, Status: string(res.Status), Reason: res.Reason.String(), Hint: t(res.Reason.Hint()),
		Error: t(e.Error), ExitCode: exitCode(res.Status), Time: e.Time.UTC().Format(time.RFC3339Nano),
		RecordingID: t(e.RecordingID), Host: t(e.Host), Port: e.Port, Username: t(e.Username), Folder: t(e.Folder),
		RemoteAddr: t(e.RemoteAddr), ServerVersion: t(e.ServerVersion), Banner: banner(e.Banner, t), Algorithms: t(e.Algorithms),
		HostKeyFingerprint: t(e.HostKeyFingerprint), HostKeyPolicy: policy,
		ConnectMS: ms(e.ConnectDuration), UploadMS: ms(e.UploadDuration), DurationMS: ms(e.Duration),
		BytesSent: e.BytesSent,
		Files:     []fileReport{}, Leftovers: []string{},
	}
	for _, f := range res.Files {
		fr := fileReport{
			Local: t(f.Local), Remote: t(f.Remote), State: string(f.State), Size: f.Size, BytesSent: f.Bytes,
			Sessions: f.Sessions, Method: string(f.Method),
			Reason: f.Reason.String(), Hint: t(f.Reason.Hint()),
			Error: t(errText(f.Err)), RenameError: t(errText(f.RenameErr)), StripeError: t(errText(f.StripeErr)),
		}
		r.Files = append(r.Files, fr)
	}
	for _, l := range res.Leftovers {
		r.Leftovers = append(r.Leftovers, t(l))
	}
	return r
}

// banner is the server's banner as lines joined by "\n", as the log
// entry keeps it, without blank lines; each line is cleaned.
func banner(s string, t func(string) string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, t(l))
		}
	}
	return strings.Join(lines, "\n")
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return textcap.Runes(err.Error(), maxErrorChars)
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// clean makes a text safe to print on a terminal: control characters
// (escape sequences a hostile server might send), and the characters that
// make a line read differently from what it holds (bidirectional
// overrides, zero-width characters), are written as \u escapes. Invalid
// UTF-8 becomes U+FFFD.
func clean(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsControl(r) || invisible(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// invisible reports whether r changes how a line reads without showing.
func invisible(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069: // embeddings, overrides, isolates
		return true
	case r >= 0x200B && r <= 0x200F, r == 0x2028, r == 0x2029, r == 0x061C, r == 0xFEFF:
		return true
	}
	return false
}
