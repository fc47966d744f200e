package sftptest

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// sshDial connects to s with cfg, closing the client in t.Cleanup.
func sshDial(t *testing.T, s *Server, cfg *ssh.ClientConfig) (*ssh.Client, error) {
	t.Helper()
	c, err := ssh.Dial("tcp", s.Addr, cfg)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// wantStatus checks that err carries the SFTP status code as pkg/sftp's
// client reports it: it turns NO_SUCH_FILE and PERMISSION_DENIED into
// fs.ErrNotExist and fs.ErrPermission, and leaves every other code in a
// *sftp.StatusError.
func wantStatus(t *testing.T, err error, code error) {
	t.Helper()
	switch code {
	case sftp.ErrSSHFxNoSuchFile:
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("error = %v (%T), want fs.ErrNotExist (SSH_FX_NO_SUCH_FILE)", err, err)
		}
		return
	case sftp.ErrSSHFxPermissionDenied:
		if !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("error = %v (%T), want fs.ErrPermission (SSH_FX_PERMISSION_DENIED)", err, err)
		}
		return
	}
	var se *sftp.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *sftp.StatusError with code %v", err, err, code)
	}
	if error(se.FxCode()) != code {
		t.Fatalf("status code = %v (%v), want %v", se.FxCode(), err, code)
	}
}

func TestServerDefaults(t *testing.T) {
	s := NewServer(t)
	if s.Username != DefaultUsername {
		t.Errorf("Username = %q, want %q", s.Username, DefaultUsername)
	}
	if len(s.Password) != 16 {
		t.Errorf("Password %q has %d characters, want 16", s.Password, len(s.Password))
	}
	if other := NewServer(t); other.Password == s.Password {
		t.Errorf("two servers share the password %q", s.Password)
	}
	if s.Host != "127.0.0.1" || s.Port == 0 || s.Port == 22 || s.Addr != s.Host+":"+strconv.Itoa(s.Port) {
		t.Errorf("Addr %q, Host %q, Port %d are inconsistent", s.Addr, s.Host, s.Port)
	}
	if s.HostKey == nil || s.HostKey.Type() != ssh.KeyAlgoED25519 {
		t.Errorf("HostKey = %v, want an ed25519 key", s.HostKey)
	}
	fi, err := os.Stat(s.Root)
	if err != nil || !fi.IsDir() {
		t.Errorf("Root %q is not a directory: %v", s.Root, err)
	}
}

func TestLogin(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Username = "cam"
	s.Password = "s3cret"
	s.Start()

	tests := []struct {
		name     string
		user     string
		password string
		wantErr  bool
	}{
		{name: "right", user: "cam", password: "s3cret"},
		{name: "wrong password", user: "cam", password: "s3creT", wantErr: true},
		{name: "password prefix", user: "cam", password: "s3cre", wantErr: true},
		{name: "empty password", user: "cam", password: "", wantErr: true},
		{name: "wrong user", user: "Cam", password: "s3cret", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &ssh.ClientConfig{
				User:            tt.user,
				Auth:            []ssh.AuthMethod{ssh.Password(tt.password)},
				HostKeyCallback: ssh.FixedHostKey(s.HostKey),
				Timeout:         10 * time.Second,
			}
			c, err := sshDial(t, s, cfg)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
					t.Fatalf("dial error = %v, want an authentication failure", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			if got := string(c.ServerVersion()); got != ServerVersion {
				t.Errorf("server version = %q, want %q", got, ServerVersion)
			}
		})
	}
	if got := s.Logins(); got != 1 {
		t.Errorf("Logins() = %d, want 1", got)
	}
	if got := s.Connections(); got != len(tests) {
		t.Errorf("Connections() = %d, want %d", got, len(tests))
	}
}

func TestHostKeyMismatch(t *testing.T) {
	s := NewServer(t)
	other := NewUnstartedServer(t)
	cfg := s.ClientConfig()
	cfg.HostKeyCallback = ssh.FixedHostKey(other.HostKey)
	if _, err := sshDial(t, s, cfg); err == nil {
		t.Fatal("dial succeeded with the wrong host key")
	}
}

