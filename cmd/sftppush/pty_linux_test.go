package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The terminal paths, on a pseudo-terminal: the password prompt without
// echo, and the progress line.

// pty is a pseudo-terminal: the program gets the slave as its terminal,
// the test reads what it draws from the master.
type pty struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
	done          chan struct{}
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlocking the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("opening the pty's slave: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(m.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 120}); err != nil {
		t.Fatalf("window size: %v", err)
	}
	p := &pty{master: m, slave: s, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return // EIO once every slave descriptor is closed
			}
		}
	}()
	t.Cleanup(func() {
		p.slave.Close()
		p.master.Close()
		<-p.done
	})
	return p
}

// output is what the program drew on the terminal so far.
func (p *pty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// finish closes the test's slave descriptor, once the program has exited,
// and returns all it drew.
func (p *pty) finish(t *testing.T) string {
	p.slave.Close()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal's output did not end")
	}
	return p.output()
}

// waitFor polls until cond holds, for at most 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Without SFTPPUSH_PASSWORD, on a terminal, the password is asked for with
// echo off, and the check goes through with it; the password shows
// nowhere, not even echoed on the terminal.
func TestPromptOnTerminal(t *testing.T) {
	srv := newServer(t, nil)
	p := openPTY(t)
	cmd := exec.Command(binary, args([]string{"check", "--no-progress"}, dest(srv, "/upload"))...)
	cmd.Env = environ("")
	var stdout bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, &stdout, p.slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, "the prompt", func() bool { return strings.Contains(p.output(), "Password for tester@127.0.0.1: ") })
	waitFor(t, "echo turned off", func() bool {
		tio, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
		return err == nil && tio.Lflag&unix.ECHO == 0
	})
	if _, err := p.master.Write([]byte(testPassword + "\n")); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if tio, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS); err != nil || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("echo left off (err %v)", err)
	}
	drawn := p.finish(t)
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d\n%s\nterminal: %q", code, stdout.String(), drawn)
	}
	if !strings.Contains(stdout.String(), "Status       OK (none)") {
		t.Errorf("report:\n%s", stdout.String())
	}
	noPassword(t, "the terminal", drawn)
	noPassword(t, "stdout", stdout.String())
}

// Ctrl-C at the prompt exits 130 and turns the echo back on.
func TestPromptInterrupted(t *testing.T) {
	srv := newServer(t, nil)
	p := openPTY(t)
	cmd := exec.Command(binary, args([]string{"check"}, dest(srv, "/upload"))...)
	cmd.Env = environ("")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, "echo turned off", func() bool {
		tio, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
		return err == nil && tio.Lflag&unix.ECHO == 0
	})
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	tio, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
	if err != nil || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("echo left off after Ctrl-C (err %v)", err)
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("%d connections, want none", n)
	}
}

// On a terminal, push draws the progress line on stderr, per file, up to
// 100%, and erases it before the report; with --json or --no-progress it
// draws nothing there.
func TestProgressOnTerminal(t *testing.T) {
	srv := newServer(t, nil)
	files := []string{writeFile(t, "rec.mp4", 2<<20), writeFile(t, "rec.jpg", 3000)}

	p := openPTY(t)
	cmd := exec.Command(binary, args([]string{"push"}, dest(srv, "/upload"), files)...)
	cmd.Env = environ(testPassword)
	var stdout bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, &stdout, p.slave
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	drawn := p.finish(t)
	for _, want := range []string{
		"\r[1/2] rec.mp4  [", "] 100%  2.0 MiB / 2.0 MiB",
		"\r[2/2] rec.jpg  [", "] 100%  2.9 KiB / 2.9 KiB",
		"\x1b[K",
	} {
		if !strings.Contains(drawn, want) {
			t.Errorf("the progress line lacks %q:\n%q", want, drawn)
		}
	}
	if !strings.HasSuffix(drawn, "\r\x1b[K") {
		t.Errorf("the line is not erased at the end:\n%q", drawn)
	}
	for _, line := range strings.Split(strings.ReplaceAll(drawn, "\x1b[K", ""), "\r") {
		if len([]rune(line)) >= 120 {
			t.Errorf("a drawing is %d columns wide on a 120-column terminal: %q", len([]rune(line)), line)
		}
	}
	if strings.Contains(drawn, "\n") {
		t.Errorf("the progress line printed a newline:\n%q", drawn)
	}
	if !strings.Contains(stdout.String(), "Status       OK (none)") || strings.Contains(stdout.String(), "\r") {
		t.Errorf("report:\n%q", stdout.String())
	}
	noPassword(t, "the terminal", drawn)

	for _, flag := range []string{"--json", "--no-progress"} {
		p := openPTY(t)
		cmd := exec.Command(binary, args([]string{"push", flag}, dest(srv, "/upload"), files)...)
		cmd.Env = environ(testPassword)
		var stdout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, p.slave
		if err := cmd.Run(); err != nil {
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatal(err)
			}
		}
		if drawn := p.finish(t); drawn != "" {
			t.Errorf("%s: drew on the terminal: %q", flag, drawn)
		}
		if cmd.ProcessState.ExitCode() != 0 {
			t.Errorf("%s: exit %d\n%s", flag, cmd.ProcessState.ExitCode(), stdout.String())
		}
	}
}
