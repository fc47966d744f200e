package sftppush_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// algorithmServer is an embedded server that offers only algs.
func algorithmServer(t *testing.T, algs ssh.Algorithms) *sftptest.Server {
	return startServer(t, func(s *sftptest.Server) { s.Algorithms = algs })
}

func TestAlgorithms(t *testing.T) {
	for _, tc := range []struct {
		name   string
		algs   ssh.Algorithms
		legacy string // what the error says the opt-in would allow; "" if the default connects
		want   string // in LogEntry.Algorithms once connected
	}{
		{"group exchange sha256 only", ssh.Algorithms{KeyExchanges: []string{ssh.KeyExchangeDHGEXSHA256}}, "", "kex=diffie-hellman-group-exchange-sha256 "},
		{"group16 only", ssh.Algorithms{KeyExchanges: []string{ssh.KeyExchangeDH16SHA512}}, "", "kex=diffie-hellman-group16-sha512 "},
		{"hmac-sha1 only", ssh.Algorithms{Ciphers: []string{ssh.CipherAES128CTR}, MACs: []string{ssh.HMACSHA1}}, "", "mac=hmac-sha1"},
		{"group1 only", ssh.Algorithms{KeyExchanges: []string{ssh.InsecureKeyExchangeDH1SHA1}}, ssh.InsecureKeyExchangeDH1SHA1, "kex=diffie-hellman-group1-sha1 "},
		{"group14 sha1 only", ssh.Algorithms{KeyExchanges: []string{ssh.InsecureKeyExchangeDH14SHA1}}, ssh.InsecureKeyExchangeDH14SHA1, "kex=diffie-hellman-group14-sha1 "},
		{"CBC only", ssh.Algorithms{Ciphers: []string{ssh.InsecureCipherAES128CBC}}, ssh.InsecureCipherAES128CBC, "cipher=aes128-cbc"},
		{"hmac-sha1-96 only", ssh.Algorithms{Ciphers: []string{ssh.CipherAES128CTR}, MACs: []string{ssh.InsecureHMACSHA196}}, ssh.InsecureHMACSHA196, "mac=hmac-sha1-96"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := algorithmServer(t, tc.algs)
			res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 1000))
			if tc.legacy != "" {
				if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonNoCommonAlgorithm ||
					!strings.Contains(res.Err.Error(), "Config.LegacyAlgorithms would allow "+tc.legacy) {
					t.Fatalf("by default: got %s/%s %v, want no_common_algorithm naming the opt-in for %s", res.Status, res.Reason, res.Err, tc.legacy)
				}
				var ne *ssh.AlgorithmNegotiationError
				if !errors.As(res.Err, &ne) {
					t.Errorf("error %v does not unwrap to *ssh.AlgorithmNegotiationError", res.Err)
				}
				res = newTestPusher(sftppush.Config{LegacyAlgorithms: true}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 1000))
			}
			if res.Status != sftppush.StatusOK || !strings.Contains(res.Entry.Algorithms+" ", tc.want) {
				t.Fatalf("got %s/%s %v, algorithms %q; want OK with %q", res.Status, res.Reason, res.Err, res.Entry.Algorithms, tc.want)
			}
		})
	}
}

// The legacy algorithms come after the modern ones: a modern server still
// negotiates modern algorithms with the opt-in.
func TestLegacyAlgorithmsStillPreferModern(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	res := newTestPusher(sftppush.Config{LegacyAlgorithms: true}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 1000))
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	def := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 1000))
	if res.Entry.Algorithms != def.Entry.Algorithms || strings.Contains(res.Entry.Algorithms, "sha1") || strings.Contains(res.Entry.Algorithms, "cbc") {
		t.Errorf("with the opt-in %q, without %q: want the same modern algorithms", res.Entry.Algorithms, def.Entry.Algorithms)
	}
}

