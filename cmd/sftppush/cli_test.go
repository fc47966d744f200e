package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
	"golang.org/x/crypto/ssh"
)

// Every status, from check and push, as the report and as JSON, with its
// own exit code; the password nowhere in the output.
func TestStatuses(t *testing.T) {
	for _, tc := range []struct {
		name     string
		faults   func(*sftptest.Server)
		password string
		args     func(t *testing.T, srv *sftptest.Server) []string
		status   sftppush.Status
		reason   sftppush.Reason
		code     int
	}{
		{"check OK", nil, testPassword, func(t *testing.T, srv *sftptest.Server) []string {
			return args([]string{"check"}, dest(srv, "/upload"))
		}, sftppush.StatusOK, sftppush.ReasonNone, 0},
		{"push OK", nil, testPassword, func(t *testing.T, srv *sftptest.Server) []string {
			return args([]string{"push", "--recording-id", "rec_1"}, dest(srv, "/upload"), []string{writeFile(t, "rec_1.mp4", 300<<10), writeFile(t, "rec_1.jpg", 4<<10)})
		}, sftppush.StatusOK, sftppush.ReasonNone, 0},
		{"push FILE_MISSING", nil, testPassword, func(t *testing.T, srv *sftptest.Server) []string {
			return args([]string{"push"}, dest(srv, "/upload"), []string{filepath.Join(t.TempDir(), "gone.mp4")})
		}, sftppush.StatusFileMissing, sftppush.ReasonFileMissing, 3},
		{"push UPLOAD_FAILED, quota", func(s *sftptest.Server) { s.Faults.QuotaBytes = 10 << 10 }, testPassword, func(t *testing.T, srv *sftptest.Server) []string {
			return args([]string{"push"}, dest(srv, "/upload"), []string{writeFile(t, "rec.mp4", 200<<10)})
		}, sftppush.StatusUploadFailed, sftppush.ReasonNoSpace, 4},
		{"check UPLOAD_FAILED, read-only folder", func(s *sftptest.Server) { s.Faults.ReadOnly = []string{"/upload"} }, testPassword, func(t *testing.T, srv *sftptest.Server) []string {
			return args([]string{"check"}, dest(srv, "/upload"))
		}, sftppush.StatusUploadFailed, sftppush.ReasonPermissionDenied, 4},
		{"check SFTP_LOGIN_FAILED", nil, "pw-Wrong-0000", func(t *testing.T, srv *sftptest.Server) []string {
			return args([]string{"check"}, dest(srv, "/upload"))
		}, sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected, 5},
		{"push INCORRECT_SFTP_FOLDER", nil, testPassword, func(t *testing.T, srv *sftptest.Server) []string {
			return args([]string{"push"}, dest(srv, "/uploads"), []string{writeFile(t, "rec.mp4", 1000)})
		}, sftppush.StatusIncorrectFolder, sftppush.ReasonFolderNotFound, 6},
		{"check SFTP_CONNECTION_TIMEOUT, loopback not allowed", nil, testPassword, func(t *testing.T, srv *sftptest.Server) []string {
			return []string{"check", "--host", srv.Host, "--port", strconv.Itoa(srv.Port), "--user", srv.Username, "--folder", "/upload"}
		}, sftppush.StatusConnectionTimeout, sftppush.ReasonBlockedByPolicy, 7},
		{"check SFTP_CONNECTION_TIMEOUT, closed port", nil, testPassword, func(t *testing.T, srv *sftptest.Server) []string {
			_, port, _ := strings.Cut(sftptest.ClosedPort(t), ":")
			return []string{"check", "--to", "tester@127.0.0.1:" + port, "--folder", "/upload", "--allow-network", "127.0.0.1"}
		}, sftppush.StatusConnectionTimeout, sftppush.ReasonConnectionRefused, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.faults)
			a := tc.args(t, srv)

			text := runCLI(t, tc.password, a...)
			if text.code != tc.code {
				t.Errorf("exit code %d, want %d\n%s%s", text.code, tc.code, text.stdout, text.stderr)
			}
			if text.stderr != "" {
				t.Errorf("stderr not empty (no terminal, so no progress line):\n%s", text.stderr)
			}
			for _, want := range []string{
				"Status       " + string(tc.status) + " (" + tc.reason.String() + ")\n",
				"What to fix  ",
				tc.reason.Hint(),
			} {
				if !strings.Contains(text.stdout, want) {
					t.Errorf("the report lacks %q:\n%s", want, text.stdout)
				}
			}

			js := runCLI(t, tc.password, append(a, "--json")...)
			if js.code != tc.code {
				t.Errorf("--json: exit code %d, want %d", js.code, tc.code)
			}
			r, _ := decode(t, js.stdout)
			if r.Status != string(tc.status) || r.Reason != tc.reason.String() || r.ExitCode != tc.code || r.Hint != tc.reason.Hint() {
				t.Errorf("--json: status %s reason %s exit_code %d hint %q; want %s %s %d %q",
					r.Status, r.Reason, r.ExitCode, r.Hint, tc.status, tc.reason, tc.code, tc.reason.Hint())
			}
			if (tc.status == sftppush.StatusOK) != (r.Error == "") {
				t.Errorf("--json: status %s with error %q", r.Status, r.Error)
			}
		})
	}
}

