package riverpush

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/internal/wanproxy"
	"github.com/sftppush/sftppush/sftptest"
)

// slowCreds routes the world's destination through a proxy that carries
// rate bytes per second, and returns the proxy.
func slowCreds(t *testing.T, w *world, dest string, rate float64) *wanproxy.Proxy {
	p, err := wanproxy.Start(w.srv.Addr, wanproxy.Config{Rate: rate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	host, port, _ := net.SplitHostPort(p.Addr)
	c := w.srv.Credentials("/upload")
	c.Host = host
	c.Port, _ = strconv.Atoi(port)
	w.setCreds(dest, c)
	return p
}

// waitUploading waits until the server holds part of a temporary file.
func waitUploading(t *testing.T, w *world) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); len(w.srv.Opens()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the upload never started")
		}
	}
	time.Sleep(300 * time.Millisecond) // some bytes on their way
}

// A shutdown mid-upload closes the connection and puts the job back as
// it was, the attempt not used; a queue started later delivers it.
func TestShutdownPutsTheJobBack(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		slowCreds(t, w, "dst-1", 256<<10)
		first := b.newQueue(t, w.config())
		if err := first.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		res, err := first.Insert(context.Background(), w.recording(t, "rec-1", 4<<20))
		if err != nil {
			t.Fatal(err)
		}
		waitUploading(t, w)
		stopAt := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := first.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("stopped in %v", time.Since(stopAt).Round(time.Millisecond))
		j := waitState(t, first, res.Job.ID, waitLimit, rivertype.JobStateAvailable)
		if st := readState(j.Metadata); st.Attempts != 0 || j.Attempt != 0 {
			t.Errorf("after the shutdown: our attempts %d, River's %d; want both 0", st.Attempts, j.Attempt)
		}
		if es := w.entries("rec-1"); len(es) != 1 || es[0].Reason != sftppush.ReasonUploadCanceled {
			t.Fatalf("entries %+v: want the interrupted attempt logged as upload_canceled", es)
		}

		w.setCreds("dst-1", w.srv.Credentials("/upload")) // the restarted service's link is fast
		second := b.newQueue(t, w.config())
		startQueue(t, second)
		j = waitState(t, second, res.Job.ID, waitLimit, rivertype.JobStateCompleted)
		es := w.entries("rec-1")
		if len(es) != 2 || es[1].Status != sftppush.StatusOK || es[1].Attempt != 1 {
			t.Fatalf("entries %+v: want the restarted push OK, still attempt 1", es)
		}
		if st := readState(j.Metadata); st.Attempts != 1 {
			t.Errorf("attempts counted %d, want 1", st.Attempts)
		}
		w.sameFile(t, "rec-1")
	})
}