func TestBannerKept(t *testing.T) {
	s := sftptest.NewUnstartedServer(t)
	s.Password = redactionPassword
	s.Banner = "Authorized use only.\r\n\x1b[31mAccount locked? Call ops.\x1b[0m Your password " + redactionPassword + " is on file.\n" + strings.Repeat("x", 5000)
	s.Start()
	c := s.Credentials("/nope")
	c.Password = "wrong-password"
	res := newTestPusher(sftppush.Config{}).Push(context.Background(), c, okGroup(t, 10))
	if res.Reason != sftppush.ReasonAuthRejected {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	// What a refused login still tells support: the banner and the algorithms.
	if !strings.HasPrefix(res.Entry.Banner, "Authorized use only.") || !strings.Contains(res.Entry.Algorithms, "kex=") {
		t.Errorf("refused login: banner %q, algorithms %q", res.Entry.Banner[:min(len(res.Entry.Banner), 80)], res.Entry.Algorithms)
	}
	c.Password = redactionPassword
	res = newTestPusher(sftppush.Config{}).Push(context.Background(), c, okGroup(t, 10))
	b := res.Entry.Banner
	if !strings.HasPrefix(b, "Authorized use only.\n") || !strings.Contains(b, "Account locked? Call ops.") {
		t.Errorf("banner %q: want the server's text", b)
	}
	if strings.ContainsAny(b, "\x1b\r") || strings.Contains(b, redactionPassword) || len([]rune(b)) != 1000+len("...") || !strings.HasSuffix(b, "...") {
		t.Errorf("banner of %d characters %q: want it cut at 1000 (and marked), lines joined by \\n, without other control characters or the password", len([]rune(b)), b[:min(len(b), 200)])
	}
}

func TestLoginDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults sftptest.Faults
		kbd    bool
		reason sftppush.Reason
		tries  int // passwords sent: never one to a code or password-change prompt
	}{
		{"password expired (OpenSSH with PAM)", sftptest.Faults{PasswordExpired: true}, false, sftppush.ReasonPasswordExpired, 1},
		{"password expired, keyboard-interactive (PAM)", sftptest.Faults{PasswordExpired: true, KeyboardInteractiveOnly: true, KeyboardInteractivePassword: true}, true, sftppush.ReasonPasswordExpired, 1},
		{"second factor", sftptest.Faults{SecondFactor: true}, false, sftppush.ReasonSecondFactor, 1},
		{"second factor, keyboard-interactive allowed", sftptest.Faults{SecondFactor: true}, true, sftppush.ReasonSecondFactor, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serverWith(t, tc.faults)
			res := newTestPusher(sftppush.Config{KeyboardInteractive: tc.kbd}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 10))
			if res.Status != sftppush.StatusLoginFailed || res.Reason != tc.reason {
				t.Fatalf("got %s/%s %v, want SFTP_LOGIN_FAILED/%s", res.Status, res.Reason, res.Err, tc.reason)
			}
			if got := s.PasswordTries(); got != tc.tries {
				t.Errorf("the server got %d secrets, want %d: the password answered a prompt that was not for it", got, tc.tries)
			}
			if res.Reason.Hint() == "" {
				t.Error("no hint")
			}
		})
	}
	// A wrong password is still a wrong password.
	s := serverWith(t, sftptest.Faults{SecondFactor: true})
	c := s.Credentials("/upload")
	c.Password = "not-the-password"
	if res := newTestPusher(sftppush.Config{}).Push(context.Background(), c, okGroup(t, 10)); res.Reason != sftppush.ReasonAuthRejected {
		t.Errorf("wrong password on a two-factor server: %s/%s %v", res.Status, res.Reason, res.Err)
	}
}

// profileServer is an embedded server that introduces itself as version
// and behaves as that service documents.
func profileServer(t *testing.T, version string, f sftptest.Faults) *sftptest.Server {
	return startServer(t, func(s *sftptest.Server) { s.Version, s.Faults = version, f })
}

// AWS Transfer Family on S3: no read-write opens, no SETSTAT, no
// posix-rename, a close that commits the file; and "disable multiple
// connections for a single transfer". The push never stripes.
func TestServerProfileAWSTransfer(t *testing.T) {
	s := profileServer(t, "SSH-2.0-AWS_SFTP_1.1", sftptest.Faults{
		RefuseReadWrite: true, DenySetstat: true, DenyRename: false,
		HideExtensions: []string{sftppush.PosixRenameExt, "statvfs@openssh.com"},
	})
	g := recording(t, 3_000_000)
	res := stripedPusher(sftppush.Config{MaxSessions: 4}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	for _, fr := range res.Files {
		if fr.Sessions != 1 || fr.Method != sftppush.MethodRename || fr.State != sftppush.FileUploaded {
			t.Errorf("%s: sessions %d, method %s, state %s: want one session, renamed", fr.Remote, fr.Sessions, fr.Method, fr.State)
		}
	}
	if _, open := s.Channels(); open > 1 {
		t.Errorf("%d sessions open: want one", open)
	}
	sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))
}

