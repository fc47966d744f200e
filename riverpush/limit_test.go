package riverpush

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// Pushes to one destination beyond its limit wait their turn, without
// using an attempt: at most PerDestination connections at the server at
// once, every job delivered on its first attempt. Pushes take 2 s here,
// longer than a worker waits in place for a slot, so some jobs snooze.
func TestPerDestinationLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		slowCreds(t, w, "dst-1", 512<<10) // 2 s a push: longer than a worker waits for a slot
		cfg := w.config()
		cfg.PerDestination = 2
		cfg.Workers = 6
		q := b.newQueue(t, cfg)
		startQueue(t, q)
		var ids []int64
		for i := range 6 {
			res, err := q.Insert(context.Background(), w.recording(t, fmt.Sprintf("rec-%d", i), 1<<20))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.Job.ID)
		}
		snoozed := 0
		for i, id := range ids {
			j := waitState(t, q, id, 60*time.Second, rivertype.JobStateCompleted)
			st := readState(j.Metadata)
			snoozed += st.Snoozes
			if st.Attempts != 1 {
				t.Errorf("job %d: %d attempts, want 1: waiting for a slot uses none", id, st.Attempts)
			}
			w.sameFile(t, fmt.Sprintf("rec-%d", i))
		}
		if p := w.srv.PeakConnections(); p != 2 {
			t.Errorf("%d connections at once at the server, want the limit, 2", p)
		}
		if snoozed == 0 {
			t.Errorf("no job waited for a slot: the test did not exercise the limit")
		}
		t.Logf("peak %d connections, %d snoozes in all", w.srv.PeakConnections(), snoozed)
	})
}

// A failing store is retried a little later, without using an attempt.
func TestLookupFailureRetried(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		cfg := w.config()
		fails := 2
		lookup := cfg.Credentials
		cfg.Credentials = func(ctx context.Context, dest string) (sftppush.Credentials, error) {
			w.mu.Lock()
			fail := fails > 0
			fails--
			w.mu.Unlock()
			if fail {
				return sftppush.Credentials{}, fmt.Errorf("the credentials database is down")
			}
			return lookup(ctx, dest)
		}
		q := b.newQueue(t, cfg)
		startQueue(t, q)
		res, err := q.Insert(context.Background(), w.recording(t, "rec-1", 1000))
		if err != nil {
			t.Fatal(err)
		}
		// Two failed lookups wait 15-30 s and 30-60 s: too long for a
		// test, so the job is made available again by hand, as River's
		// scheduler would.
		for run := 1; run <= 2; run++ {
			j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateRetryable)
			for j.Attempt < run { // the previous run's state, not yet this one's
				j = waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateRetryable)
			}
			if wait := time.Until(j.ScheduledAt); wait < 10*time.Second || wait > 2*time.Minute {
				t.Errorf("failed lookup %d waits %v", run, wait)
			}
			if st := readState(j.Metadata); st.Attempts != 0 {
				t.Errorf("failed lookup %d counted as an attempt: %d", run, st.Attempts)
			}
			retryNow(t, q, res.Job.ID)
		}
		j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateCompleted)
		if st := readState(j.Metadata); st.Attempts != 1 || j.Attempt != 3 {
			t.Errorf("our attempts %d, River's runs %d; want 1 and 3", st.Attempts, j.Attempt)
		}
		if es := w.entries("rec-1"); len(es) != 1 || es[0].Attempt != 1 {
			t.Errorf("entries %+v: want one, attempt 1", es)
		}
	})
}
