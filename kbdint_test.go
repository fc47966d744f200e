package sftppush

import (
	"context"
	"errors"
	"testing"

	"github.com/sftppush/sftppush/sftptest"
)

func TestKbdAnswer(t *testing.T) {
	cases := []struct {
		name      string
		questions []string
		echos     []bool
		want      []string
		asked     bool
	}{
		{"one hidden prompt", []string{"Password: "}, []bool{false}, []string{"pw"}, true},
		{"translated prompt", []string{"Passwort: "}, []bool{false}, []string{"pw"}, true},
		{"no prompts", nil, nil, nil, false},
		{"echoed prompt", []string{"Username: "}, []bool{true}, nil, false},
		{"password and code", []string{"Password: ", "Verification code: "}, []bool{false, false}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			asked := false
			got, err := kbdAnswer("pw", &asked)("user", "", tc.questions, tc.echos)
			if tc.want == nil && len(tc.questions) > 0 {
				if !errors.Is(err, errUnansweredChallenge) || got != nil {
					t.Errorf("got %q, %v; want errUnansweredChallenge", got, err)
				}
			} else if err != nil || len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
			if asked != tc.asked {
				t.Errorf("asked = %v, want %v", asked, tc.asked)
			}
		})
	}
}

func TestKeyboardInteractive(t *testing.T) {
	kbd := sftptest.Faults{KeyboardInteractiveOnly: true, KeyboardInteractivePassword: true}
	cases := []struct {
		name   string
		faults sftptest.Faults
		cfg    Config
		wrong  bool // wrong password
		status Status
		reason Reason
	}{
		{"opted in", kbd, Config{KeyboardInteractive: true}, false, StatusOK, ReasonNone},
		{"opted in, wrong password", kbd, Config{KeyboardInteractive: true}, true, StatusLoginFailed, ReasonAuthRejected},
		{"off by default", kbd, Config{}, false, StatusLoginFailed, ReasonPasswordNotOffered},
		{"opted in, password server", sftptest.Faults{}, Config{KeyboardInteractive: true}, false, StatusOK, ReasonNone},
		{"opted in, password server, wrong password", sftptest.Faults{}, Config{KeyboardInteractive: true}, true, StatusLoginFailed, ReasonAuthRejected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := serverWith(t, tc.faults)
			creds := loopbackCreds(s, "/upload")
			if tc.wrong {
				creds.Password += "x"
			}
			res := newTestPusher(tc.cfg).Push(context.Background(), creds, okGroup(t, 1000))
			if res.Status != tc.status || res.Reason != tc.reason {
				t.Fatalf("got %s/%s %v, want %s/%s", res.Status, res.Reason, res.Err, tc.status, tc.reason)
			}
			if wantLogins := map[bool]int{true: 1, false: 0}[tc.status == StatusOK]; s.Logins() != wantLogins {
				t.Errorf("server logins %d, want %d", s.Logins(), wantLogins)
			}
		})
	}
}