// A push puts the files on the server, and the report and the JSON tell
// each file's outcome, the server and the times.
func TestPushReport(t *testing.T) {
	srv := newServer(t, func(s *sftptest.Server) { s.Banner = "Authorized use only.\r\nAll access is logged.\r\n" })
	main := writeFile(t, "rec_7.mp4", 1<<20+17)
	extra := writeFile(t, "rec_7.jpg", 5000)
	missing := filepath.Join(t.TempDir(), "rec_7_filmstrip.jpg")
	a := args([]string{"push", "--recording-id", "rec_7"}, dest(srv, "/upload"), []string{main, extra, missing})

	text := runCLI(t, testPassword, a...)
	if text.code != 0 {
		t.Fatalf("exit %d:\n%s%s", text.code, text.stdout, text.stderr)
	}
	for _, f := range []string{main, extra} {
		want, _ := os.ReadFile(f)
		if got := srv.ReadFile("/upload/" + filepath.Base(f)); !bytes.Equal(got, want) {
			t.Errorf("%s on the server: %d bytes, want %d", filepath.Base(f), len(got), len(want))
		}
	}
	fp := ssh.FingerprintSHA256(srv.HostKey)
	for _, want := range []string{
		"What to fix  The main file arrived; 1 extra file(s) did not: see Files.\n",
		"Destination  tester@127.0.0.1 port " + strconv.Itoa(srv.Port) + ", folder /upload, recording rec_7\n",
		"Connected to " + srv.Addr + "\n",
		"SSH server   " + sftptest.ServerVersion + "\n",
		"Host key     " + fp + " (not verified: any key is accepted; --known-hosts FILE verifies it)\n",
		"Algorithms   kex=",
		"Banner       Authorized use only.\n             All access is logged.\n",
		"Connect      ", "Upload       ", "Total        ",
		"1.0 MiB sent",
		"REMOTE NAME", "rec_7.mp4", "uploaded", "posix_rename",
		"rec_7_filmstrip.jpg", "missing", "file_missing",
		"3 error: sftppush: open " + missing,
		"3 fix: " + sftppush.ReasonFileMissing.Hint(),
	} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, text.stdout)
		}
	}

	js := runCLI(t, testPassword, append(a, "--json")...)
	r, _ := decode(t, js.stdout)
	if r.Command != "push" || r.RecordingID != "rec_7" || r.Host != "127.0.0.1" || r.Port != srv.Port || r.Username != "tester" || r.Folder != "/upload" {
		t.Errorf("destination: %+v", r)
	}
	if r.RemoteAddr != srv.Addr || r.ServerVersion != sftptest.ServerVersion || r.HostKeyFingerprint != fp || r.HostKeyPolicy != "accept_any" {
		t.Errorf("server: addr %q version %q key %q policy %q", r.RemoteAddr, r.ServerVersion, r.HostKeyFingerprint, r.HostKeyPolicy)
	}
	if r.Banner != "Authorized use only.\nAll access is logged." || !strings.HasPrefix(r.Algorithms, "kex=") {
		t.Errorf("banner %q, algorithms %q", r.Banner, r.Algorithms)
	}
	if r.ConnectMS <= 0 || r.UploadMS <= 0 || r.DurationMS < r.ConnectMS+r.UploadMS-0.01 {
		t.Errorf("durations: connect %v upload %v total %v ms", r.ConnectMS, r.UploadMS, r.DurationMS)
	}
	if _, err := time.Parse(time.RFC3339Nano, r.Time); err != nil {
		t.Errorf("time %q: %v", r.Time, err)
	}
	if r.BytesSent != 1<<20+17+5000 {
		t.Errorf("bytes_sent %d", r.BytesSent)
	}
	if len(r.Files) != 3 {
		t.Fatalf("%d files, want 3", len(r.Files))
	}
	m := r.Files[0]
	if m.Local != main || m.Remote != "rec_7.mp4" || m.State != "uploaded" || m.Size != 1<<20+17 || m.BytesSent != m.Size ||
		m.Sessions != 1 || m.Method != "posix_rename" || m.Reason != "none" || m.Error != "" {
		t.Errorf("main file: %+v", m)
	}
	f := r.Files[2]
	if f.State != "missing" || f.Size != -1 || f.BytesSent != 0 || f.Reason != "file_missing" || !strings.Contains(f.Error, "no such file") || f.Hint == "" {
		t.Errorf("missing extra: %+v", f)
	}
	if len(r.Leftovers) != 0 {
		t.Errorf("leftovers %q", r.Leftovers)
	}
}

