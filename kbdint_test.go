package sftppush_test

import (
	"context"
	"testing"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
)

func TestKeyboardInteractive(t *testing.T) {
	kbd := sftptest.Faults{KeyboardInteractiveOnly: true, KeyboardInteractivePassword: true}
	cases := []struct {
		name   string
		faults sftptest.Faults
		cfg    sftppush.Config
		wrong  bool // wrong password
		status sftppush.Status
		reason sftppush.Reason
	}{
		{"opted in", kbd, sftppush.Config{KeyboardInteractive: true}, false, sftppush.StatusOK, sftppush.ReasonNone},
		{"opted in, wrong password", kbd, sftppush.Config{KeyboardInteractive: true}, true, sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected},
		{"off by default", kbd, sftppush.Config{}, false, sftppush.StatusLoginFailed, sftppush.ReasonPasswordNotOffered},
		{"opted in, password server", sftptest.Faults{}, sftppush.Config{KeyboardInteractive: true}, false, sftppush.StatusOK, sftppush.ReasonNone},
		{"opted in, password server, wrong password", sftptest.Faults{}, sftppush.Config{KeyboardInteractive: true}, true, sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := serverWith(t, tc.faults)
			creds := s.Credentials("/upload")
			if tc.wrong {
				creds.Password += "x"
			}
			res := newTestPusher(tc.cfg).Push(context.Background(), creds, okGroup(t, 1000))
			if res.Status != tc.status || res.Reason != tc.reason {
				t.Fatalf("got %s/%s %v, want %s/%s", res.Status, res.Reason, res.Err, tc.status, tc.reason)
			}
			if wantLogins := map[bool]int{true: 1, false: 0}[tc.status == sftppush.StatusOK]; s.Logins() != wantLogins {
				t.Errorf("server logins %d, want %d", s.Logins(), wantLogins)
			}
		})
	}
}
