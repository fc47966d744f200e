package sftppush

import (
	"errors"

	"golang.org/x/crypto/ssh"
)

// errUnansweredChallenge ends a keyboard-interactive login whose challenge
// asks for more than the password.
var errUnansweredChallenge = errors.New("sftppush: the server's keyboard-interactive challenge asks for more than a password")

// authMethods returns the login methods: the password, and with
// Config.KeyboardInteractive the password as the answer to a
// keyboard-interactive challenge. asked is set when the password is handed
// to the server either way: that is how a rejected password is told from a
// server that offers no method we can use (see handshakeReason).
func authMethods(password string, keyboardInteractive bool, asked *bool) []ssh.AuthMethod {
	methods := []ssh.AuthMethod{ssh.PasswordCallback(func() (string, error) {
		*asked = true
		return password, nil
	})}
	if keyboardInteractive {
		methods = append(methods, ssh.KeyboardInteractive(kbdAnswer(password, asked)))
	}
	return methods
}

// kbdAnswer answers keyboard-interactive challenges with the password. It
// answers only what is unambiguous: a challenge with no prompts (PAM sends
// one after the password is accepted) gets no answers, and one with exactly
// one prompt whose echo is off gets the password, whatever the prompt's
// text, which servers translate. Anything else (several prompts, a prompt
// that echoes) asks for something we do not have, such as a one-time code,
// and ends the login rather than guess.
func kbdAnswer(password string, asked *bool) ssh.KeyboardInteractiveChallenge {
	return func(_, _ string, questions []string, echos []bool) ([]string, error) {
		switch {
		case len(questions) == 0:
			return nil, nil
		case len(questions) == 1 && len(echos) == 1 && !echos[0]:
			*asked = true
			return []string{password}, nil
		}
		return nil, errUnansweredChallenge
	}
}
