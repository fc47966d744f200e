package sftppush_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

	"github.com/pkg/sftp"
	"github.com/sftppush/sftppush/sftptest"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// addrCreds returns credentials for a bare "127.0.0.1:port" address.
func addrCreds(t testing.TB, addr string) sftppush.Credentials {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return sftppush.Credentials{Host: host, Port: p, Username: "tester", Password: "secret-pass", Folder: "/upload"}
}

// writeLocal writes n random bytes to dir/name and returns the path.
func writeLocal(t testing.TB, dir, name string, n int) string {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// recording makes a local group like Pipe's: main mp4, raw, snapshot and
// filmstrip, with the given main size.
func recording(t testing.TB, mainSize int) sftppush.Group {
	dir := t.TempDir()
	return sftppush.Group{
		RecordingID: "rec-" + strconv.Itoa(mainSize),
		Main:        sftppush.File{Path: writeLocal(t, dir, "rec.mp4", mainSize)},
		Extras: []sftppush.File{
			{Path: writeLocal(t, dir, "rec_raw.webm", 300_000)},
			{Path: writeLocal(t, dir, "rec.jpg", 20_000)},
			{Path: writeLocal(t, dir, "rec_filmstrip.jpg", 90_000)},
		},
	}
}

func TestPushRecordingGroup(t *testing.T) {
	s := sftptest.NewServer(t)
	s.MkdirAll("/upload")
	var sink sftptest.MemorySink
	p := newTestPusher(sftppush.Config{Sink: &sink})
	g := recording(t, 3<<20)

	res := p.Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK || res.Reason != sftppush.ReasonNone || res.Err != nil {
		t.Fatalf("got %s/%s err=%v, want OK", res.Status, res.Reason, res.Err)
	}
	all := append([]sftppush.File{g.Main}, g.Extras...)
	if len(res.Files) != len(all) {
		t.Fatalf("got %d file results, want %d", len(res.Files), len(all))
	}
	var total int64
	for i, f := range all {
		fr := res.Files[i]
		want, _ := os.ReadFile(f.Path)
		got := s.ReadFile("/upload/" + filepath.Base(f.Path))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: remote content differs (%d vs %d bytes)", fr.Remote, len(got), len(want))
		}
		if fr.State != sftppush.FileUploaded || fr.Size != int64(len(want)) || fr.Bytes != int64(len(want)) {
			t.Errorf("file %d: got %+v", i, fr)
		}
		total += fr.Bytes
	}
	// One connection, files one after another, main file first.
	if n := s.Connections(); n != 1 {
		t.Errorf("server saw %d connections, want 1", n)
	}
	opens := s.Opens()
	if len(opens) != 4 {
		t.Fatalf("server saw opens %v, want 4", opens)
	}
	for i, o := range opens {
		// The safe write opens each file under its temporary name only.
		if name := filepath.Base(all[i].Path); path.Dir(o.Path) != "/upload" || !isTempOf(path.Base(o.Path), name) || o.Conn != 1 {
			t.Errorf("open %d: got %+v, want a temporary name for %s on connection 1", i, o, name)
		}
		if res.Files[i].Method != sftppush.MethodPosixRename {
			t.Errorf("file %d: method %q, want %q", i, res.Files[i].Method, sftppush.MethodPosixRename)
		}
	}
	if names := dirNames(t, s.Path("/upload")); len(names) != len(all) {
		t.Errorf("folder holds %v, want only the %d final names", names, len(all))
	}
	e := res.Entry
	if e.RecordingID != g.RecordingID || e.Host != "127.0.0.1" || e.Port != s.Port || e.Username != s.Username ||
		e.Folder != "/upload" || e.Status != sftppush.StatusOK || e.BytesSent != total || e.Duration <= 0 {
		t.Errorf("entry: %+v", e)
	}
	if len(e.Files) != 4 || e.Files[0] != "rec.mp4" || e.Time.Location() != time.UTC {
		t.Errorf("entry files/time: %v %v", e.Files, e.Time)
	}
	if e.RemoteAddr != s.Addr || e.ServerVersion != sftptest.ServerVersion || e.HostKeyFingerprint != ssh.FingerprintSHA256(s.HostKey) ||
		e.ConnectDuration <= 0 || e.UploadDuration <= 0 || e.ConnectDuration+e.UploadDuration > e.Duration {
		t.Errorf("entry connection details: addr %q version %q key %q connect %v upload %v total %v",
			e.RemoteAddr, e.ServerVersion, e.HostKeyFingerprint, e.ConnectDuration, e.UploadDuration, e.Duration)
	}
	if got := sink.Entries(); len(got) != 1 || got[0].RecordingID != g.RecordingID {
		t.Errorf("sink got %+v", got)
	}

	// A second group gets a connection of its own.
	if res := p.Push(context.Background(), s.Credentials("upload"), recording(t, 1000)); res.Status != sftppush.StatusOK {
		t.Fatalf("second push: %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if n := s.Connections(); n != 2 {
		t.Errorf("server saw %d connections after two pushes, want 2", n)
	}
}

func TestPushFolderForms(t *testing.T) {
	s := sftptest.NewServer(t)
	s.MkdirAll("/upload/rec")
	for _, folder := range []string{"/upload/rec", "upload/rec", "upload/rec/", ".", "/"} {
		t.Run(folder, func(t *testing.T) {
			g := sftppush.Group{RecordingID: "r", Main: sftppush.File{Path: writeLocal(t, t.TempDir(), "a.mp4", 5000), RemoteName: "named.mp4"}}
			res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials(folder), g)
			if res.Status != sftppush.StatusOK {
				t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
			}
			dir := folder
			if !strings.HasPrefix(dir, "/") {
				dir = "/" + dir
			}
			if got := s.ReadFile(filepath.Join(dir, "named.mp4")); len(got) != 5000 {
				t.Errorf("remote file has %d bytes", len(got))
			}
		})
	}
}

