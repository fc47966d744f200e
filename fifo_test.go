//go:build unix

package sftppush_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// A named pipe as the main file or an extra is refused at once, not
// opened: opening a pipe waits for a writer, which would hang the push
// beyond its context and watchdog.
func TestPushRefusesNamedPipes(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	fifo := filepath.Join(t.TempDir(), "rec.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("cannot make a named pipe here:", err)
	}
	done := make(chan *sftppush.Result, 2)
	go func() {
		done <- newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), sftppush.Group{Main: sftppush.File{Path: fifo}})
	}()
	go func() {
		g := okGroup(t, 100)
		g.Extras = []sftppush.File{{Path: fifo, RemoteName: "extra.mp4"}}
		done <- newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
	}()
	for range 2 {
		select {
		case res := <-done:
			if res.Files[0].Local == fifo {
				if res.Status != sftppush.StatusFileMissing || res.Reason != sftppush.ReasonFileUnreadable {
					t.Errorf("a pipe as the main file: %s/%s %v, want FILE_MISSING/file_unreadable", res.Status, res.Reason, res.Err)
				}
			} else if res.Status != sftppush.StatusOK || res.Files[1].State != sftppush.FileMissing || res.Files[1].Reason != sftppush.ReasonFileUnreadable {
				t.Errorf("a pipe as an extra: %s, extra %+v", res.Status, res.Files[1])
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a push of a named pipe hangs")
		}
	}
}