// The JSON object has exactly the documented fields, always present (none
// is left out when empty), and doc.go names each of them.
func TestJSONShape(t *testing.T) {
	wantTop := []string{"command", "status", "reason", "hint", "error", "exit_code", "time", "recording_id", "host", "port",
		"username", "folder", "remote_addr", "server_version", "banner", "algorithms", "host_key_fingerprint", "host_key_policy",
		"connect_ms", "upload_ms", "duration_ms", "bytes_sent", "files", "leftovers"}
	wantFile := []string{"local", "remote", "state", "size", "bytes_sent", "sessions", "method", "reason", "hint", "error", "rename_error", "stripe_error"}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range append(append([]string{}, wantTop...), wantFile...) {
		if !bytes.Contains(doc, []byte(`"`+k+`"`)) {
			t.Errorf("doc.go does not document %q", k)
		}
	}

	srv := newServer(t, nil)
	for _, a := range [][]string{
		args([]string{"check", "--json"}, dest(srv, "/upload")),
		args([]string{"push", "--json"}, dest(srv, "/nowhere"), []string{writeFile(t, "a.mp4", 10)}),
		args([]string{"push", "--json"}, dest(srv, "/upload"), []string{filepath.Join(t.TempDir(), "gone.mp4")}),
	} {
		r := runCLI(t, testPassword, a...)
		_, m := decode(t, r.stdout)
		if got := keys(m); !slices.Equal(got, sorted(wantTop)) {
			t.Errorf("%s: keys\n%q\nwant\n%q", r.stdout, got, sorted(wantTop))
		}
		files, _ := m["files"].([]any)
		if len(files) != 1 {
			t.Fatalf("files %v, want one", m["files"])
		}
		if got := keys(files[0].(map[string]any)); !slices.Equal(got, sorted(wantFile)) {
			t.Errorf("file keys\n%q\nwant\n%q", got, sorted(wantFile))
		}
		if _, ok := m["leftovers"].([]any); !ok {
			t.Errorf("leftovers is %v, want an array (never null)", m["leftovers"])
		}
		for _, k := range []string{"connect_ms", "upload_ms", "duration_ms", "port", "exit_code", "bytes_sent"} {
			if _, ok := m[k].(float64); !ok {
				t.Errorf("%s is %T, want a number", k, m[k])
			}
		}
	}
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// --password is refused however it is spelled, and nothing is attempted:
// no connection, and the value in no output.
func TestPasswordFlagRefused(t *testing.T) {
	srv := newServer(t, nil)
	for _, extra := range [][]string{
		{"--password", testPassword},
		{"--password=" + testPassword},
		{"-password", testPassword},
		{"--pass", testPassword},
	} {
		r := runCLI(t, testPassword, args([]string{"check"}, dest(srv, "/upload"), extra)...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "SFTPPUSH_PASSWORD") || !strings.Contains(r.stderr, "not taken from the command line") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and the refusal", extra, r.code, r.stdout, r.stderr)
		}
	}
	r := runCLI(t, "", "check", "--to", "tester:"+testPassword+"@"+srv.Addr, "--folder", "/upload", "--allow-network", "127.0.0.0/8")
	if r.code != 2 || !strings.Contains(r.stderr, "not taken from the command line") {
		t.Errorf("password in --to: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections to the server, want none", n)
	}
}

