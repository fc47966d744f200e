package riverpush

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

const waitLimit = 20 * time.Second

// entries returns the world's log entries of one recording.
func (w *world) entries(rec string) []sftppush.LogEntry {
	var out []sftppush.LogEntry
	for _, e := range w.sink.Entries() {
		if e.RecordingID == rec {
			out = append(out, e)
		}
	}
	return out
}

// sameFile checks that the server has the recording's main file, whole.
func (w *world) sameFile(t *testing.T, rec string) {
	t.Helper()
	want, err := os.ReadFile(w.files[rec].Main.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.srv.ReadFile("/upload/" + rec + ".mp4"); !bytes.Equal(got, want) {
		t.Errorf("%s on the server: %d bytes, want %d, or different bytes", rec, len(got), len(want))
	}
}

func TestDeliveredFirstTry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		q := b.newQueue(t, w.config())
		startQueue(t, q)
		a := w.recording(t, "rec-1", 100_000)
		res, err := q.Insert(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateCompleted)
		es := w.entries("rec-1")
		if len(es) != 1 || es[0].Attempt != 1 || es[0].Status != sftppush.StatusOK || es[0].Account != "acme" {
			t.Fatalf("entries %+v: want one OK entry of attempt 1", es)
		}
		w.sameFile(t, "rec-1")
	})
}

func TestDroppedConnectionThenDelivered(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{DropAfterBytes: 50_000, DropConnections: 1})
		q := b.newQueue(t, w.config())
		startQueue(t, q)
		res, err := q.Insert(context.Background(), w.recording(t, "rec-1", 200_000))
		if err != nil {
			t.Fatal(err)
		}
		j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateCompleted)
		es := w.entries("rec-1")
		if len(es) != 2 || es[0].Attempt != 1 || es[0].Reason != sftppush.ReasonConnectionLost || es[1].Attempt != 2 || es[1].Status != sftppush.StatusOK {
			t.Fatalf("entries %+v: want attempt 1 connection_lost, attempt 2 OK", es)
		}
		if st := readState(j.Metadata); st.Attempts != 2 {
			t.Errorf("attempts counted %d, want 2", st.Attempts)
		}
		w.sameFile(t, "rec-1")
	})
}

// A wrong password is the customer's to fix: the job stops at once, and
// RetryDestination, once the form is saved again, delivers it.
func TestWrongPasswordStopsUntilRetryDestination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		good := w.srv.Credentials("/upload")
		bad := good
		bad.Password += "-typo"
		w.setCreds("dst-1", bad)
		q := b.newQueue(t, w.config())
		startQueue(t, q)
		ctx := context.Background()
		res, err := q.Insert(ctx, w.recording(t, "rec-1", 10_000))
		if err != nil {
			t.Fatal(err)
		}
		j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateCancelled)
		if st := readState(j.Metadata); st.Stopped != string(sftppush.ReasonAuthRejected) || st.Attempts != 1 {
			t.Errorf("stopped job: %+v, want auth_rejected after 1 attempt", st)
		}
		if es := w.entries("rec-1"); len(es) != 1 || es[0].Reason != sftppush.ReasonAuthRejected {
			t.Fatalf("entries %+v: want one auth_rejected", es)
		}

		w.setCreds("dst-1", good) // the customer fixed the password
		n, err := q.RetryDestination(ctx, "dst-1")
		if err != nil || n != 1 {
			t.Fatalf("RetryDestination = %d, %v; want 1", n, err)
		}
		if again, err := q.RetryDestination(ctx, "dst-1"); err != nil || again != 0 {
			t.Errorf("a second RetryDestination = %d, %v; want 0: the push is back already", again, err)
		}
		waitEntries(t, w, "rec-1", 2)
		es := w.entries("rec-1")
		if es[1].Status != sftppush.StatusOK || es[1].Attempt != 1 {
			t.Fatalf("entries %+v: want the retried push OK as attempt 1 of a fresh schedule", es)
		}
		if _, err := q.job(ctx, res.Job.ID); err == nil {
			t.Errorf("the stopped job is still there after RetryDestination")
		}
		w.sameFile(t, "rec-1")
	})
}

