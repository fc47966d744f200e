package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sftppush/sftppush/sftptest"
	"go.uber.org/goleak"
)

// The tests run the built program, as a person or a script does, against
// the embedded server started in the test process.

// binary is the sftppush program built for the tests.
var binary string

// testPassword is the servers' password: recognisable, so that a test can
// tell it never shows in any output.
const testPassword = "pw-Secret-4711"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sftppush-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "sftppush")
	if out, err := exec.Command(goTool(), "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building sftppush: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// goTool is the go command of the toolchain running the tests: go test
// puts its GOROOT/bin first on the PATH of the test process.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

// ran is one run of the program.
type ran struct {
	code           int
	stdout, stderr string
}

// run runs the program with args. password, when not empty, is passed in
// SFTPPUSH_PASSWORD; standard input is /dev/null, so no prompt can be
// shown. Every run is checked for the password on both outputs.
func runCLI(t *testing.T, password string, args ...string) ran {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = environ(password)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := ran{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if err != nil && r.code < 0 {
		t.Fatalf("running sftppush: %v", err)
	}
	noPassword(t, "stdout", r.stdout)
	noPassword(t, "stderr", r.stderr)
	return r
}

// environ is the test's environment without SFTPPUSH_PASSWORD, plus the
// password when one is given.
func environ(password string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, passwordEnv+"=") {
			env = append(env, kv)
		}
	}
	if password != "" {
		env = append(env, passwordEnv+"="+password)
	}
	return env
}

func noPassword(t *testing.T, where, s string) {
	t.Helper()
	if strings.Contains(s, testPassword) {
		t.Errorf("%s shows the password:\n%s", where, s)
	}
}

// newServer starts an embedded server with the test password, a folder
// /upload, and the faults set by change.
func newServer(t *testing.T, change func(*sftptest.Server)) *sftptest.Server {
	srv := sftptest.NewUnstartedServer(t)
	srv.Password = testPassword
	if change != nil {
		change(srv)
	}
	srv.Start()
	srv.MkdirAll("/upload")
	return srv
}

// dest is the flags that reach srv's folder, loopback allowed.
func dest(srv *sftptest.Server, folder string) []string {
	return []string{"--host", srv.Host, "--port", strconv.Itoa(srv.Port), "--user", srv.Username, "--folder", folder, "--allow-network", "127.0.0.0/8"}
}

// args joins argument lists.
func args(parts ...[]string) []string {
	var all []string
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// writeFile writes n bytes into a new file named name in a temp dir.
func writeFile(t *testing.T, name string, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	b := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// decode reads the one JSON object of --json, and fails the test when
// there is anything else on stdout.
func decode(t *testing.T, stdout string) (report, map[string]any) {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("--json printed more or less than one line:\n%s", stdout)
	}
	var r report
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decoding %s: %v", stdout, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("more after the object: %v", err)
	}
	return r, m
}