// A server that repeats the password (in its identification and its
// errors) does not get it into the report or the JSON.
func TestPasswordScrubbedFromServerText(t *testing.T) {
	srv := newServer(t, func(s *sftptest.Server) {
		s.Faults.EchoPassword = true
		s.Faults.ReadOnly = []string{"/upload"}
	})
	for _, format := range []string{"", "--json"} {
		a := args([]string{"push"}, dest(srv, "/upload"), []string{writeFile(t, "rec.mp4", 1000)})
		if format != "" {
			a = append(a, format)
		}
		r := runCLI(t, testPassword, a...) // checks stdout and stderr
		if r.code != 4 {
			t.Errorf("exit %d, want 4 (UPLOAD_FAILED)\n%s", r.code, r.stdout)
		}
		if !strings.Contains(r.stdout, redacted) {
			t.Errorf("the server's echo of the password is not shown as %s:\n%s", redacted, r.stdout)
		}
	}
}

// Usage mistakes exit 2 with a message on stderr and nothing on stdout;
// none of them connects.
func TestUsageErrors(t *testing.T) {
	srv := newServer(t, nil)
	noFile := filepath.Join(t.TempDir(), "known_hosts")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "Usage:"},
		{"unknown command", []string{"upload"}, `unknown command "upload"`},
		{"unknown flag", args([]string{"check", "--verbose"}, dest(srv, "/upload")), "flag provided but not defined: -verbose"},
		{"missing folder", []string{"check", "--host", srv.Host, "--user", "tester"}, "missing --folder"},
		{"bad network", args([]string{"check"}, dest(srv, "/upload"), []string{"--allow-network", "localhost"}), "want an IPv4 network"},
		{"push without files", args([]string{"push"}, dest(srv, "/upload")), "push needs at least one file"},
		{"missing known_hosts", args([]string{"check"}, dest(srv, "/upload"), []string{"--known-hosts", noFile}), "--known-hosts: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, testPassword, tc.args...)
			if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, and %q", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections, want none", n)
	}
}

// Without SFTPPUSH_PASSWORD and without a terminal to ask on, nothing is
// attempted.
func TestNoPasswordWithoutTerminal(t *testing.T) {
	srv := newServer(t, nil)
	r := runCLI(t, "", args([]string{"check"}, dest(srv, "/upload"))...)
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "no password: set SFTPPUSH_PASSWORD") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections, want none", n)
	}
}

// --help prints the usage and the exit codes on stdout, and exits 0.
func TestHelp(t *testing.T) {
	for _, a := range [][]string{{"help"}, {"--help"}, {"-h"}, {"check", "--help"}, {"push", "-h"}, {"help", "push"}} {
		r := runCLI(t, "", a...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "Exit codes:") || r.stderr != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout:\n%s", a, r.code, r.stderr, r.stdout)
		}
	}
}

// The exit codes are the same in the code, the help, doc.go and the
// README.
func TestExitCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	help := runCLI(t, "", "help").stdout
	if len(statusExit) != len(sftppush.Statuses()) {
		t.Errorf("%d statuses have exit codes, the library has %d", len(statusExit), len(sftppush.Statuses()))
	}
	seen := map[int]bool{exitUsage: true, exitInternal: true, exitInterrupt: true}
	for _, s := range sftppush.Statuses() {
		c := exitCode(s)
		if s != sftppush.StatusOK && seen[c] {
			t.Errorf("%s shares exit code %d", s, c)
		}
		seen[c] = true
		if s == sftppush.StatusOK {
			continue
		}
		for where, text := range map[string]string{"help": help, "doc.go": string(doc)} {
			if !strings.Contains(text, "\n  "+strconv.Itoa(c)+"    "+string(s)+":") && !strings.Contains(text, "\n//\t"+strconv.Itoa(c)+"    "+string(s)+":") {
				t.Errorf("%s does not list %d for %s", where, c, s)
			}
		}
		if !strings.Contains(string(readme), "| "+strconv.Itoa(c)+" | `"+string(s)+"` |") {
			t.Errorf("the README does not list %d for %s", c, s)
		}
	}
	for _, c := range []struct {
		code int
		what string
	}{{0, "OK"}, {2, "usage"}, {1, "the report could not be written"}, {130, "interrupted"}} {
		if !strings.Contains(help, "\n  "+strconv.Itoa(c.code)+" ") || !strings.Contains(string(readme), "| "+strconv.Itoa(c.code)+" |") {
			t.Errorf("help or README lacks exit code %d (%s)", c.code, c.what)
		}
	}
}

