package sftppush_test

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// progressCall is one call of Config.Progress, with what the server held
// of the file being written at that moment.
type progressCall struct {
	recording    string
	file         int
	done, size   int64
	storedBefore int64 // the largest file in the folder when the call came
}

type progressLog struct {
	mu    sync.Mutex
	calls []progressCall
}

// largestStored is the size of the largest file in dir: the file being
// written, whatever its temporary name.
func largestStored(t *testing.T, dir string) int64 {
	var most int64
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			most = max(most, fi.Size())
		}
	}
	return most
}

func (l *progressLog) record(t *testing.T, dir string) func(string, int, int64, int64) {
	return func(rec string, file int, done, size int64) {
		stored := largestStored(t, dir)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.calls = append(l.calls, progressCall{rec, file, done, size, stored})
	}
}

// check verifies the calls of one push of g: per file, counts that never
// go down and never pass the size, never ahead of what the server stored,
// and a last call at the full size for every uploaded file; it returns how
// many calls came before a file's end.
func (l *progressLog) check(t *testing.T, g sftppush.Group, res *sftppush.Result) (midway int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	last := map[int]int64{}
	ended := map[int]bool{}
	prevFile := 0
	for _, c := range l.calls {
		if c.recording != g.RecordingID {
			t.Errorf("call for recording %q, want %q", c.recording, g.RecordingID)
		}
		if c.file < prevFile {
			t.Errorf("file %d reported after file %d", c.file, prevFile)
		}
		prevFile = c.file
		if c.size != res.Files[c.file].Size || c.done < last[c.file] || c.done > c.size || ended[c.file] {
			t.Errorf("file %d: call done %d of %d after %d (ended %v)", c.file, c.done, c.size, last[c.file], ended[c.file])
		}
		if c.done < c.size && c.done > c.storedBefore {
			t.Errorf("file %d: %d bytes reported acknowledged while the server held %d", c.file, c.done, c.storedBefore)
		}
		last[c.file] = c.done
		if c.done == c.size {
			ended[c.file] = true
		} else {
			midway++
		}
	}
	for i, fr := range res.Files {
		if fr.State == sftppush.FileUploaded && !ended[i] {
			t.Errorf("file %d (%s) uploaded without a last call at its size", i, fr.Remote)
		}
	}
	return midway
}

func TestProgress(t *testing.T) {
	for _, striped := range []bool{false, true} {
		name := map[bool]string{false: "one session", true: "striped"}[striped]
		t.Run(name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
			s := serverWith(t, sftptest.Faults{})
			g := recording(t, 3_000_000)
			var log progressLog
			cfg := sftppush.Config{MaxSessions: 4, Progress: log.record(t, s.Path("/upload"))}
			// About 2 s of upload: several reports of the main file.
			cfg.DialContext = dialWrapped(func(c net.Conn) net.Conn { return &slowConn{Conn: c, rate: 2 << 20} })
			p := newTestPusher(cfg)
			if striped {
				p = stripedPusher(cfg)
			}
			res := p.Push(context.Background(), s.Credentials("/upload"), g)
			if res.Status != sftppush.StatusOK {
				t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
			}
			if striped && res.Files[0].Sessions < 2 {
				t.Fatalf("main file written over %d sessions, want it striped", res.Files[0].Sessions)
			}
			if midway := log.check(t, g, res); midway < 2 {
				t.Errorf("%d calls before a file's end over a 2 s upload, want several", midway)
			}
		})
	}
}

// A callback that does not return until the main file is on the server:
// the upload must go on without it.
func TestProgressCallbackNeverHoldsTheUpload(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	g := recording(t, 3_000_000)
	want, err := os.ReadFile(g.Main.Path)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	held, firstMidway := false, false
	cfg := sftppush.Config{Progress: func(_ string, file int, done, size int64) {
		once.Do(func() {
			firstMidway = file == 0 && done < size
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if b, err := os.ReadFile(s.Path("/upload/rec.mp4")); err == nil && len(b) == len(want) {
					return
				}
			}
			held = true
		})
	}}
	cfg.DialContext = dialWrapped(func(c net.Conn) net.Conn { return &slowConn{Conn: c, rate: 4 << 20} })
	res := newTestPusher(cfg).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK || held {
		t.Fatalf("got %s/%s %v; upload waited for the callback: %v", res.Status, res.Reason, res.Err, held)
	}
	if !firstMidway {
		t.Error("the first call came after the main file's end: the test proves nothing")
	}
}

// A failed push never reports its main file whole.
func TestProgressOfAFailedPush(t *testing.T) {
	s := serverWith(t, sftptest.Faults{QuotaBytes: 1_000_000})
	g := recording(t, 3_000_000)
	var log progressLog
	res := newTestPusher(sftppush.Config{Progress: log.record(t, s.Path("/upload"))}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusUploadFailed {
		t.Fatalf("got %s/%s %v, want UPLOAD_FAILED", res.Status, res.Reason, res.Err)
	}
	log.check(t, g, res)
	for _, c := range log.calls {
		if c.file == 0 && c.done == c.size {
			t.Errorf("the main file reported whole: %+v", c)
		}
	}
}
