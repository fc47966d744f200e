package sftppush

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"
	"testing"
)

type leakyError struct{ msg string }

func (e *leakyError) Error() string { return e.msg }

// The scrub keeps what callers ask of an error (errors.Is, errors.As for
// a type that does not print the password) and drops what would print it.
func TestScrubber(t *testing.T) {
	s := newScrubber("hunter2-secret")
	inner := &leakyError{"server said: hunter2-secret is wrong"}
	op := &net.OpError{Op: "read", Err: fs.ErrPermission}
	err := fmt.Errorf("upload: %w", errors.Join(inner, op))
	got := s.err(err)
	if strings.Contains(got.Error(), "hunter2-secret") || !strings.Contains(got.Error(), "[REDACTED] is wrong") {
		t.Errorf("scrubbed text %q", got.Error())
	}
	if !errors.Is(got, fs.ErrPermission) {
		t.Error("errors.Is lost the chain's sentinel")
	}
	var ne *net.OpError
	if !errors.As(got, &ne) || ne != op {
		t.Error("errors.As lost an error that does not print the password")
	}
	var le *leakyError
	if errors.As(got, &le) || le != nil {
		t.Errorf("errors.As handed out an error that prints the password: %v", le)
	}
	if errors.Unwrap(got) != nil {
		t.Error("the scrubbed error unwraps to the original chain")
	}
	clean := errors.New("nothing secret here")
	if s.err(clean) != clean {
		t.Error("an error without the password was replaced")
	}
	if short := newScrubber("abc"); short.text("abcdef") != "abcdef" {
		t.Error("a trivially short password is scrubbed from ordinary text")
	}
}
