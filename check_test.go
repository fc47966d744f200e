package sftppush_test

import (
	"context"
	"os"
	"path"
	"testing"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
)

func TestCheck(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	var sink sftptest.MemorySink
	res := newTestPusher(sftppush.Config{Sink: &sink}).Check(context.Background(), s.Credentials("/upload"))
	if res.Status != sftppush.StatusOK || res.Reason != sftppush.ReasonNone || res.Err != nil {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if len(res.Files) != 1 || res.Files[0].State != sftppush.FileUploaded || res.Files[0].Bytes != int64(len(sftppush.ProbeData)) ||
		!isTempOf(res.Files[0].Remote, "sftppush-check") {
		t.Errorf("files %+v, want the uploaded probe under a hidden name", res.Files)
	}
	if o := s.Opens(); len(o) != 1 || path.Base(o[0].Path) != res.Files[0].Remote {
		t.Errorf("opens %v, want the probe's", o)
	}
	if names := dirNames(t, s.Path("/upload")); len(names) != 0 || len(res.Leftovers) != 0 {
		t.Errorf("folder holds %v, leftovers %v: want the probe removed", names, res.Leftovers)
	}
	if sink.Len() != 0 {
		t.Errorf("Check wrote %d log entries, want none", sink.Len())
	}
	if e := res.Entry; e.Status != sftppush.StatusOK || e.RemoteAddr != s.Addr || e.HostKeyFingerprint == "" {
		t.Errorf("entry %+v", e)
	}
}

// With removes denied the probe stays, is reported, and the check passes.
func TestCheckRemoveDenied(t *testing.T) {
	s := serverWith(t, sftptest.Faults{DenyRemove: true})
	res := newTestPusher(sftppush.Config{}).Check(context.Background(), s.Credentials("upload"))
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if len(res.Leftovers) != 1 || res.Leftovers[0] != "upload/"+res.Files[0].Remote {
		t.Fatalf("leftovers %v, want the probe %s", res.Leftovers, res.Files[0].Remote)
	}
	if got, err := os.ReadFile(s.Path(res.Leftovers[0])); err != nil || string(got) != string(sftppush.ProbeData) {
		t.Errorf("probe on the server: %q, %v", got, err)
	}
}

// Check gives the Status and Reason a push gives, for every way the
// server can refuse.
func TestCheckMatchesPush(t *testing.T) {
	cases := []struct {
		name   string
		faults sftptest.Faults
		creds  func(sftppush.Credentials) sftppush.Credentials
		reason sftppush.Reason
	}{
		{"wrong password", sftptest.Faults{}, func(c sftppush.Credentials) sftppush.Credentials { c.Password += "x"; return c }, sftppush.ReasonAuthRejected},
		{"password not offered", sftptest.Faults{KeyboardInteractiveOnly: true}, nil, sftppush.ReasonPasswordNotOffered},
		{"sftp refused", sftptest.Faults{RefuseSubsystem: true}, nil, sftppush.ReasonSubsystemUnavailable},
		{"folder missing", sftptest.Faults{}, func(c sftppush.Credentials) sftppush.Credentials { c.Folder = "/nope"; return c }, sftppush.ReasonFolderNotFound},
		{"read-only folder", sftptest.Faults{ReadOnly: []string{"/upload"}}, nil, sftppush.ReasonPermissionDenied},
		{"no space", sftptest.Faults{QuotaBytes: 10}, nil, sftppush.ReasonNoSpace},
		{"short file", sftptest.Faults{DiscardAfterBytes: 5}, nil, sftppush.ReasonSizeMismatch},
		{"invalid credentials", sftptest.Faults{}, func(c sftppush.Credentials) sftppush.Credentials { c.Host = "user@host"; return c }, sftppush.ReasonInvalidHost},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := serverWith(t, tc.faults)
			creds := s.Credentials("/upload")
			if tc.creds != nil {
				creds = tc.creds(creds)
			}
			p := newTestPusher(sftppush.Config{})
			check := p.Check(context.Background(), creds)
			push := p.Push(context.Background(), creds, okGroup(t, 100))
			if check.Reason != tc.reason || check.Status != push.Status || check.Reason != push.Reason {
				t.Errorf("check %s/%s (%v), push %s/%s (%v); want both %s", check.Status, check.Reason, check.Err,
					push.Status, push.Reason, push.Err, tc.reason)
			}
		})
	}
}

func TestCheckCanceled(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := newTestPusher(sftppush.Config{}).Check(ctx, s.Credentials("/upload"))
	if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonConnectCanceled {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
}
