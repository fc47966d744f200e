package sftppush

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sftppush/sftppush/internal/textcap"
	"golang.org/x/crypto/ssh"
)

// errUnansweredChallenge ends a keyboard-interactive login whose challenge
// asks for more than the password.
var errUnansweredChallenge = errors.New("sftppush: the server's keyboard-interactive challenge asks for more than a password")

// moreThanPassword ends a keyboard-interactive login that asks again once
// the password has been answered: PAM asking for a new password (an
// expired one) or for a one-time code. The prompts say which.
type moreThanPassword struct {
	text string // the challenge's instruction and prompts
}

func (e *moreThanPassword) Error() string {
	return "sftppush: after the password, the server's keyboard-interactive login asks for more: " + strconv.Quote(textcap.Runes(e.text, 300))
}

// expired reports whether the server's words say the password expired
// and must be changed. There is no protocol signal for it in
// keyboard-interactive logins nor in OpenSSH's refusal of a session after
// an expired password's login, only PAM's and sshd's English words
// ("You are required to change your password immediately", "Your
// password has expired", "Password change required"); anything else that
// asks for more is taken as a second factor.
func expired(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "password") && (strings.Contains(t, "expired") || strings.Contains(t, "change") || strings.Contains(t, "new password"))
}

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
//
// The password is given once per login: a prompt after it asks for
// something else (a new password, a code), and answering it with the
// password would at best fail and at worst change the customer's
// password to itself.
func kbdAnswer(password string, asked *bool) ssh.KeyboardInteractiveChallenge {
	answered := false
	return func(_, instruction string, questions []string, echos []bool) ([]string, error) {
		switch {
		case len(questions) == 0:
			return nil, nil
		case answered:
			return nil, &moreThanPassword{text: strings.TrimSpace(instruction + " " + strings.Join(questions, " "))}
		case len(questions) == 1 && len(echos) == 1 && !echos[0]:
			*asked, answered = true, true
			return []string{password}, nil
		}
		return nil, errUnansweredChallenge
	}
}

// errSecondFactor ends a login that the server calls a partial success: it
// accepted the password and wants another method too.
var errSecondFactor = errors.New("sftppush: the server accepted the password but wants a second factor (partial success)")

// refusePartialSuccess stops a login once the server has accepted the
// password as part of it and asks for more (AuthenticationMethods
// password,publickey and the like): we have nothing else to give, and a
// keyboard-interactive prompt that follows would be for a one-time code,
// which the password must not answer.
func refusePartialSuccess(ctx *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
	if len(ctx.PartialSuccessMethods) > 0 {
		return nil, fmt.Errorf("%w; it allows %s next", errSecondFactor, strings.Join(ctx.AllowedMethods, ", "))
	}
	return nil, nil
}
