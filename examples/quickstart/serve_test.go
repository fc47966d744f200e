package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that serve writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// -serve prints command lines that work: each one, run by a shell with
// the command-line tool built from this checkout in place of "go run
// ./cmd/sftppush", checks or pushes OK. The server stays up until its
// context ends, and then returns.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	ready := make(chan struct{})
	served := make(chan error, 1)
	go func() { served <- serve(ctx, &out, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-served:
		t.Fatalf("serve returned early: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve printed nothing in 30 s")
	}

	tool := filepath.Join(t.TempDir(), "sftppush")
	gotool, err := exec.LookPath("go") // go test puts its own first on PATH
	if err != nil {
		t.Fatalf("no go command: %v", err)
	}
	if b, err := exec.Command(gotool, "build", "-o", tool, "github.com/sftppush/sftppush/cmd/sftppush").CombinedOutput(); err != nil {
		t.Fatalf("building cmd/sftppush: %v\n%s", err, b)
	}
	var lines []string
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, "  SFTPPUSH_PASSWORD=") {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[0], " go run ./cmd/sftppush check --host 127.0.0.1 --port ") ||
		!strings.Contains(lines[0], " --user tester --folder /upload --allow-network 127.0.0.0/8") ||
		!strings.Contains(lines[1], " go run ./cmd/sftppush push ") {
		t.Fatalf("want a check and a push command line:\n%s", out.String())
	}
	for i, line := range lines {
		cmd := exec.Command("sh", "-c", strings.Replace(line, "go run ./cmd/sftppush", shellQuote(tool), 1))
		cmd.Env = withoutPassword()
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", line, err, b)
			continue
		}
		if !strings.Contains(string(b), "Status       OK (none)") {
			t.Errorf("%s:\n%s", line, b)
		}
		if i == 1 && strings.Count(string(b), " uploaded ") != 4 {
			t.Errorf("push: want 4 files uploaded:\n%s", b)
		}
		if strings.Contains(string(b), demoPassword) {
			t.Errorf("the tool's output shows the password:\n%s", b)
		}
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return within 30 s of its context ending")
	}
}

// withoutPassword is the environment without SFTPPUSH_PASSWORD, so that
// only the command line's own assignment sets it.
func withoutPassword() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SFTPPUSH_PASSWORD=") {
			env = append(env, kv)
		}
	}
	return env
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/a/rec.mp4": "/tmp/a/rec.mp4",
		"/tmp/my dir/x":  "'/tmp/my dir/x'",
		"it's":           `'it'\''s'`,
		"":               "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