func TestKeyboardInteractiveOnly(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.KeyboardInteractiveOnly = true
	s.Start()

	if _, err := sshDial(t, s, s.ClientConfig()); err == nil || !strings.Contains(err.Error(), "no supported methods remain") {
		t.Fatalf("password-only dial error = %v, want no supported methods", err)
	}

	asked := 0
	cfg := s.ClientConfig()
	cfg.Auth = []ssh.AuthMethod{ssh.KeyboardInteractive(func(user, instruction string, questions []string, echos []bool) ([]string, error) {
		asked++
		answers := make([]string, len(questions))
		for i := range answers {
			answers[i] = s.Password
		}
		return answers, nil
	})}
	if _, err := sshDial(t, s, cfg); err == nil {
		t.Fatal("keyboard-interactive dial succeeded, want failure")
	}
	if asked == 0 {
		t.Error("keyboard-interactive challenge was never asked")
	}
	if got := s.Logins(); got != 0 {
		t.Errorf("Logins() = %d, want 0", got)
	}
}

func TestKeyboardInteractivePassword(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.KeyboardInteractiveOnly = true
	s.Faults.KeyboardInteractivePassword = true
	s.Start()

	answer := func(pw string) *ssh.ClientConfig {
		cfg := s.ClientConfig()
		cfg.Auth = []ssh.AuthMethod{ssh.KeyboardInteractive(func(_, _ string, questions []string, echos []bool) ([]string, error) {
			if len(questions) != 1 || echos[0] {
				t.Errorf("questions %q echos %v, want one prompt without echo", questions, echos)
			}
			return []string{pw}, nil
		})}
		return cfg
	}
	if _, err := sshDial(t, s, s.ClientConfig()); err == nil {
		t.Fatal("password dial succeeded, want the password method not offered")
	}
	if _, err := sshDial(t, s, answer(s.Password+"x")); err == nil {
		t.Fatal("keyboard-interactive dial with a wrong password succeeded")
	}
	if got := s.Logins(); got != 0 {
		t.Errorf("Logins() = %d after failures, want 0", got)
	}
	if _, err := sshDial(t, s, answer(s.Password)); err != nil {
		t.Fatalf("keyboard-interactive dial with the password: %v", err)
	}
	if got := s.Logins(); got != 1 {
		t.Errorf("Logins() = %d, want 1", got)
	}
}

func TestRefuseSubsystem(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.RefuseSubsystem = true
	s.Start()
	c, err := sshDial(t, s, s.ClientConfig())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if cl, err := sftp.NewClient(c); err == nil {
		cl.Close()
		t.Fatal("sftp.NewClient succeeded, want the subsystem refused")
	}
	if got := s.Logins(); got != 1 {
		t.Errorf("Logins() = %d, want 1", got)
	}
}

func TestSessionRefusesExecAndShell(t *testing.T) {
	s := NewServer(t)
	c, err := sshDial(t, s, s.ClientConfig())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	for _, run := range []func(*ssh.Session) error{
		func(sess *ssh.Session) error { return sess.Start("ls") },
		func(sess *ssh.Session) error { return sess.Shell() },
		func(sess *ssh.Session) error { return sess.RequestSubsystem("netconf") },
	} {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatalf("new session: %v", err)
		}
		if err := run(sess); err == nil {
			t.Error("request accepted, want refused")
		}
		sess.Close()
	}
	if _, _, err := c.OpenChannel("direct-tcpip", nil); err == nil {
		t.Error("direct-tcpip channel accepted, want refused")
	}
}

func TestKeepaliveAnswered(t *testing.T) {
	s := NewServer(t)
	c, err := sshDial(t, s, s.ClientConfig())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ok, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
	if err != nil {
		t.Fatalf("keepalive: %v", err)
	}
	if ok {
		t.Error("keepalive answered true, want false")
	}
}

