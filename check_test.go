package sftppush

import (
	"context"
	"os"
	"path"
	"testing"

	"github.com/sftppush/sftppush/sftptest"
)

func TestCheck(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	var sink MemorySink
	res := newTestPusher(Config{Sink: &sink}).Check(context.Background(), loopbackCreds(s, "/upload"))
	if res.Status != StatusOK || res.Reason != ReasonNone || res.Err != nil {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if len(res.Files) != 1 || res.Files[0].State != FileUploaded || res.Files[0].Bytes != int64(len(probeData)) ||
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
	if e := res.Entry; e.Status != StatusOK || e.RemoteAddr != s.Addr || e.HostKeyFingerprint == "" {
		t.Errorf("entry %+v", e)
	}
}

// With removes denied the probe stays, is reported, and the check passes.
func TestCheckRemoveDenied(t *testing.T) {
	s := serverWith(t, sftptest.Faults{DenyRemove: true})
	res := newTestPusher(Config{}).Check(context.Background(), loopbackCreds(s, "upload"))
	if res.Status != StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if len(res.Leftovers) != 1 || res.Leftovers[0] != "upload/"+res.Files[0].Remote {
		t.Fatalf("leftovers %v, want the probe %s", res.Leftovers, res.Files[0].Remote)
	}
	if got, err := os.ReadFile(s.Path(res.Leftovers[0])); err != nil || string(got) != string(probeData) {
		t.Errorf("probe on the server: %q, %v", got, err)
	}
}

// Check gives the Status and Reason a push gives, for every way the
// server can refuse.
func TestCheckMatchesPush(t *testing.T) {
	cases := []struct {
		name   string
		faults sftptest.Faults
		creds  func(Credentials) Credentials
		reason Reason
	}{
		{"wrong password", sftptest.Faults{}, func(c Credentials) Credentials { c.Password += "x"; return c }, ReasonAuthRejected},
		{"password not offered", sftptest.Faults{KeyboardInteractiveOnly: true}, nil, ReasonPasswordNotOffered},
		{"sftp refused", sftptest.Faults{RefuseSubsystem: true}, nil, ReasonSubsystemUnavailable},
		{"folder missing", sftptest.Faults{}, func(c Credentials) Credentials { c.Folder = "/nope"; return c }, ReasonFolderNotFound},
		{"read-only folder", sftptest.Faults{ReadOnly: []string{"/upload"}}, nil, ReasonPermissionDenied},
		{"no space", sftptest.Faults{QuotaBytes: 10}, nil, ReasonNoSpace},
		{"short file", sftptest.Faults{DiscardAfterBytes: 5}, nil, ReasonSizeMismatch},
		{"invalid credentials", sftptest.Faults{}, func(c Credentials) Credentials { c.Host = "user@host"; return c }, ReasonInvalidHost},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := serverWith(t, tc.faults)
			creds := loopbackCreds(s, "/upload")
			if tc.creds != nil {
				creds = tc.creds(creds)
			}
			p := newTestPusher(Config{})
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
	res := newTestPusher(Config{}).Check(ctx, loopbackCreds(s, "/upload"))
	if res.Status != StatusConnectionTimeout || res.Reason != ReasonConnectCanceled {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
}
