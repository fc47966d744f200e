package sftppush_test

// The OpenSSH tier: the same pushes against real OpenSSH sshd instances,
// configured as customers harden them. Each test starts private sshd
// processes on free loopback ports (internal/sshdtest). Without sshd or
// root the tier skips with a one-line reason; SFTPPUSH_SSHD=skip skips it
// anyway, and SFTPPUSH_SSHD=require (set by .ci/run) fails instead of
// skipping.

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

	"github.com/pkg/sftp"
	"github.com/sftppush/sftppush/internal/sshdtest"
	"github.com/sftppush/sftppush/sftptest"
	"golang.org/x/crypto/ssh"
)

// requireSSHD skips the test when private sshd instances cannot run here,
// or fails it when SFTPPUSH_SSHD=require.
func requireSSHD(t *testing.T) {
	t.Helper()
	ok, why := sshdtest.Available()
	if ok {
		return
	}
	if os.Getenv("SFTPPUSH_SSHD") == "require" {
		t.Fatalf("SFTPPUSH_SSHD=require but %s", why)
	}
	t.Skip(why)
}

func sshdCreds(s *sshdtest.Server, folder string) sftppush.Credentials {
	return sftppush.Credentials{Host: s.Host, Port: s.Port, Username: sshdtest.User, Password: sshdtest.Password, Folder: folder}
}

// matchUser wraps sshd_config lines in a Match block for the test user, the
// way customers usually write them.
func matchUser(lines ...string) []string {
	out := []string{"Match User " + sshdtest.User}
	for _, l := range lines {
		out = append(out, "    "+l)
	}
	return out
}

// hostKeyFingerprint is what ssh-keygen -l prints for the server's key.
func hostKeyFingerprint(t *testing.T, s *sshdtest.Server) string {
	out, err := exec.Command("ssh-keygen", "-l", "-f", filepath.Join(s.Dir, "ssh_host_ed25519_key.pub")).Output()
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 {
		t.Fatalf("ssh-keygen -l: %q", out)
	}
	return f[1]
}

