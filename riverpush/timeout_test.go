package riverpush

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// A job's time limit grows with its size: a 2 GiB recording is not cut at
// a minute, and a small one that crashed is rescued in minutes.
func TestTimeoutFromSize(t *testing.T) {
	s, err := resolve(Config{Credentials: func(context.Context, string) (sftppush.Credentials, error) { return sftppush.Credentials{}, nil },
		Group: func(context.Context, Args) (sftppush.Group, error) { return sftppush.Group{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.timeout(Args{TotalBytes: 100 << 10}); got < 2*time.Minute || got > 2*time.Minute+time.Second {
		t.Errorf("a 100 KiB recording: %v, want about 2 minutes", got)
	}
	if got, want := s.timeout(Args{TotalBytes: 2 << 30}), 2*time.Minute+2048*time.Second; got != want {
		t.Errorf("a 2 GiB recording: %v, want %v (2 minutes and 2 GiB at 1 MiB/s)", got, want)
	}
	if _, err := resolve(Config{}); err == nil {
		t.Error("a Config without lookups was accepted")
	}
}

// A push that runs past its job's time limit is a stall, retried on the
// schedule, not a cancel.
func TestJobTimeoutIsAStall(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{StallAfterBytes: 10_000})
		cfg := w.config()
		cfg.Push.StallTimeout = -1 // only the job's limit ends it
		cfg.MinTimeout = time.Second
		cfg.Policy = &sftppush.RetryPolicy{Delays: []time.Duration{100 * time.Millisecond}}
		q := b.newQueue(t, cfg)
		startQueue(t, q)
		res, err := q.Insert(context.Background(), w.recording(t, "rec-1", 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateCancelled)
		es := w.entries("rec-1")
		if len(es) != 2 {
			t.Fatalf("%d entries, want 2 (the schedule's attempts): %+v", len(es), es)
		}
		for _, e := range es {
			if e.Reason != sftppush.ReasonStalled || e.Duration > 3*time.Second {
				t.Errorf("attempt %d: %s after %v, want stalled at the job's 1 s limit", e.Attempt, e.Reason, e.Duration)
			}
		}
		if st := readState(j.Metadata); st.Stopped != string(sftppush.ReasonStalled) {
			t.Errorf("stopped for %q, want stalled", st.Stopped)
		}
	})
}

// CancelDestination removes what waits for a destination whose
// credentials the customer removed.
func TestCancelDestination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		q := b.newQueue(t, w.config()) // not started: the jobs wait
		ctx := context.Background()
		var ids []int64
		for _, rec := range []string{"rec-1", "rec-2"} {
			res, err := q.Insert(ctx, w.recording(t, rec, 10))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.Job.ID)
		}
		other := w.recording(t, "rec-3", 10)
		other.DestinationID = "dst-2"
		kept, err := q.Insert(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		n, err := q.CancelDestination(ctx, "dst-1")
		if err != nil || n != 2 {
			t.Fatalf("CancelDestination = %d, %v; want 2", n, err)
		}
		for _, id := range ids {
			if _, err := q.job(ctx, id); err == nil {
				t.Errorf("job %d of the removed destination is still there", id)
			}
		}
		if j, err := q.job(ctx, kept.Job.ID); err != nil || j.State != rivertype.JobStateAvailable {
			t.Errorf("the other destination's job: %v, %v", j, err)
		}
	})
}

// Connections of their own (as processes would have) migrating one SQLite
// file at once all succeed.
func TestMigrateSQLiteConcurrently(t *testing.T) {
	path := t.TempDir() + "/queue.sqlite"
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := OpenSQLite(path)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- MigrateSQLite(context.Background(), db)
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