// Azure Blob Storage SFTP: no posix-rename and a rename onto an existing
// name refused, no statvfs or limits; one session per file; at most
// 100 GB per file.
func TestServerProfileAzureBlob(t *testing.T) {
	s := profileServer(t, "SSH-2.0-AzureSSH_1.0.0", sftptest.Faults{
		HideExtensions: []string{sftppush.PosixRenameExt, "statvfs@openssh.com", "limits@openssh.com", "fsync@openssh.com"},
	})
	s.WriteFile("/upload/rec.mp4", []byte("an older recording"))
	g := recording(t, 3_000_000)
	res := stripedPusher(sftppush.Config{MaxSessions: 4}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK || res.Files[0].Sessions != 1 || res.Files[0].Method != sftppush.MethodRename || res.Files[0].RenameErr != nil {
		t.Fatalf("got %s/%s %v, main file %+v: want it replaced over one session by remove and rename", res.Status, res.Reason, res.Err, res.Files[0])
	}
	sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))

	// A file over 100 GB (sparse here) is refused before anything is sent.
	huge := filepath.Join(t.TempDir(), "huge.mp4")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100e9 + 1); err != nil {
		t.Skipf("no sparse file of 100 GB here: %v", err)
	}
	f.Close()
	opens := len(s.Opens())
	res = newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), sftppush.Group{Main: sftppush.File{Path: huge}})
	if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonFileTooLarge || res.Entry.BytesSent != 0 || len(s.Opens()) != opens {
		t.Fatalf("got %s/%s %v, %d bytes sent, %d opens: want file_too_large with nothing sent", res.Status, res.Reason, res.Err, res.Entry.BytesSent, len(s.Opens())-opens)
	}
}

// The same services behind a proxy that hides their identification are
// known by their host names.
func TestServerProfileByHostName(t *testing.T) {
	s := profileServer(t, "", sftptest.Faults{HideExtensions: []string{sftppush.PosixRenameExt}})
	for _, host := range []string{"s-1234567890abcdef0.server.transfer.eu-west-1.amazonaws.com", "myaccount.blob.core.windows.net"} {
		r := sftptest.NewResolver(t, map[string]string{host: "127.0.0.1"})
		c := s.Credentials("/upload")
		c.Host = host
		res := stripedPusher(sftppush.Config{MaxSessions: 4, Resolver: r}).Push(context.Background(), c, recording(t, 3_000_000))
		if res.Status != sftppush.StatusOK || res.Files[0].Sessions != 1 {
			t.Errorf("%s: got %s/%s %v, sessions %d: want OK over one session", host, res.Status, res.Reason, res.Err, res.Files[0].Sessions)
		}
	}
}

// An object-store gateway commits the file on close and renames by
// copying: both take longer than the stall limit for a large file while
// the connection is healthy. The watchdog grants them time by the size.
func TestSlowCommitIsNotAStall(t *testing.T) {
	s := serverWith(t, sftptest.Faults{CommitPerMiB: 50 * time.Millisecond}) // 32 MiB: 1.6 s per close and rename
	res := newTestPusher(sftppush.Config{StallTimeout: time.Second}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 32<<20))
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v, want OK: a slow commit is not a stalled server", res.Status, res.Reason, res.Err)
	}
}

// An upload-only folder that refuses Stat: the size is verified on the
// open handle, and the push ends well.
// A folder that refuses Stat by name: the size check beside the close is
// refused, so the first file is verified by opening it again (for reading,
// or in a drop box that refuses reads, for writing without truncation),
// and the next ones on their handles.
func TestStatDeniedInTheFolder(t *testing.T) {
	for _, f := range []sftptest.Faults{{DenyStat: true}, {DenyStat: true, DenyRead: true}} {
		s := serverWith(t, f)
		g := recording(t, 100_000)
		res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
		if res.Status != sftppush.StatusOK {
			t.Fatalf("%+v: got %s/%s %v", f, res.Status, res.Reason, res.Err)
		}
		for _, fr := range res.Files {
			if fr.State != sftppush.FileUploaded {
				t.Errorf("%+v: %s: %s %v", f, fr.Remote, fr.State, fr.Err)
			}
			if b, err := os.ReadFile(filepath.Join(s.Root, "upload", fr.Remote)); err != nil || int64(len(b)) != fr.Size {
				t.Errorf("%+v: %s on the server: %d bytes of %d, %v", f, fr.Remote, len(b), fr.Size, err)
			}
		}
		if len(res.Leftovers) != 0 {
			t.Errorf("%+v: leftovers %v", f, res.Leftovers)
		}
	}
}
