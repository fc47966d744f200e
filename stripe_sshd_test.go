package sftppush

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sftppush/sftppush/internal/sshdtest"
)

// TestPushStripedOpenSSH stripes files against OpenSSH's internal-sftp,
// including servers that grant fewer sessions than asked for.
func TestPushStripedOpenSSH(t *testing.T) {
	requireSSHD(t)
	cases := []struct {
		name     string
		sshd     []string // sshd_config lines
		size     int64
		together bool
		want     int // sessions that wrote the file
	}{
		{name: "odd size", size: 3_000_017, together: true, want: 4},
		{name: "just above two stripes", size: 2*testStripe + 1, together: true, want: 2},
		{name: "below two stripes", size: 2*testStripe - 1, together: true, want: 1},
		{name: "sessions join as they come up", size: 5_000_003, want: -1},
		// The server refuses every extra channel: one session, push OK,
		// not a fallback.
		{name: "MaxSessions 1", sshd: []string{"MaxSessions 1"}, size: 3_000_017, want: 1},
		{name: "MaxSessions 1, together", sshd: []string{"MaxSessions 1"}, size: 3_000_017, together: true, want: 1},
		{name: "MaxSessions 2", sshd: []string{"MaxSessions 2"}, size: 3_000_017, together: true, want: 2},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := sshdtest.Start(t, tc.sshd...)
			g := okGroup(t, int(tc.size))
			g.Main.RemoteName = fmt.Sprintf("striped-%d-%d.mp4", os.Getpid(), i)
			remote := filepath.Join(s.Home, "upload", g.Main.RemoteName)
			t.Cleanup(func() { os.Remove(remote) })

			cfg := stripedConfig(4)
			cfg.stripe.together = tc.together
			res := newTestPusher(cfg).Push(context.Background(), sshdCreds(s, "upload"), g)
			if res.Status != StatusOK || res.Err != nil {
				t.Fatalf("got %s/%s %v\nsshd log:\n%s", res.Status, res.Reason, res.Err, s.Log())
			}
			fr := res.Files[0]
			if fr.Fallback != "" || fr.Bytes != tc.size {
				t.Errorf("fallback %q, bytes %d", fr.Fallback, fr.Bytes)
			}
			switch {
			case tc.want > 0 && fr.Sessions != tc.want:
				t.Errorf("%d sessions wrote the file, want %d", fr.Sessions, tc.want)
			case tc.want < 0 && (fr.Sessions < 1 || fr.Sessions > 4):
				t.Errorf("%d sessions wrote the file, want 1 to 4", fr.Sessions)
			}
			got, err := os.ReadFile(remote)
			if err != nil {
				t.Fatal(err)
			}
			sameSHA256(t, g.Main.Path, got)
		})
	}
}