func TestFileOperations(t *testing.T) {
	s := NewServer(t)
	s.WriteFile("/in/a.txt", []byte("hello"))
	c := s.Client()

	// Upload the way sftp.Client.Create does (read-write), and read back.
	f, err := c.Create("/in/b.txt")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := f.Write([]byte("world")); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if got := string(s.ReadFile("/in/b.txt")); got != "world" {
		t.Errorf("b.txt = %q, want %q", got, "world")
	}

	// Relative paths resolve against "/".
	rf, err := c.Open("in/a.txt")
	if err != nil {
		t.Fatalf("open relative: %v", err)
	}
	data, err := io.ReadAll(rf)
	rf.Close()
	if err != nil || string(data) != "hello" {
		t.Errorf("read a.txt = %q, %v; want hello", data, err)
	}
	if wd, err := c.Getwd(); err != nil || wd != "/" {
		t.Errorf("Getwd() = %q, %v; want /", wd, err)
	}

	// Stat, List, Mkdir.
	if fi, err := c.Stat("/in/a.txt"); err != nil || fi.Size() != 5 {
		t.Errorf("stat a.txt = %v, %v; want size 5", fi, err)
	}
	if err := c.Mkdir("/in/sub"); err != nil {
		t.Fatalf("mkdir: %v", err)
	}
	infos, err := c.ReadDir("/in")
	if err != nil {
		t.Fatalf("readdir: %v", err)
	}
	var names []string
	for _, fi := range infos {
		names = append(names, fi.Name())
	}
	if got := strings.Join(names, ","); got != "a.txt,b.txt,sub" {
		t.Errorf("readdir = %s, want a.txt,b.txt,sub", got)
	}

	// Missing files and parents.
	_, err = c.Stat("/in/none")
	wantStatus(t, err, sftp.ErrSSHFxNoSuchFile)
	_, err = c.OpenFile("/nodir/x", os.O_WRONLY|os.O_CREATE)
	wantStatus(t, err, sftp.ErrSSHFxNoSuchFile)
	_, err = c.OpenFile("/in/sub", os.O_WRONLY|os.O_CREATE)
	wantStatus(t, err, sftp.ErrSSHFxFailure)
	_, err = c.OpenFile("/in/a.txt", os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	wantStatus(t, err, sftp.ErrSSHFxFailure)

	// Plain rename refuses to replace; posix-rename replaces.
	wantStatus(t, c.Rename("/in/a.txt", "/in/b.txt"), sftp.ErrSSHFxFailure)
	if err := c.Rename("/in/a.txt", "/in/c.txt"); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if err := c.PosixRename("/in/c.txt", "/in/b.txt"); err != nil {
		t.Fatalf("posix-rename: %v", err)
	}
	if got := string(s.ReadFile("/in/b.txt")); got != "hello" {
		t.Errorf("after posix-rename b.txt = %q, want hello", got)
	}

	// Setstat: truncate and mtime.
	if err := c.Truncate("/in/b.txt", 2); err != nil {
		t.Fatalf("truncate: %v", err)
	}
	mtime := time.Unix(1_600_000_000, 0)
	if err := c.Chtimes("/in/b.txt", mtime, mtime); err != nil {
		t.Fatalf("chtimes: %v", err)
	}
	if fi, err := os.Stat(s.Path("/in/b.txt")); err != nil || fi.Size() != 2 || !fi.ModTime().Equal(mtime) {
		t.Errorf("after setstat: %v, %v", fi, err)
	}

	// Remove and rmdir.
	if err := c.Remove("/in/b.txt"); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if err := c.RemoveDirectory("/in/sub"); err != nil {
		t.Fatalf("rmdir: %v", err)
	}
	wantStatus(t, c.RemoveDirectory("/in/none"), sftp.ErrSSHFxNoSuchFile)
	if _, err := os.Stat(s.Path("/in/sub")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sub still there: %v", err)
	}
}

func TestOpenFlags(t *testing.T) {
	s := NewServer(t)
	c := s.Client()
	write := func(flags int, data string) {
		t.Helper()
		f, err := c.OpenFile("/f", flags)
		if err != nil {
			t.Fatalf("open %#x: %v", flags, err)
		}
		if _, err := f.Write([]byte(data)); err != nil {
			t.Fatalf("write: %v", err)
		}
		if err := f.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
	}
	write(os.O_WRONLY|os.O_CREATE|os.O_TRUNC, "abcdef")
	write(os.O_WRONLY, "XY")
	if got := string(s.ReadFile("/f")); got != "XYcdef" {
		t.Errorf("without O_TRUNC: %q, want XYcdef", got)
	}
	write(os.O_WRONLY|os.O_APPEND, "gh")
	if got := string(s.ReadFile("/f")); got != "XYcdefgh" {
		t.Errorf("with O_APPEND: %q, want XYcdefgh", got)
	}
	write(os.O_WRONLY|os.O_TRUNC, "z")
	if got := string(s.ReadFile("/f")); got != "z" {
		t.Errorf("with O_TRUNC: %q, want z", got)
	}
	_, err := c.OpenFile("/g", os.O_WRONLY)
	wantStatus(t, err, sftp.ErrSSHFxNoSuchFile)
}

func TestJail(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewServer(t)
	// A symlink planted under Root that points outside it.
	if err := os.Symlink(outside, s.Path("/escape")); err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	rel, err := filepath.Rel(s.Root, outside)
	if err != nil {
		t.Fatal(err)
	}
	climb := filepath.ToSlash(rel) // "../…" from Root to outside

	tests := []struct {
		name string
		op   func() error
	}{
		{"stat above root", func() error { _, err := c.Stat("/" + climb + "/secret"); return err }},
		{"relative climb", func() error { _, err := c.Stat(climb + "/secret"); return err }},
		{"create above root", func() error { _, err := c.Create("/../../" + climb + "/new"); return err }},
		{"through symlink", func() error { _, err := c.Stat("/escape/secret"); return err }},
		{"create through symlink", func() error { _, err := c.Create("/escape/new"); return err }},
		{"new symlink", func() error { return c.Symlink(outside, "/link2") }},
		{"hard link", func() error { return c.Link("/escape", "/link3") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); err == nil {
				t.Fatal("succeeded, want failure")
			}
		})
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was created outside Root: %v", err)
	}
	// ".." at the top stays at "/": the file lands inside Root.
	f, err := c.Create("/../../top.txt")
	if err != nil {
		t.Fatalf("create /../../top.txt: %v", err)
	}
	f.Close()
	if _, err := os.Stat(filepath.Join(s.Root, "top.txt")); err != nil {
		t.Errorf("top.txt not under Root: %v", err)
	}
	if got, want := s.Path("/../../x"), filepath.Join(s.Root, "x"); got != want {
		t.Errorf("Path(/../../x) = %q, want %q", got, want)
	}
}

