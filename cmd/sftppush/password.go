package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// passwordEnv is the environment variable the password is read from.
const passwordEnv = "SFTPPUSH_PASSWORD"

// passwordSource is where the password comes from.
type passwordSource int

const (
	fromEnv passwordSource = iota
	fromPrompt
)

// errNoPassword: no environment variable, and no terminal to ask on.
var errNoPassword = &usageError{"no password: set " + passwordEnv + ", or run sftppush on a terminal to be asked for it " +
	"(it is never taken from the command line)"}

// choosePassword decides where the password comes from: the environment
// variable when it is set and not empty, else a prompt when standard input
// is a terminal, else nowhere (a usage error). An empty variable counts as
// unset: the library refuses an empty password anyway, and a prompt is
// the better answer to "SFTPPUSH_PASSWORD= sftppush check ...".
func choosePassword(env string, stdinIsTerminal bool) (passwordSource, error) {
	switch {
	case env != "":
		return fromEnv, nil
	case stdinIsTerminal:
		return fromPrompt, nil
	default:
		return 0, errNoPassword
	}
}

// errInterrupted: Ctrl-C or SIGTERM at the prompt.
var errInterrupted = errors.New("interrupted")

// promptPassword asks for the password on the terminal in, without echo,
// writing the prompt to prompt. When ctx ends first (Ctrl-C) the
// terminal's echo is turned back on before it returns errInterrupted: the
// reading goroutine stays blocked, and the process exits.
func promptPassword(ctx context.Context, in *os.File, prompt io.Writer, label string) (string, error) {
	fd := int(in.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", fmt.Errorf("reading the terminal: %w", err)
	}
	fmt.Fprintf(prompt, "Password for %s: ", label)
	type answer struct {
		b   []byte
		err error
	}
	got := make(chan answer, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		got <- answer{b, err}
	}()
	select {
	case <-ctx.Done():
		term.Restore(fd, state)
		fmt.Fprintln(prompt)
		return "", errInterrupted
	case a := <-got:
		fmt.Fprintln(prompt)
		if a.err != nil {
			return "", fmt.Errorf("reading the password: %w", a.err)
		}
		return strings.TrimSuffix(string(a.b), "\r"), nil
	}
}

// minScrubbed is the shortest password removed from what is printed, as
// the library does (a shorter one would be replaced in ordinary words).
const minScrubbed = 6

// redacted replaces the password, as in the library.
const redacted = "[REDACTED]"

// scrubber removes the password from a text, as a last guard over
// everything printed: the library already removes it from what the server
// said, and never puts it anywhere else.
type scrubber string

func newScrubber(password string) scrubber {
	if utf8.RuneCountInString(password) < minScrubbed {
		return ""
	}
	return scrubber(password)
}

func (s scrubber) text(t string) string {
	if s == "" {
		return t
	}
	return strings.ReplaceAll(t, string(s), redacted)
}