// sftpExtensions logs in with pkg/sftp and reports whether the server
// advertises the extension: what OpenSSH really advertises under each -P.
func advertises(t *testing.T, s *sshdtest.Server, ext string) bool {
	c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{User: sshdtest.User, Auth: []ssh.AuthMethod{ssh.Password(sshdtest.Password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	_, ok := sc.HasExtension(ext)
	return ok
}

// opensshRow is one configuration of the tier and what a push to it gives.
type opensshRow struct {
	name string
	// sshd returns the sshd_config lines; nil means the shared server with
	// the base configuration (password login, Subsystem sftp internal-sftp).
	sshd func(t *testing.T) []string
	// setup returns the folder to push to (and may change the config and
	// the group); nil pushes a 4-file recording to a fresh folder.
	setup  func(t *testing.T, s *sshdtest.Server, cfg *sftppush.Config, g *sftppush.Group) (folder string, creds func(*sftppush.Credentials))
	status sftppush.Status
	reason sftppush.Reason
	check  func(t *testing.T, s *sshdtest.Server, res *sftppush.Result, g sftppush.Group)
}

// tempFolder is the default setup: a fresh folder in the user's upload.
func tempFolder(t *testing.T, _ *sshdtest.Server, _ *sftppush.Config, _ *sftppush.Group) (string, func(*sftppush.Credentials)) {
	rel, _ := sshdtest.TempFolder(t)
	return rel, nil
}

// sameFiles checks that every file of g is in the host folder, byte for
// byte, and that nothing else is.
func sameFiles(t *testing.T, host string, g sftppush.Group) {
	t.Helper()
	all := append([]sftppush.File{g.Main}, g.Extras...)
	for _, f := range all {
		want, _ := os.ReadFile(f.Path)
		got, err := os.ReadFile(filepath.Join(host, filepath.Base(f.Path)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s on the server: %d bytes (%v), want %d identical bytes", filepath.Base(f.Path), len(got), err, len(want))
		}
	}
	if names := dirNames(t, host); len(names) != len(all) {
		t.Errorf("folder holds %v, want exactly the %d files", names, len(all))
	}
}

func TestOpenSSH(t *testing.T) {
	requireSSHD(t)
	shared := sshdtest.Start(t)
	// The host path of each row's folder, by test name: set in setup,
	// read in check. Rows run in parallel.
	var folderHost hostPaths

	rows := []opensshRow{
		{
			name:   "1 password login, internal-sftp: 4 files byte for byte",
			status: sftppush.StatusOK,
			setup: func(t *testing.T, _ *sshdtest.Server, _ *sftppush.Config, _ *sftppush.Group) (string, func(*sftppush.Credentials)) {
				rel, host := sshdtest.TempFolder(t)
				folderHost.set(t, host)
				return rel, nil
			},
			check: func(t *testing.T, s *sshdtest.Server, res *sftppush.Result, g sftppush.Group) {
				sameFiles(t, folderHost.get(t), g)
				for _, f := range res.Files {
					if f.State != sftppush.FileUploaded || f.Method != sftppush.MethodPosixRename || f.Bytes != f.Size {
						t.Errorf("file %+v", f)
					}
				}
				e := res.Entry
				if e.RemoteAddr != s.Addr || !strings.HasPrefix(e.ServerVersion, "SSH-2.0-OpenSSH_") ||
					e.HostKeyFingerprint != hostKeyFingerprint(t, s) || e.ConnectDuration <= 0 || e.UploadDuration <= 0 {
					t.Errorf("log entry: addr %q (server %s) version %q fingerprint %q (want %s) connect %v upload %v",
						e.RemoteAddr, s.Addr, e.ServerVersion, e.HostKeyFingerprint, hostKeyFingerprint(t, s), e.ConnectDuration, e.UploadDuration)
				}
			},
		},
	}
	// 2. ForceCommand internal-sftp in a chroot: the folder is named inside
	// the jail, relative or absolute; the host path does not exist there.
	for _, c := range []struct {
		folder func(jail string) string
		name   string
		status sftppush.Status
		reason sftppush.Reason
	}{
		{func(string) string { return "upload" }, "upload", sftppush.StatusOK, sftppush.ReasonNone},
		{func(string) string { return "/upload" }, "/upload", sftppush.StatusOK, sftppush.ReasonNone},
		{func(jail string) string { return jail + "/upload" }, "host path", sftppush.StatusIncorrectFolder, sftppush.ReasonFolderNotFound},
	} {
		var jail string
		rows = append(rows, opensshRow{
			name: "2 chroot, folder " + c.name,
			sshd: func(t *testing.T) []string {
				jail = sshdtest.ChrootDir(t)
				return matchUser("ChrootDirectory "+jail, "ForceCommand internal-sftp")
			},
			setup: func(*testing.T, *sshdtest.Server, *sftppush.Config, *sftppush.Group) (string, func(*sftppush.Credentials)) {
				return c.folder(jail), nil
			},
			status: c.status, reason: c.reason,
			check: func(t *testing.T, _ *sshdtest.Server, res *sftppush.Result, g sftppush.Group) {
				if c.status == sftppush.StatusOK {
					sameFiles(t, filepath.Join(jail, "upload"), g)
				}
			},
		})
	}
	rows = append(rows,
		opensshRow{
			name:   "3 -P remove,rmdir: replaces a file, removes nothing",
			sshd:   func(*testing.T) []string { return matchUser("ForceCommand internal-sftp -P remove,rmdir") },
			setup:  replaceSetup(&folderHost),
			status: sftppush.StatusOK,
			check: func(t *testing.T, _ *sshdtest.Server, res *sftppush.Result, g sftppush.Group) {
				replaceCheck(t, folderHost.get(t), res, g, sftppush.MethodPosixRename)
			},
		},
		opensshRow{
			name:   "4 -P rename,posix-rename: writes in place",
			sshd:   func(*testing.T) []string { return matchUser("ForceCommand internal-sftp -P rename,posix-rename") },
			setup:  replaceSetup(&folderHost),
			status: sftppush.StatusOK,
			check: func(t *testing.T, s *sshdtest.Server, res *sftppush.Result, g sftppush.Group) {
				replaceCheck(t, folderHost.get(t), res, g, sftppush.MethodInPlace)
				if advertises(t, s, sftppush.PosixRenameExt) {
					t.Errorf("sftp-server -P posix-rename still advertises %s", sftppush.PosixRenameExt)
				}
			},
		},
		opensshRow{
			name:   "4b -P posix-rename: plain rename over the old file",
			sshd:   func(*testing.T) []string { return matchUser("ForceCommand internal-sftp -P posix-rename") },
			setup:  replaceSetup(&folderHost),
			status: sftppush.StatusOK,
			check: func(t *testing.T, _ *sshdtest.Server, res *sftppush.Result, g sftppush.Group) {
				replaceCheck(t, folderHost.get(t), res, g, sftppush.MethodRename)
			},
		},
		opensshRow{
			name: "5 keyboard-interactive only",
			sshd: func(*testing.T) []string {
				return []string{"PasswordAuthentication no", "KbdInteractiveAuthentication yes"}
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonPasswordNotOffered,
		},
		opensshRow{
			// UsePAM no: OpenSSH lists keyboard-interactive but has no
			// device to ask with, and fails it without a prompt.
			name: "5 keyboard-interactive only, opted in, UsePAM no",
			sshd: func(*testing.T) []string {
				return []string{"PasswordAuthentication no", "KbdInteractiveAuthentication yes"}
			},
			setup: func(t *testing.T, s *sshdtest.Server, cfg *sftppush.Config, g *sftppush.Group) (string, func(*sftppush.Credentials)) {
				cfg.KeyboardInteractive = true
				return tempFolder(t, s, cfg, g)
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonPasswordNotOffered,
		},
		kbdPAMRow("5 keyboard-interactive only, opted in, UsePAM yes", false, sftppush.StatusOK, sftppush.ReasonNone),
		kbdPAMRow("5 keyboard-interactive only, opted in, UsePAM yes, wrong password", true, sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected),
		opensshRow{
			name: "6 wrong password",
			setup: func(t *testing.T, s *sshdtest.Server, cfg *sftppush.Config, g *sftppush.Group) (string, func(*sftppush.Credentials)) {
				return "upload", func(c *sftppush.Credentials) { c.Password += "x" }
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonAuthRejected,
		},
		opensshRow{
			name: "6 unknown user",
			setup: func(t *testing.T, s *sshdtest.Server, cfg *sftppush.Config, g *sftppush.Group) (string, func(*sftppush.Credentials)) {
				return "upload", func(c *sftppush.Credentials) { c.Username = "nobody-" + sshdtest.User }
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonAuthRejected,
		},
		opensshRow{
			name: "6 missing folder",
			setup: func(t *testing.T, s *sshdtest.Server, cfg *sftppush.Config, g *sftppush.Group) (string, func(*sftppush.Credentials)) {
				return "upload/no-such-folder", nil
			},
			status: sftppush.StatusIncorrectFolder, reason: sftppush.ReasonFolderNotFound,
		},
		opensshRow{
			name: "6 folder is a file",
			setup: func(t *testing.T, s *sshdtest.Server, cfg *sftppush.Config, g *sftppush.Group) (string, func(*sftppush.Credentials)) {
				rel, host := sshdtest.TempFolder(t)
				os.WriteFile(filepath.Join(host, "file"), []byte("x"), 0o644)
				return rel + "/file", nil
			},
			status: sftppush.StatusIncorrectFolder, reason: sftppush.ReasonFolderNotDirectory,
		},
		opensshRow{
			name: "6 folder owned by root",
			setup: func(t *testing.T, s *sshdtest.Server, cfg *sftppush.Config, g *sftppush.Group) (string, func(*sftppush.Credentials)) {
				rel, host := sshdtest.TempFolder(t)
				if err := os.Mkdir(filepath.Join(host, "root-only"), 0o755); err != nil { // we are root
					t.Fatal(err)
				}
				folderHost.set(t, filepath.Join(host, "root-only"))
				return rel + "/root-only", nil
			},
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonPermissionDenied,
			check: func(t *testing.T, _ *sshdtest.Server, res *sftppush.Result, _ sftppush.Group) {
				if names := dirNames(t, folderHost.get(t)); len(names) != 0 || len(res.Leftovers) != 0 {
					t.Errorf("folder holds %v, leftovers %v", names, res.Leftovers)
				}
			},
		},
		diskFullRow("7 disk full", nil, 0),
		diskFullRow("7 disk full, -P remove,rmdir: the temporary file stays", matchUser("ForceCommand internal-sftp -P remove,rmdir"), 1),
		// Renames refused, so the file is written in place: the partial file
		// under the final name is removed, not left for a scan to copy out.
		diskFullRow("7 disk full, -P rename,posix-rename: the partial file is removed", matchUser("ForceCommand internal-sftp -P rename,posix-rename"), 0),
		opensshRow{
			name:   "8 no such sftp subsystem program",
			sshd:   func(*testing.T) []string { return []string{"Subsystem sftp /nonexistent/sftp-server"} },
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonSubsystemUnavailable,
		},
		opensshRow{
			name:   "8 shell-only account: ForceCommand /bin/false",
			sshd:   func(*testing.T) []string { return matchUser("ForceCommand /bin/false") },
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonSubsystemUnavailable,
		},
		opensshRow{
			name:   "8 shell-only account: ForceCommand prints a message",
			sshd:   func(*testing.T) []string { return matchUser(`ForceCommand echo "This account is for shell use only."`) },
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonSubsystemUnavailable,
		},
		opensshRow{
			name: "8 broken chroot: the jail is owned by the user",
			sshd: func(t *testing.T) []string {
				jail := sshdtest.ChrootDir(t)
				uid, gid := sshdtest.UIDGID(t)
				os.Chown(jail, uid, gid)
				return matchUser("ChrootDirectory "+jail, "ForceCommand internal-sftp")
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonSubsystemUnavailable,
		},
	)

	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			s := shared
			if row.sshd != nil {
				s = sshdtest.Start(t, row.sshd(t)...)
			}
			var cfg sftppush.Config
			g := recording(t, 3<<20)
			setup := row.setup
			if setup == nil {
				setup = tempFolder
			}
			folder, change := setup(t, s, &cfg, &g)
			creds := sshdCreds(s, folder)
			if change != nil {
				change(&creds)
			}
			var sink sftptest.MemorySink
			cfg.Sink = &sink
			res := newTestPusher(cfg).Push(context.Background(), creds, g)
			t.Logf("%s/%s: %v", res.Status, res.Reason, res.Err)
			if res.Status != row.status || res.Reason != row.reason {
				t.Fatalf("got %s/%s (%v), want %s/%s\nsshd log:\n%s", res.Status, res.Reason, res.Err, row.status, row.reason, s.Log())
			}
			if e := sink.Entries(); len(e) != 1 || e[0].Status != row.status || e[0].Reason != row.reason {
				t.Errorf("log entries %+v", e)
			}
			if row.check != nil {
				row.check(t, s, res, g)
			}
		})
	}
}

// hostPaths maps test names to host paths, safely for parallel tests.
type hostPaths struct{ m sync.Map }

func (h *hostPaths) set(t *testing.T, p string) { h.m.Store(t.Name(), p) }

func (h *hostPaths) get(t *testing.T) string {
	p, ok := h.m.Load(t.Name())
	if !ok {
		t.Fatal("no host path recorded for", t.Name())
	}
	return p.(string)
}

// replaceSetup lays out an older rec.mp4 and a file that is not ours in a
// fresh folder.
func replaceSetup(folderHost *hostPaths) func(*testing.T, *sshdtest.Server, *sftppush.Config, *sftppush.Group) (string, func(*sftppush.Credentials)) {
	return func(t *testing.T, _ *sshdtest.Server, _ *sftppush.Config, _ *sftppush.Group) (string, func(*sftppush.Credentials)) {
		rel, host := sshdtest.TempFolder(t)
		uid, gid := sshdtest.UIDGID(t)
		for name, data := range map[string]string{"rec.mp4": "an older recording", "not-ours.txt": "keep me"} {
			p := filepath.Join(host, name)
			os.WriteFile(p, []byte(data), 0o644)
			os.Chown(p, uid, gid)
		}
		folderHost.set(t, host)
		return rel, nil
	}
}

// replaceCheck checks that the push replaced rec.mp4 with method and
// removed nothing else.
func replaceCheck(t *testing.T, host string, res *sftppush.Result, g sftppush.Group, method sftppush.WriteMethod) {
	t.Helper()
	for _, f := range res.Files {
		if f.Method != method || f.RenameErr != nil || f.Bytes != f.Size {
			t.Errorf("%s: method %q, rename error %v, %d of %d bytes sent; want %q, sent once", f.Remote, f.Method, f.RenameErr, f.Bytes, f.Size, method)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(host, "not-ours.txt")); string(got) != "keep me" {
		t.Errorf("not-ours.txt: %q", got)
	}
	want, _ := os.ReadFile(g.Main.Path)
	if got, _ := os.ReadFile(filepath.Join(host, "rec.mp4")); !bytes.Equal(got, want) {
		t.Errorf("rec.mp4 holds %d bytes, not the new recording", len(got))
	}
	if names := dirNames(t, host); len(names) != 2+len(g.Extras) || len(res.Leftovers) != 0 {
		t.Errorf("folder holds %v, leftovers %v", names, res.Leftovers)
	}
}

// kbdPAMRow is keyboard-interactive through PAM, which asks for the
// password in one hidden prompt.
func kbdPAMRow(name string, wrong bool, status sftppush.Status, reason sftppush.Reason) opensshRow {
	return opensshRow{
		name: name,
		sshd: func(t *testing.T) []string {
			if _, err := os.Stat("/etc/pam.d/sshd"); err != nil {
				t.Skip("no PAM configuration for sshd (/etc/pam.d/sshd): keyboard-interactive needs PAM to ask for the password")
			}
			return []string{"UsePAM yes", "PasswordAuthentication no", "KbdInteractiveAuthentication yes"}
		},
		setup: func(t *testing.T, s *sshdtest.Server, cfg *sftppush.Config, g *sftppush.Group) (string, func(*sftppush.Credentials)) {
			cfg.KeyboardInteractive = true
			rel, _ := sshdtest.TempFolder(t)
			return rel, func(c *sftppush.Credentials) {
				if wrong {
					c.Password += "x"
				}
			}
		},
		status: status, reason: reason,
	}
}

// diskFullRow pushes a 3 MiB main file to a 2 MiB tmpfs.
func diskFullRow(name string, lines []string, leftovers int) opensshRow {
	var host string
	return opensshRow{
		name: name,
		sshd: func(*testing.T) []string { return lines },
		setup: func(t *testing.T, _ *sshdtest.Server, _ *sftppush.Config, _ *sftppush.Group) (string, func(*sftppush.Credentials)) {
			rel, h := sshdtest.TempFolder(t)
			host = filepath.Join(h, "small")
			sshdtest.UserDir(t, host)
			if err := sshdtest.MountTmpfs(t, host, "2m"); err != nil {
				t.Skip("cannot mount a small tmpfs here:", err)
			}
			return rel + "/small", nil
		},
		status: sftppush.StatusUploadFailed, reason: sftppush.ReasonNoSpace,
		check: func(t *testing.T, _ *sshdtest.Server, res *sftppush.Result, _ sftppush.Group) {
			if len(res.Leftovers) != leftovers {
				t.Errorf("leftovers %v, want %d", res.Leftovers, leftovers)
			}
			names := dirNames(t, host)
			if len(names) != leftovers {
				t.Errorf("tmpfs holds %v, want %d leftovers", names, leftovers)
			}
			if _, err := os.Stat(filepath.Join(host, "rec.mp4")); err == nil {
				t.Errorf("rec.mp4 exists: a partial file got the final name")
			}
		},
	}
}

// pushInBackground starts a push of a large main file through a slow link,
// so that it is still running when the test interferes, and waits until
// its temporary file holds data. It returns the channel the Result arrives
// on.
func pushInBackground(t *testing.T, ctx context.Context, s *sshdtest.Server, cfg sftppush.Config) <-chan *sftppush.Result {
	t.Helper()
	rel, host := sshdtest.TempFolder(t)
	cfg.DialContext = dialWrapped(func(c net.Conn) net.Conn { return &slowConn{Conn: c, rate: 4 << 20} })
	g := okGroup(t, 32<<20)
	done := make(chan *sftppush.Result, 1)
	go func() { done <- newTestPusher(cfg).Push(ctx, sshdCreds(s, rel), g) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, n := range dirNames(t, host) {
			if fi, err := os.Stat(filepath.Join(host, n)); err == nil && fi.Size() > 0 && isTempOf(n, "rec.mp4") {
				return done
			}
		}
		select {
		case res := <-done:
			t.Fatalf("push ended before the test could interfere: %s/%s %v\nsshd log:\n%s", res.Status, res.Reason, res.Err, s.Log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no upload started within 20s\nsshd log:\n%s", s.Log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stopProcesses sends SIGSTOP to pids and SIGCONT on cleanup, before sshd
// is stopped.
func stopProcesses(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatalf("SIGSTOP %d: %v", pid, err)
		}
	}
	t.Cleanup(func() {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	})
}

// awaitResult waits for the push, failing the test past limit.
func awaitResult(t *testing.T, done <-chan *sftppush.Result, limit time.Duration) (*sftppush.Result, time.Duration) {
	t.Helper()
	start := time.Now()
	select {
	case res := <-done:
		return res, time.Since(start)
	case <-time.After(limit):
		t.Fatalf("the push did not end within %v", limit)
		return nil, 0
	}
}

// startWithSFTPServer starts an sshd whose SFTP subsystem is OpenSSH's
// sftp-server program, a process per session that tests can find and
// stop; it skips the test where the program is not installed.
func startWithSFTPServer(t *testing.T) *sshdtest.Server {
	t.Helper()
	requireSSHD(t)
	prog := sshdtest.SFTPServerPath()
	if prog == "" {
		t.Skip("OpenSSH's sftp-server program is not installed")
	}
	return sshdtest.Start(t, "Subsystem sftp "+prog)
}

// sftpServers lists s's sftp-server processes.
func sftpServers(s *sshdtest.Server) []int {
	var pids []int
	for _, pid := range sshdtest.Descendants(s.PID()) {
		if sshdtest.Comm(pid) == "sftp-server" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// With OpenSSH's sftp-server process stopped, sshd still answers
// keepalives: only the watchdog can end the push.
func TestOpenSSHStoppedSFTPServer(t *testing.T) {
	s := startWithSFTPServer(t)
	const limit = 2 * time.Second
	done := pushInBackground(t, context.Background(), s, sftppush.Config{StallTimeout: limit})

	// An extra session that the push opened on a first, high estimate of
	// the round trip and closed once SFTP measured it may still be
	// exiting: wait for the one that serves the upload to be alone.
	var pids []int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		pids = sftpServers(s)
		if len(pids) == 1 || time.Now().After(deadline) {
			break
		}
	}
	if len(pids) != 1 {
		t.Fatalf("found sftp-server processes %v, want one", pids)
	}
	stopProcesses(t, pids)
	res, took := awaitResult(t, done, limit+5*time.Second)
	t.Logf("sftp-server SIGSTOPped: push ended %v later (StallTimeout %v)", took, limit)
	if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonStalled || !strings.Contains(res.Err.Error(), "watchdog") {
		t.Fatalf("got %s/%s %v, want UPLOAD_FAILED/stalled by the watchdog", res.Status, res.Reason, res.Err)
	}
}

// With the whole session stopped (sshd's session processes), nothing
// answers; keepalives end the push long before the watchdog would.
func TestOpenSSHStoppedSession(t *testing.T) {
	requireSSHD(t)
	s := sshdtest.Start(t)
	cfg := sftppush.Config{StallTimeout: time.Minute, KeepaliveInterval: time.Second, KeepaliveCountMax: 2}
	done := pushInBackground(t, context.Background(), s, cfg)
	pids := sshdtest.Descendants(s.PID())
	if len(pids) == 0 {
		t.Fatal("no session processes under sshd")
	}
	stopProcesses(t, pids)
	res, took := awaitResult(t, done, 10*time.Second)
	t.Logf("session processes %v SIGSTOPped: push ended %v later (keepalive 1s x 2)", pids, took)
	if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonStalled || !strings.Contains(res.Err.Error(), "keepalive") {
		t.Fatalf("got %s/%s %v, want UPLOAD_FAILED/stalled by the keepalive", res.Status, res.Reason, res.Err)
	}
}

// Cancelling mid-upload returns at once and closes the connection: sshd's
// session ends.
func TestOpenSSHCancel(t *testing.T) {
	requireSSHD(t)
	s := sshdtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := pushInBackground(t, ctx, s, sftppush.Config{})
	cancel()
	res, took := awaitResult(t, done, 5*time.Second)
	t.Logf("cancelled mid-upload: push returned %v later", took)
	if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonUploadCanceled {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(sshdtest.Descendants(s.PID())) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("sshd's session processes %v still run 10s after the push returned", sshdtest.Descendants(s.PID()))
		}
	}
}

// Check against OpenSSH: the probe is written and removed, or left and
// reported where removes are denied; failures match a push's.
func TestOpenSSHCheck(t *testing.T) {
	requireSSHD(t)
	rows := []struct {
		name      string
		lines     []string
		sub       string // a root-owned subfolder to check instead
		status    sftppush.Status
		reason    sftppush.Reason
		leftovers int
	}{
		{"plain", nil, "", sftppush.StatusOK, sftppush.ReasonNone, 0},
		{"-P remove,rmdir leaves the probe", matchUser("ForceCommand internal-sftp -P remove,rmdir"), "", sftppush.StatusOK, sftppush.ReasonNone, 1},
		{"folder owned by root", nil, "root-only", sftppush.StatusUploadFailed, sftppush.ReasonPermissionDenied, 0},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			s := sshdtest.Start(t, row.lines...)
			rel, host := sshdtest.TempFolder(t)
			if row.sub != "" {
				os.Mkdir(filepath.Join(host, row.sub), 0o755)
				rel, host = rel+"/"+row.sub, filepath.Join(host, row.sub)
			}
			res := newTestPusher(sftppush.Config{}).Check(context.Background(), sshdCreds(s, rel))
			if res.Status != row.status || res.Reason != row.reason {
				t.Fatalf("got %s/%s %v\nsshd log:\n%s", res.Status, res.Reason, res.Err, s.Log())
			}
			if len(res.Leftovers) != row.leftovers {
				t.Errorf("leftovers %v, want %d", res.Leftovers, row.leftovers)
			}
			names := dirNames(t, host)
			if len(names) != row.leftovers {
				t.Errorf("folder holds %v", names)
			}
			for _, l := range res.Leftovers {
				if path.Base(l) != res.Files[0].Remote {
					t.Errorf("leftover %s is not the probe %s", l, res.Files[0].Remote)
				}
			}
		})
	}
}
