package sftppush

import (
	"errors"
	"reflect"
	"strings"
	"unicode/utf8"
)

// The password scrub. A hostile or careless server may repeat the password
// in what it says: an SFTP error message, its identification string, the
// reason it refused a channel. Before an attempt's outcome is stored or
// printed, finish replaces the password, wherever it appears, in the errors
// and the texts that came from the server.

// minScrubbed is the shortest password scrubbed: a shorter one would be
// replaced in ordinary words.
const minScrubbed = 6

// scrubber removes one password from texts and errors.
type scrubber struct{ pw string }

func newScrubber(password string) scrubber {
	if utf8.RuneCountInString(password) < minScrubbed {
		return scrubber{}
	}
	return scrubber{password}
}

func (s scrubber) text(t string) string {
	if s.pw == "" {
		return t
	}
	return strings.ReplaceAll(t, s.pw, redacted)
}

// err returns err unchanged when no level of it holds the password, and
// otherwise an error with the password replaced in its text, which still
// answers errors.Is as err does, and errors.As for every error of the
// chain whose own text does not hold the password.
func (s scrubber) err(err error) error {
	if s.pw == "" || err == nil || !s.leaks(err) {
		return err
	}
	return &scrubbedError{text: s.text(err.Error()), orig: err, s: s}
}

// leaks reports whether any level of err holds the password.
func (s scrubber) leaks(err error) bool {
	if err == nil {
		return false
	}
	if strings.Contains(err.Error(), s.pw) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return s.leaks(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if s.leaks(e) {
				return true
			}
		}
	}
	return false
}

// scrubbedError is an error whose text had the password in it. It has no
// Unwrap, so that no level of its chain can print the password.
type scrubbedError struct {
	text string
	orig error
	s    scrubber
}

func (e *scrubbedError) Error() string { return e.text }

// Is reports whether the original chain matches target.
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.orig, target) }

// As finds target's type in the original chain, unless the error found
// would print the password.
func (e *scrubbedError) As(target any) bool {
	if !errors.As(e.orig, target) {
		return false
	}
	v := reflect.ValueOf(target).Elem()
	if found, ok := v.Interface().(error); ok && found != nil && strings.Contains(found.Error(), e.s.pw) {
		v.Set(reflect.Zero(v.Type()))
		return false
	}
	return true
}

// scrub applies s to an attempt's outcome: every error it reports and the
// server's identification string.
func (a *attempt) scrub() {
	s := newScrubber(a.creds.Password)
	if s.pw == "" {
		return
	}
	seen := map[*Error]bool{}
	fix := func(err error) error {
		var e *Error
		if errors.As(err, &e) && err == error(e) {
			if !seen[e] {
				seen[e] = true
				e.Subject, e.Err = s.text(e.Subject), s.err(e.Err)
			}
			return e
		}
		return s.err(err)
	}
	a.res.Err = fix(a.res.Err)
	for i := range a.files {
		f := &a.files[i]
		f.Err, f.RenameErr, f.StripeErr = fix(f.Err), fix(f.RenameErr), fix(f.StripeErr)
	}
	a.peer.serverVersion = s.text(a.peer.serverVersion)
	a.peer.banner = s.text(a.peer.banner)
}
