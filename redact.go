package sftppush

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redacted stands in for a non-empty password wherever credentials are shown.
const redacted = "[REDACTED]"

// shownPassword is what stands for the password in every output: nothing
// when there is none (so a missing password is visible), else "[REDACTED]".
func (c Credentials) shownPassword() string {
	if c.Password == "" {
		return ""
	}
	return redacted
}

// String returns the credentials with the password redacted, in the form
// {Host:sftp.example.com Port:22 Username:alice Password:[REDACTED] Folder:/upload}.
// Values that are empty or hold spaces, quotes or unprintable characters are
// quoted as Go strings, so a hostile value cannot fake another field or a
// log line. Port is shown as stored: 0 stays 0.
func (c Credentials) String() string {
	return fmt.Sprintf("{Host:%s Port:%d Username:%s Password:%s Folder:%s}",
		quoteIfNeeded(withoutUserInfo(c.Host)), c.Port, quoteIfNeeded(c.Username),
		quoteIfNeeded(c.shownPassword()), quoteIfNeeded(withoutUserInfo(c.Folder)))
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return r == '"' || r == '\\' || r == '{' || r == '}' || r == utf8.RuneError || unicode.IsSpace(r) || !strconv.IsPrint(r)
	}) {
		return strconv.Quote(s)
	}
	return s
}

// goString returns a Go expression for the credentials with the password
// redacted, for %#v.
func (c Credentials) goString() string {
	return fmt.Sprintf("sftppush.Credentials{Host:%q, Port:%d, Username:%q, Password:%q, Folder:%q}",
		withoutUserInfo(c.Host), c.Port, c.Username, c.shownPassword(), withoutUserInfo(c.Folder))
}

// Format implements fmt.Formatter so that no verb can reach the password:
// %#v prints a Go expression with the password redacted, and every other verb (%v, %+v, %s, %q, %x, %X, %d,
// ...) formats String, the redacted text, with the same flags and width.
// fmt does not call Format for %p and %w when they are misused (see
// Credentials).
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, c.goString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
}

// LogValue implements slog.LogValuer: the credentials log as a group of
// host, port, username, password and folder, the password being
// "[REDACTED]" (or "" when empty).
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", withoutUserInfo(c.Host)),
		slog.Int("port", c.Port),
		slog.String("username", c.Username),
		slog.String("password", c.shownPassword()),
		slog.String("folder", withoutUserInfo(c.Folder)),
	)
}

// MarshalJSON writes the credentials as a JSON object with the keys host,
// port, username, password and folder, the password being "[REDACTED]" (or
// "" when empty). The keys decode back into Credentials, but the password
// does not survive: do not store this output.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		Username string `json:"username"`
		Password string `json:"password"`
		Folder   string `json:"folder"`
	}{withoutUserInfo(c.Host), c.Port, c.Username, c.shownPassword(), withoutUserInfo(c.Folder)})
}

// withoutUserInfo redacts a password typed into Host or Folder as a URL's
// user info ("sftp://user:secret@host/upload", "user:secret@host"): the
// value is refused by Validate, but it is still shown and logged as typed,
// and the password in it must not be. The user name stays, for the person
// reading.
func withoutUserInfo(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	end := len(s)
	if j := strings.IndexByte(s[start:], '/'); j >= 0 {
		end = start + j
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 {
		return s
	}
	at += start
	colon := strings.IndexByte(s[start:at], ':')
	if colon < 0 {
		return s
	}
	colon += start
	return s[:colon+1] + redacted + s[at:]
}
