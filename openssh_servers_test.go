package sftppush_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/internal/sshdtest"
)

// expiredUser is a second test account whose password has expired
// (chage -d 0), created once.
const expiredUser = "sftppush-expired"

var expiredOnce sync.Once

func ensureExpiredUser(t *testing.T) {
	t.Helper()
	var err error
	expiredOnce.Do(func() {
		if _, lerr := user.Lookup(expiredUser); lerr != nil {
			if out, e := exec.Command("useradd", "--create-home", "--shell", "/bin/sh", expiredUser).CombinedOutput(); e != nil {
				err = fmt.Errorf("useradd: %v: %s", e, out)
				return
			}
		}
		cmd := exec.Command("chpasswd")
		cmd.Stdin = strings.NewReader(expiredUser + ":" + sshdtest.Password + "\n")
		if out, e := cmd.CombinedOutput(); e != nil {
			err = fmt.Errorf("chpasswd: %v: %s", e, out)
			return
		}
		if out, e := exec.Command("chage", "-d", "0", expiredUser).CombinedOutput(); e != nil {
			err = fmt.Errorf("chage: %v: %s", e, out)
		}
	})
	if err != nil {
		t.Fatalf("creating %s: %v", expiredUser, err)
	}
}

// TestOpenSSHServers pushes to OpenSSH configured as the servers customers
// run beyond a stock one: one algorithm family each, a banner, a second
// factor after the password, an expired password.
func TestOpenSSHServers(t *testing.T) {
	requireSSHD(t)
	banner := filepath.Join(t.TempDir(), "banner")
	if err := os.WriteFile(banner, []byte("Example Corp upload server.\nAccounts are locked after 3 failures: call ops.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(banner), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		name   string
		lines  []string
		cfg    sftppush.Config
		user   string
		reason sftppush.Reason
		says   string // in the error, or in LogEntry.Algorithms when OK
		legacy bool   // and with Config.LegacyAlgorithms the push ends OK
	}{
		{name: "group exchange sha256 only", lines: []string{"KexAlgorithms diffie-hellman-group-exchange-sha256"}, says: "kex=diffie-hellman-group-exchange-sha256"},
		{name: "group16 only", lines: []string{"KexAlgorithms diffie-hellman-group16-sha512"}, says: "kex=diffie-hellman-group16-sha512"},
		{name: "SHA-1 MACs only", lines: []string{"Ciphers aes128-ctr", "MACs hmac-sha1"}, says: "mac=hmac-sha1"},
		{name: "CBC only", lines: []string{"Ciphers aes128-cbc,3des-cbc"}, reason: sftppush.ReasonNoCommonAlgorithm, says: "Config.LegacyAlgorithms would allow aes128-cbc, 3des-cbc", legacy: true},
		{name: "group1 only", lines: []string{"KexAlgorithms diffie-hellman-group1-sha1"}, reason: sftppush.ReasonNoCommonAlgorithm, says: "would allow diffie-hellman-group1-sha1", legacy: true},
		{name: "group exchange sha1 only", lines: []string{"KexAlgorithms diffie-hellman-group-exchange-sha1"}, reason: sftppush.ReasonNoCommonAlgorithm, says: "would allow diffie-hellman-group-exchange-sha1", legacy: true},
		{name: "hmac-sha1-96 only", lines: []string{"Ciphers aes128-ctr", "MACs hmac-sha1-96,hmac-md5"}, reason: sftppush.ReasonNoCommonAlgorithm, says: "would allow hmac-sha1-96", legacy: true},
		{name: "aes256-cbc only: Go cannot", lines: []string{"Ciphers aes256-cbc"}, reason: sftppush.ReasonNoCommonAlgorithm, says: "speaks none of them"},
		{name: "a banner", lines: []string{"Banner " + banner}, says: ""},
		{name: "password then a key", lines: []string{"PubkeyAuthentication yes", "AuthenticationMethods password,publickey"}, reason: sftppush.ReasonSecondFactor, says: "publickey"},
		{name: "password then keyboard-interactive, opted in", lines: []string{"UsePAM yes", "KbdInteractiveAuthentication yes", "AuthenticationMethods password,keyboard-interactive"},
			cfg: sftppush.Config{KeyboardInteractive: true}, reason: sftppush.ReasonSecondFactor, says: "keyboard-interactive"},
		// OpenSSH closes the SFTP session of an expired password's login
		// without a word (it drops a subsystem's standard error): nothing
		// tells it from a shell-only account, and the hint names both.
		{name: "expired password, PAM", lines: []string{"UsePAM yes", "AllowUsers " + sshdtest.User + " " + expiredUser}, user: expiredUser, reason: sftppush.ReasonSubsystemUnavailable, says: "EOF"},
		{name: "expired password, PAM keyboard-interactive", lines: []string{"UsePAM yes", "PasswordAuthentication no", "KbdInteractiveAuthentication yes", "AllowUsers " + sshdtest.User + " " + expiredUser},
			cfg: sftppush.Config{KeyboardInteractive: true}, user: expiredUser, reason: sftppush.ReasonPasswordExpired, says: "change your password"},
	} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			if row.user == expiredUser {
				ensureExpiredUser(t)
			}
			s := sshdtest.Start(t, row.lines...)
			rel, _ := sshdtest.TempFolder(t)
			creds := sshdCreds(s, rel)
			if row.user != "" {
				creds.Username, creds.Folder = row.user, "."
			}
			res := newTestPusher(row.cfg).Push(context.Background(), creds, okGroup(t, 100_000))
			want := row.reason.Status()
			if row.reason == sftppush.ReasonNone {
				want = sftppush.StatusOK
			}
			if res.Status != want || res.Reason != row.reason {
				t.Fatalf("got %s/%s %v, want %s/%s\nsshd log:\n%s", res.Status, res.Reason, res.Err, want, row.reason, s.Log())
			}
			if res.Err != nil && !strings.Contains(res.Err.Error(), row.says) {
				t.Errorf("error %q does not say %q", res.Err, row.says)
			}
			if res.Err == nil && !strings.Contains(res.Entry.Algorithms, row.says) {
				t.Errorf("algorithms %q, want %q", res.Entry.Algorithms, row.says)
			}
			if strings.HasPrefix(row.lines[0], "Banner") && !strings.Contains(res.Entry.Banner, "call ops.") {
				t.Errorf("banner %q: want the server's text", res.Entry.Banner)
			}
			if !row.legacy {
				return
			}
			cfg := row.cfg
			cfg.LegacyAlgorithms = true
			if res := newTestPusher(cfg).Push(context.Background(), creds, okGroup(t, 100_000)); res.Status != sftppush.StatusOK {
				t.Errorf("with LegacyAlgorithms: got %s/%s %v", res.Status, res.Reason, res.Err)
			}
		})
	}
}
