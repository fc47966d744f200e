package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sftppush/sftppush/sftptest"
)

// TestRun pushes a group the way internal/bench -baseline asks for it, and
// reports what the bench reads back.
func TestRun(t *testing.T) {
	s := sftptest.NewServer(t)
	s.MkdirAll("/up")
	dir := t.TempDir()
	main, extra := filepath.Join(dir, "a.bin"), filepath.Join(dir, "b.jpg")
	os.WriteFile(main, bytes.Repeat([]byte("m"), 300_001), 0o644)
	os.WriteFile(extra, []byte("snapshot"), 0o644)

	var out, errs bytes.Buffer
	args := []string{"-child", "-host", s.Host, "-port", strconv.Itoa(s.Port), "-user", s.Username, "-folder", "/up",
		"-sessions", "1", "-repeat", "2", "push", main + "=rec.mp4", extra}
	if code := run(args, s.Password, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	for _, name := range []string{"rec.mp4-0", "rec.mp4-1"} {
		if got := len(s.ReadFile("/up/" + name)); got != 300_001 {
			t.Errorf("%s: %d bytes on the server", name, got)
		}
	}
	if got := string(s.ReadFile("/up/b.jpg-1")); got != "snapshot" {
		t.Errorf("extra: %q on the server", got)
	}
	if !strings.Contains(out.String(), "sessions 1\n") || !strings.Contains(out.String(), "peak-rss ") {
		t.Errorf("output %q: want the peak-rss and sessions lines", out.String())
	}

	// A wrong password fails the run and says why, without the password.
	out.Reset()
	errs.Reset()
	if code := run(args, "wrong-"+s.Password, &out, &errs); code != 1 || !strings.Contains(errs.String(), "SFTP_LOGIN_FAILED") {
		t.Errorf("wrong password: exit %d, stderr %q", code, errs.String())
	}
	if strings.Contains(errs.String(), s.Password) {
		t.Error("stderr holds the password")
	}
}
