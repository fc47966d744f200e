package sftppush_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

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

			p := stripedPusher(sftppush.Config{MaxSessions: 4})
			sftppush.SetStripeTuning(p, time.Second, testStripe, tc.together)
			res := p.Push(context.Background(), sshdCreds(s, "upload"), g)
			if res.Status != sftppush.StatusOK || res.Err != nil {
				t.Fatalf("got %s/%s %v\nsshd log:\n%s", res.Status, res.Reason, res.Err, s.Log())
			}
			fr := res.Files[0]
			if fr.StripeErr != nil || fr.Bytes != tc.size {
				t.Errorf("fallback %v, bytes %d", fr.StripeErr, fr.Bytes)
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

// TestPushStripedOpenSSHStripeDies kills the sftp-server of one extra
// session mid-upload: that stripe fails, and the file is rewritten over the
// first session in the same attempt, intact.
func TestPushStripedOpenSSHStripeDies(t *testing.T) {
	s := startWithSFTPServer(t)
	rel, host := sshdtest.TempFolder(t)
	const size = 6_000_011
	g := okGroup(t, size)
	cfg := sftppush.Config{MaxSessions: 4}
	// Slow enough that the stripes are still being written when one dies.
	cfg.DialContext = dialWrapped(func(c net.Conn) net.Conn { return &slowConn{Conn: c, rate: 2 << 20} })
	done := make(chan *sftppush.Result, 1)
	go func() { done <- stripedPusher(cfg).Push(context.Background(), sshdCreds(s, rel), g) }()

	// Wait for four sftp-server processes and data in the temporary file.
	var servers []int
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		servers = sftpServers(s)
		growing := false
		for _, n := range dirNames(t, host) {
			if fi, err := os.Stat(filepath.Join(host, n)); err == nil && fi.Size() > 0 && isTempOf(n, "rec.mp4") {
				growing = true
			}
		}
		if len(servers) == 4 && growing {
			break
		}
		select {
		case res := <-done:
			t.Fatalf("push ended before a stripe could be killed: %s/%s %v, sessions %d", res.Status, res.Reason, res.Err, res.Files[0].Sessions)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("saw sftp-servers %v and no growing file within 20s\nsshd log:\n%s", servers, s.Log())
		}
	}
	// The first session's server started first: kill the newest, an
	// extra session's.
	slices.Sort(servers)
	if err := syscall.Kill(servers[len(servers)-1], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	res, _ := awaitResult(t, done, 60*time.Second)
	if res.Status != sftppush.StatusOK || res.Err != nil {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	fr := res.Files[0]
	if fr.Sessions != 1 || !strings.Contains(sftppush.ErrText(fr.StripeErr), "fell back") {
		t.Errorf("sessions %d, fallback %v: want the single-session rewrite, said", fr.Sessions, fr.StripeErr)
	}
	got, err := os.ReadFile(filepath.Join(host, "rec.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	sameSHA256(t, g.Main.Path, got)
	if left := dirNames(t, host); len(left) != 1 {
		t.Errorf("folder holds %v: want only rec.mp4", left)
	}
}