// statusCase is one row of the status table: a setup that returns what to
// push, and the outcome it must give.
type statusCase struct {
	name   string
	setup  func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group)
	status sftppush.Status
	reason sftppush.Reason
	// check, if set, looks further at the result.
	check func(t *testing.T, res *sftppush.Result)
}

func serverWith(t *testing.T, f sftptest.Faults) *sftptest.Server {
	return startServer(t, func(s *sftptest.Server) { s.Faults = f })
}

// startServer starts an embedded server set up by setup, with a folder
// /upload.
func startServer(t *testing.T, setup func(*sftptest.Server)) *sftptest.Server {
	s := sftptest.NewUnstartedServer(t)
	setup(s)
	s.Start()
	s.MkdirAll("/upload")
	return s
}

func okGroup(t *testing.T, size int) sftppush.Group {
	return sftppush.Group{RecordingID: "rec-1", Main: sftppush.File{Path: writeLocal(t, t.TempDir(), "rec.mp4", size)}}
}

func TestPushStatuses(t *testing.T) {
	short := sftppush.Config{ConnectTimeout: time.Second}
	cases := []statusCase{
		{
			name: "main file missing",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{})
				t.Cleanup(func() {
					if s.Connections() != 0 {
						t.Errorf("a connection was opened for a missing file")
					}
				})
				return sftppush.Config{}, s.Credentials("/upload"), sftppush.Group{Main: sftppush.File{Path: filepath.Join(t.TempDir(), "gone.mp4")}}
			},
			status: sftppush.StatusFileMissing, reason: sftppush.ReasonFileMissing,
			check: func(t *testing.T, res *sftppush.Result) {
				if !errors.Is(res.Err, fs.ErrNotExist) || res.Files[0].State != sftppush.FileMissing {
					t.Errorf("err %v, file %+v", res.Err, res.Files[0])
				}
			},
		},
		{
			name: "main file is a directory",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{})
				return sftppush.Config{}, s.Credentials("/upload"), sftppush.Group{Main: sftppush.File{Path: t.TempDir()}}
			},
			status: sftppush.StatusFileMissing, reason: sftppush.ReasonFileUnreadable,
		},
		{
			name: "remote name escapes the folder",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{})
				g := okGroup(t, 10)
				g.Main.RemoteName = "../escape.mp4"
				return sftppush.Config{}, s.Credentials("/upload"), g
			},
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonInvalidGroup,
		},
		{
			name: "invalid host",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				c := addrCreds(t, "127.0.0.1:2222")
				c.Host = "sftp://example.com/upload"
				return sftppush.Config{}, c, okGroup(t, 10)
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonInvalidHost,
			check: func(t *testing.T, res *sftppush.Result) {
				var ve *sftppush.ValidationError
				if !errors.As(res.Err, &ve) {
					t.Errorf("err %v is not a *ValidationError", res.Err)
				}
			},
		},
		{
			name: "empty password",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				c := addrCreds(t, "127.0.0.1:2222")
				c.Password = ""
				return sftppush.Config{}, c, okGroup(t, 10)
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonInvalidLogin,
		},
		{
			name: "empty folder",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				c := addrCreds(t, "127.0.0.1:2222")
				c.Folder = ""
				return sftppush.Config{}, c, okGroup(t, 10)
			},
			status: sftppush.StatusIncorrectFolder, reason: sftppush.ReasonInvalidFolder,
		},
		{
			name: "connection refused",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				return short, addrCreds(t, sftptest.ClosedPort(t)), okGroup(t, 10)
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonConnectionRefused,
		},
		{
			name: "host not found",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				c := addrCreds(t, sftptest.ClosedPort(t))
				c.Host = "no-such-host.example"
				return sftppush.Config{ConnectTimeout: 3 * time.Second, Resolver: sftptest.NewResolver(t, nil)}, c, okGroup(t, 10)
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHostNotFound,
		},
		{
			name: "dial timeout",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				return short, addrCreds(t, sftptest.BlackholeListener(t)), okGroup(t, 10)
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonDialTimeout,
		},
		{
			name: "no banner",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				return short, addrCreds(t, sftptest.SilentListener(t)), okGroup(t, 10)
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeTimeout,
		},
		{
			name: "not an SSH server",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				return short, addrCreds(t, sftptest.GarbageListener(t)), okGroup(t, 10)
			},
			status: sftppush.StatusConnectionTimeout, reason: sftppush.ReasonHandshakeFailed,
		},
		{
			name: "wrong password",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{})
				c := s.Credentials("/upload")
				c.Password += "x"
				return sftppush.Config{}, c, okGroup(t, 10)
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonAuthRejected,
			check: func(t *testing.T, res *sftppush.Result) {
				// The log names the server even though the login failed.
				if res.Entry.ServerVersion != sftptest.ServerVersion || res.Entry.HostKeyFingerprint == "" {
					t.Errorf("entry: version %q, fingerprint %q", res.Entry.ServerVersion, res.Entry.HostKeyFingerprint)
				}
			},
		},
		{
			name: "unknown user",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{})
				c := s.Credentials("/upload")
				c.Username = "Tester" // usernames are case-sensitive
				return sftppush.Config{}, c, okGroup(t, 10)
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonAuthRejected,
		},
		{
			name: "password method not offered",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{KeyboardInteractiveOnly: true})
				return sftppush.Config{}, s.Credentials("/upload"), okGroup(t, 10)
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonPasswordNotOffered,
		},
		{
			name: "sftp subsystem refused",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{RefuseSubsystem: true})
				return sftppush.Config{}, s.Credentials("/upload"), okGroup(t, 10)
			},
			status: sftppush.StatusLoginFailed, reason: sftppush.ReasonSubsystemUnavailable,
		},
		{
			name: "folder missing",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{})
				return sftppush.Config{}, s.Credentials("/uploads"), okGroup(t, 10)
			},
			status: sftppush.StatusIncorrectFolder, reason: sftppush.ReasonFolderNotFound,
		},
		{
			name: "folder is a file",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{})
				s.WriteFile("/upload/file", []byte("x"))
				return sftppush.Config{}, s.Credentials("/upload/file"), okGroup(t, 10)
			},
			status: sftppush.StatusIncorrectFolder, reason: sftppush.ReasonFolderNotDirectory,
		},
		{
			name: "read-only folder",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{ReadOnly: []string{"/upload"}})
				return sftppush.Config{}, s.Credentials("/upload"), okGroup(t, 10)
			},
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonPermissionDenied,
			check: func(t *testing.T, res *sftppush.Result) {
				if !errors.Is(res.Err, fs.ErrPermission) {
					t.Errorf("errors.Is(err, fs.ErrPermission) is false for %v", res.Err)
				}
			},
		},
		{
			name: "quota exceeded",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{QuotaBytes: 100_000})
				return sftppush.Config{}, s.Credentials("/upload"), okGroup(t, 1<<20)
			},
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonNoSpace,
			check: func(t *testing.T, res *sftppush.Result) {
				var se *sftp.StatusError
				if !errors.As(res.Err, &se) {
					t.Errorf("errors.As(err, *sftp.StatusError) is false for %v", res.Err)
				}
			},
		},
		{
			name: "connection dropped mid-upload",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{DropAfterBytes: 200_000})
				return sftppush.Config{}, s.Credentials("/upload"), okGroup(t, 1<<20)
			},
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonConnectionLost,
		},
		{
			name: "server keeps fewer bytes",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{DiscardAfterBytes: 65536})
				return sftppush.Config{}, s.Credentials("/upload"), okGroup(t, 1<<20)
			},
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonSizeMismatch,
		},
		{
			name: "remote name is a directory",
			setup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group) {
				s := serverWith(t, sftptest.Faults{})
				s.MkdirAll("/upload/rec.mp4")
				return sftppush.Config{}, s.Credentials("/upload"), okGroup(t, 10)
			},
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, creds, g := tc.setup(t)
			var sink sftptest.MemorySink
			cfg.Sink = &sink
			res := newTestPusher(cfg).Push(context.Background(), creds, g)
			if res.Status != tc.status || res.Reason != tc.reason {
				t.Fatalf("got %s/%s (%v), want %s/%s", res.Status, res.Reason, res.Err, tc.status, tc.reason)
			}
			if tc.reason.Status() != "" && tc.reason.Status() != tc.status {
				t.Errorf("Reason %s documents status %s", tc.reason, tc.reason.Status())
			}
			var pe *sftppush.Error
			if !errors.As(res.Err, &pe) || pe.Reason.Status() != res.Status || pe.Reason != res.Reason {
				t.Errorf("err %v: want a *Error with the same status and reason", res.Err)
			}
			if res.Files[0].State == sftppush.FileUploaded {
				t.Errorf("main file marked uploaded on a failed push")
			}
			entries := sink.Entries()
			if len(entries) != 1 || entries[0].Status != tc.status || entries[0].Reason != tc.reason || entries[0].Error == "" {
				t.Errorf("log entries: %+v", entries)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

// newTestPusher is how tests build a Pusher: the one place to adjust the
// configuration every test against the loopback servers needs. The
// destination policy refuses loopback by default, so it is allowed here
// unless the test chose its own networks.
func newTestPusher(cfg sftppush.Config) *sftppush.Pusher {
	if cfg.AllowNetworks == nil {
		cfg.AllowNetworks = []netip.Prefix{loopbackNet}
	}
	// Tests that are not about timeouts get a generous connect limit: a
	// shared machine under load can take seconds for sshd's password
	// check. Tests of the timeout set their own.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	return sftppush.New(cfg)
}

// testConnect opens p's connection to creds' server, as a push would for a
// group whose largest file is empty, and closes it when the test ends.
func testConnect(t *testing.T, p *sftppush.Pusher, creds sftppush.Credentials) *sftppush.Conn {
	t.Helper()
	c, err := sftppush.OpenConn(p, creds)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// loopbackNet is where every test server listens.
var loopbackNet = netip.MustParsePrefix("127.0.0.0/8")

// A nil ctx is accepted as context.Background() by every entry point, and
// their documentation says so: the convenience is a documented promise,
// not an accident.
func TestNilContext(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	p := newTestPusher(sftppush.Config{})
	//lint:ignore SA1012 a nil ctx is what is tested
	if res := p.Push(nil, s.Credentials("/upload"), okGroup(t, 100)); res.Status != sftppush.StatusOK {
		t.Errorf("Push(nil): %s/%s %v", res.Status, res.Reason, res.Err)
	}
	//lint:ignore SA1012 a nil ctx is what is tested
	if res := p.Check(nil, s.Credentials("/upload")); res.Status != sftppush.StatusOK {
		t.Errorf("Check(nil): %s/%s %v", res.Status, res.Reason, res.Err)
	}
	//lint:ignore SA1012 a nil ctx is what is tested
	if rs := p.PushWithRetry(nil, s.Credentials("/upload"), okGroup(t, 100), sftppush.RetryPolicy{}); len(rs) != 1 || rs[0].Status != sftppush.StatusOK {
		t.Errorf("PushWithRetry(nil): %v", rs)
	}

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "pusher.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
			docs[fd.Name.Name] = fd.Doc.Text()
		}
	}
	for _, name := range []string{"Push", "Check", "PushWithRetry"} {
		if !strings.Contains(strings.Join(strings.Fields(docs[name]), " "), "A nil ctx is taken as context.Background()") {
			t.Errorf("the doc comment of %s does not say what a nil ctx does", name)
		}
	}
}