// waitEntries waits for n log entries of a recording.
func waitEntries(t *testing.T, w *world, rec string, n int) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); len(w.entries(rec)) < n; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d entries of %s, want %d: %+v", len(w.entries(rec)), rec, n, w.entries(rec))
		}
	}
}

func TestCredentialsDeletedCancels(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		w.deleteCreds("dst-1")
		q := b.newQueue(t, w.config())
		startQueue(t, q)
		res, err := q.Insert(context.Background(), w.recording(t, "rec-1", 10_000))
		if err != nil {
			t.Fatal(err)
		}
		j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateCancelled)
		if w.srv.Connections() != 0 || w.sink.Len() != 0 {
			t.Errorf("%d connections, %d entries: want no push at all", w.srv.Connections(), w.sink.Len())
		}
		if st := readState(j.Metadata); st.Stopped != "" || st.Attempts != 0 {
			t.Errorf("state %+v: want no attempt and not stopped for the customer", st)
		}
	})
}

func TestMainFileMissingStops(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		q := b.newQueue(t, w.config())
		startQueue(t, q)
		a := w.recording(t, "rec-1", 10_000)
		os.Remove(w.files["rec-1"].Main.Path)
		res, err := q.Insert(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateCancelled)
		es := w.entries("rec-1")
		if len(es) != 1 || es[0].Status != sftppush.StatusFileMissing || es[0].Attempt != 1 {
			t.Fatalf("entries %+v: want one FILE_MISSING entry", es)
		}
		if st := readState(j.Metadata); st.Stopped != "" {
			t.Errorf("stopped for %q: a missing local file is not the customer's to fix", st.Stopped)
		}
	})
}

func TestScheduleExhausted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{DropAfterBytes: 5_000})
		q := b.newQueue(t, w.config()) // 4 attempts
		startQueue(t, q)
		res, err := q.Insert(context.Background(), w.recording(t, "rec-1", 100_000))
		if err != nil {
			t.Fatal(err)
		}
		j := waitState(t, q, res.Job.ID, waitLimit, rivertype.JobStateCancelled)
		es := w.entries("rec-1")
		if len(es) != 4 {
			t.Fatalf("%d entries, want 4 (the schedule's attempts): %+v", len(es), es)
		}
		for i, e := range es {
			if e.Attempt != i+1 || e.Reason != sftppush.ReasonConnectionLost {
				t.Errorf("entry %d: attempt %d %s", i, e.Attempt, e.Reason)
			}
		}
		if st := readState(j.Metadata); st.Attempts != 4 || st.Stopped != string(sftppush.ReasonConnectionLost) {
			t.Errorf("state %+v: want 4 attempts, stopped for connection_lost", st)
		}
		if len(j.Errors) == 0 || !bytes.Contains([]byte(j.Errors[len(j.Errors)-1].Error), []byte("attempt 4: UPLOAD_FAILED/connection_lost")) {
			t.Errorf("job errors %v: want the last attempt's outcome", jobErrors(j))
		}
	})
}

func TestDuplicateSkipped(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newWorld(t, sftptest.Faults{})
		q := b.newQueue(t, w.config()) // not started: both inserts meet a waiting job
		ctx := context.Background()
		a := w.recording(t, "rec-1", 10)
		first, err := q.Insert(ctx, a)
		if err != nil || first.UniqueSkippedAsDuplicate {
			t.Fatalf("first insert: %+v, %v", first, err)
		}
		second, err := q.Insert(ctx, a)
		if err != nil || !second.UniqueSkippedAsDuplicate || second.Job.ID != first.Job.ID {
			t.Fatalf("second insert: %+v, %v; want skipped as the same job", second, err)
		}
		a.PushID = "again"
		third, err := q.Insert(ctx, a)
		if err != nil || third.UniqueSkippedAsDuplicate {
			t.Fatalf("a deliberate re-push: %+v, %v; want a job of its own", third, err)
		}
		if _, err := q.Insert(ctx, Args{RecordingID: "rec-2"}); err == nil {
			t.Error("Args without a destination were inserted")
		}
	})
}