// With --known-hosts the key is verified: the server's line lets the
// check through, another key is a changed key and no line an unknown
// one, and the password is not sent to either.
func TestKnownHosts(t *testing.T) {
	srv := newServer(t, nil)
	dir := t.TempDir()
	other := newServer(t, nil) // a different host key
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	line := func(key ssh.PublicKey) string {
		return "[127.0.0.1]:" + strconv.Itoa(srv.Port) + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))) + "\n"
	}
	for _, tc := range []struct {
		name   string
		file   string
		reason sftppush.Reason
		code   int
		says   string
	}{
		{"known", write("good", line(srv.HostKey)), sftppush.ReasonNone, 0, "(verified with --known-hosts)"},
		{"changed", write("changed", line(other.HostKey)), sftppush.ReasonHostKeyChanged, 7, "(refused by --known-hosts; the password was not sent)"},
		{"unknown", write("empty", ""), sftppush.ReasonHostKeyUnknown, 7, "(refused by --known-hosts; the password was not sent)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.PasswordTries()
			r := runCLI(t, testPassword, args([]string{"check", "--known-hosts", tc.file}, dest(srv, "/upload"))...)
			if r.code != tc.code || !strings.Contains(r.stdout, "("+tc.reason.String()+")") || !strings.Contains(r.stdout, tc.says) {
				t.Errorf("exit %d, want %d, %s and %q:\n%s", r.code, tc.code, tc.reason, tc.says, r.stdout)
			}
			if tc.code != 0 && srv.PasswordTries() != before {
				t.Errorf("the password was tried on a server whose key was refused")
			}
			js := runCLI(t, testPassword, args([]string{"check", "--json", "--known-hosts", tc.file}, dest(srv, "/upload"))...)
			if rep, _ := decode(t, js.stdout); rep.HostKeyPolicy != "known_hosts" || rep.HostKeyFingerprint != ssh.FingerprintSHA256(srv.HostKey) {
				t.Errorf("policy %q, fingerprint %q", rep.HostKeyPolicy, rep.HostKeyFingerprint)
			}
		})
	}
}

// Ctrl-C during a push ends it at once: the report is printed, with the
// cancellation, and the exit code is 130.
func TestInterrupt(t *testing.T) {
	srv := newServer(t, func(s *sftptest.Server) { s.Faults.StallAfterBytes = 64 << 10 })
	cmd := exec.Command(binary, args([]string{"push"}, dest(srv, "/upload"), []string{writeFile(t, "rec.mp4", 1<<20)})...)
	cmd.Env = environ(testPassword)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(srv.Opens()) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the push did not open its file within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	if !strings.Contains(stdout.String(), "Status       UPLOAD_FAILED (upload_canceled)") {
		t.Errorf("report:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	noPassword(t, "stdout", stdout.String())
	noPassword(t, "stderr", stderr.String())
}

// What the report adds for support: the leftovers a server would not let
// check remove (the status stays OK), and the flag that gets past a
// policy refusal.
func TestReportLeftoversAndTry(t *testing.T) {
	srv := newServer(t, func(s *sftptest.Server) { s.Faults.DenyRemove = true })
	r := runCLI(t, testPassword, args([]string{"check"}, dest(srv, "/upload"))...)
	if r.code != 0 || !strings.Contains(r.stdout, "\nLeft on the server (could not be removed)\n  /upload/.sftppush-check.") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
	js := runCLI(t, testPassword, args([]string{"check", "--json"}, dest(srv, "/upload"))...)
	if rep, _ := decode(t, js.stdout); len(rep.Leftovers) != 1 || !strings.HasPrefix(rep.Leftovers[0], "/upload/.sftppush-check.") {
		t.Errorf("leftovers %q", rep.Leftovers)
	}

	r = runCLI(t, testPassword, "check", "--host", srv.Host, "--port", strconv.Itoa(srv.Port), "--user", srv.Username, "--folder", "/upload")
	if r.code != 7 || !strings.Contains(r.stdout, "\nTry          --allow-network 127.0.0.1/32 lets this tool reach it") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
}