func TestOpensRecordsConnections(t *testing.T) {
	s := NewServer(t)
	s.MkdirAll("/up")
	c1 := s.Client()
	c2 := s.Client()
	create := func(c *sftp.Client, p string) {
		t.Helper()
		f, err := c.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
		if err != nil {
			t.Fatalf("create %s: %v", p, err)
		}
		f.Close()
	}
	create(c1, "/up/a")
	create(c2, "up/b")
	create(c1, "/up/../up/c")
	if _, err := c2.Open("/up/a"); err != nil { // a read is not recorded
		t.Fatalf("open: %v", err)
	}
	want := []Open{{1, "/up/a"}, {2, "/up/b"}, {1, "/up/c"}}
	got := s.Opens()
	if len(got) != len(want) {
		t.Fatalf("Opens() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Opens()[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if s.Connections() != 2 || s.Logins() != 2 {
		t.Errorf("Connections() = %d, Logins() = %d; want 2, 2", s.Connections(), s.Logins())
	}
}

func TestHelpers(t *testing.T) {
	s := NewUnstartedServer(t)
	s.WriteFile("/a/b/c.bin", []byte{1, 2, 3}) // before Start
	s.Start()
	if got := s.ReadFile("a/b/c.bin"); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Errorf("ReadFile = %v", got)
	}
	s.MkdirAll("/x/y")
	if fi, err := os.Stat(filepath.Join(s.Root, "x", "y")); err != nil || !fi.IsDir() {
		t.Errorf("MkdirAll: %v", err)
	}
}

func TestCloseIsIdempotentAndLeakFree(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := NewServer(t)
	conn, err := ssh.Dial("tcp", s.Addr, s.ClientConfig())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	c, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatalf("sftp: %v", err)
	}
	defer c.Close()
	if _, err := c.Stat("/"); err != nil {
		t.Fatalf("stat: %v", err)
	}
	// An idle TCP connection stuck before the SSH handshake.
	raw, err := net.Dial("tcp4", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	s.Close()
	s.Close()
	if _, err := c.Stat("/"); err == nil {
		t.Error("stat after Close succeeded")
	}
}

func TestCloseBeforeStart(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Close()
}
