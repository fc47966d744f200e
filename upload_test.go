package sftppush_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
)

func TestPushExtras(t *testing.T) {
	t.Run("missing extra does not fail the push", func(t *testing.T) {
		s := serverWith(t, sftptest.Faults{})
		g := recording(t, 50_000)
		os.Remove(g.Extras[1].Path)
		res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
		if res.Status != sftppush.StatusOK {
			t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
		}
		want := []sftppush.FileState{sftppush.FileUploaded, sftppush.FileUploaded, sftppush.FileMissing, sftppush.FileUploaded}
		for i, fr := range res.Files {
			if fr.State != want[i] {
				t.Errorf("file %d (%s): state %s, want %s", i, fr.Remote, fr.State, want[i])
			}
		}
		// The push succeeded, so Result.Err is nil; the extra says why it
		// is missing.
		var e *sftppush.Error
		if res.Err != nil || !errors.As(res.Files[2].Err, &e) || !errors.Is(e, fs.ErrNotExist) ||
			res.Files[2].Reason != sftppush.ReasonFileMissing || e.Reason.Status() != sftppush.StatusFileMissing || e.Op != sftppush.OpOpen {
			t.Errorf("Err %v, extra's Err %v, reason %s: want the missing extra reported in its FileResult only", res.Err, res.Files[2].Err, res.Files[2].Reason)
		}
	})
	t.Run("failed extra does not fail the push", func(t *testing.T) {
		s := serverWith(t, sftptest.Faults{})
		g := recording(t, 50_000)
		s.MkdirAll("/upload/" + filepath.Base(g.Extras[0].Path)) // the server cannot write over a directory
		res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
		if res.Status != sftppush.StatusOK || res.Reason != sftppush.ReasonNone {
			t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
		}
		if fr := res.Files[1]; fr.State != sftppush.FileFailed || fr.Reason != sftppush.ReasonRemoteError || fr.Err == nil {
			t.Errorf("extra: %+v", fr)
		}
		if res.Files[2].State != sftppush.FileUploaded || res.Files[3].State != sftppush.FileUploaded {
			t.Errorf("later extras: %+v", res.Files[2:])
		}
		var pe *sftppush.Error
		if res.Err != nil || !errors.As(res.Files[1].Err, &pe) || pe.Reason != sftppush.ReasonRemoteError || pe.Reason.Status() != sftppush.StatusUploadFailed {
			t.Errorf("Err %v, extra's Err %v: want nil, and the failed extra's *Error in its FileResult", res.Err, res.Files[1].Err)
		}
	})
	t.Run("lost connection leaves the rest not attempted", func(t *testing.T) {
		// The main file (50,000 bytes) gets through; the raw file (300,000)
		// does not.
		s := serverWith(t, sftptest.Faults{DropAfterBytes: 150_000})
		g := recording(t, 50_000)
		res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
		if res.Status != sftppush.StatusOK {
			t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
		}
		want := []sftppush.FileState{sftppush.FileUploaded, sftppush.FileFailed, sftppush.FileNotAttempted, sftppush.FileNotAttempted}
		for i, fr := range res.Files {
			if fr.State != want[i] {
				t.Errorf("file %d: state %s, want %s", i, fr.State, want[i])
			}
		}
		if res.Files[1].Reason != sftppush.ReasonConnectionLost {
			t.Errorf("raw file reason %s, want connection_lost", res.Files[1].Reason)
		}
	})
}

// A local read error during the upload is told apart from a remote one.
func TestUploadLocalReadError(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	c := testConnect(t, newTestPusher(sftppush.Config{}), s.Credentials("/upload"))
	path := writeLocal(t, t.TempDir(), "x.mp4", 100_000)
	f, _ := os.Open(path)
	f.Close() // reads now fail with os.ErrClosed
	fr := &sftppush.FileResult{Local: path, Remote: "x.mp4", Size: 100_000}
	perr := sftppush.UploadFile(c, "/upload", fr, f)
	if perr == nil || perr.Reason != sftppush.ReasonLocalReadError || perr.Reason.Status() != sftppush.StatusUploadFailed || !errors.Is(perr, os.ErrClosed) {
		t.Fatalf("got %v, want local_read_error wrapping os.ErrClosed", perr)
	}
}
