package riverpush

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/sftppush/sftppush"
)

// worker runs push jobs: River's Worker for Args.
type worker struct {
	river.WorkerDefaults[Args]
	s      *settings
	pusher *sftppush.Pusher
	limit  limiter

	// waits holds the wait Work decided for a job, by job ID, until River
	// asks NextRetry for it, right after Work in the same goroutine. A job
	// with none there was rescued after its worker died.
	waits sync.Map
}

func newWorker(s *settings, l limiter) *worker {
	return &worker{s: s, pusher: sftppush.New(s.cfg.Push), limit: l}
}

// Timeout is the job's time limit, from its size.
func (w *worker) Timeout(job *river.Job[Args]) time.Duration { return w.s.timeout(job.Args) }

// Work makes one push attempt, or finds why none can be made now.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	a := job.Args
	st := readState(job.Metadata)
	n := st.Attempts + 1
	if n > len(w.s.policy.Delays)+1 {
		return river.JobCancel(fmt.Errorf("riverpush: the schedule's %d attempts are used up", n-1))
	}
	// The slot first: a job that must wait for one does not look
	// anything up.
	release, ok, err := w.waitSlot(ctx, a.DestinationID)
	if err != nil {
		return w.lookupFailed(ctx, job, "a connection slot", err)
	}
	if !ok {
		// Every slot of the destination stayed busy: wait without using
		// an attempt, longer each time, at random so that waiting jobs
		// spread.
		return river.JobSnooze(snoozeWait(st.Snoozes))
	}
	defer release()
	creds, err := w.s.cfg.Credentials(ctx, a.DestinationID)
	if err != nil {
		return w.lookupFailed(ctx, job, "credentials of destination "+a.DestinationID, err)
	}
	g, err := w.s.cfg.Group(ctx, a)
	if err != nil {
		return w.lookupFailed(ctx, job, "files of recording "+a.RecordingID, err)
	}
	if g.RecordingID == "" {
		g.RecordingID = a.RecordingID
	}
	if g.Account == "" {
		g.Account = a.Account
	}
	res := w.pusher.PushAttempt(ctx, creds, g, n)
	release()
	if errors.Is(ctx.Err(), context.Canceled) {
		// A shutdown (or a cancel of the job): the attempt does not count,
		// and River puts the job back as it was.
		return ctx.Err()
	}
	river.MetadataSet(ctx, metaAttempts, n)
	return w.outcome(ctx, job, n, res)
}

// outcome turns an attempt's Result into the job's next state: completed,
// retried after the schedule's wait, or stopped.
func (w *worker) outcome(ctx context.Context, job *river.Job[Args], n int, res *sftppush.Result) error {
	if res.Status == sftppush.StatusOK {
		return nil
	}
	err := &PushError{Attempt: n, Status: res.Status, Reason: res.Reason, Err: res.Err}
	if wait, ok := w.s.policy.Next(n, res); ok {
		w.waits.Store(job.ID, wait)
		return err
	}
	if customerCanFix(res) {
		river.MetadataSet(ctx, metaStopped, string(res.Reason))
	}
	return river.JobCancel(err)
}

// customerCanFix reports whether a push stopped for the destination's
// sake, so that RetryDestination should try it again once the customer
// fixed the server or the form: anything but a missing local file or a
// malformed group, which are the service's own.
func customerCanFix(res *sftppush.Result) bool {
	return res.Status != sftppush.StatusFileMissing && res.Reason != sftppush.ReasonInvalidGroup
}

// lookupFailed handles a failed lookup before the push: a thing that is
// gone cancels the job; a failing store retries it soon without using an
// attempt of the schedule.
func (w *worker) lookupFailed(ctx context.Context, job *river.Job[Args], what string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return river.JobCancel(fmt.Errorf("riverpush: the %s are gone, nothing to push: %w", what, err))
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	w.waits.Store(job.ID, backoff(job.Attempt, 30*time.Second, 30*time.Minute))
	return fmt.Errorf("riverpush: looking up the %s: %w", what, err)
}

// NextRetry is when River runs the job again after Work returned an error:
// the wait Work decided, or, for a job rescued after its worker died, the
// schedule's wait after the attempts made (the one that died is not one).
func (w *worker) NextRetry(job *river.Job[Args]) time.Time {
	if d, ok := w.waits.LoadAndDelete(job.ID); ok {
		return time.Now().Add(d.(time.Duration))
	}
	d, ok := w.s.policy.Wait(max(readState(job.Metadata).Attempts, 1))
	if !ok {
		d = 0 // the next Work says the schedule is used up
	}
	return time.Now().Add(d)
}

// slotWait is how long a worker waits in place for a slot of its job's
// destination before it snoozes the job: a slot is often free again
// within a push of a small file, and a snoozed job goes back behind
// others.
const slotWait = 2 * time.Second

// waitSlot takes a slot of the destination, trying again every 50 to
// 200 ms for up to slotWait.
func (w *worker) waitSlot(ctx context.Context, dest string) (release func(), ok bool, err error) {
	deadline := time.Now().Add(slotWait)
	for try := 1; ; try++ {
		release, ok, err = w.limit.acquire(ctx, dest, w.s.perDestination)
		if ok || err != nil || !time.Now().Before(deadline) {
			return release, ok, err
		}
		t := time.NewTimer(backoff(try, 100*time.Millisecond, 200*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false, ctx.Err()
		case <-t.C:
		}
	}
}

// snoozeWait is the wait of a job that found every slot of its destination
// busy for the nth time: from a second, doubling, up to 10 s, each between
// half and all of it.
func snoozeWait(n int) time.Duration {
	return backoff(n+1, time.Second, 10*time.Second)
}

// backoff is base doubled n-1 times, at most ceiling, spread at random
// between half and all of it.
func backoff(n int, base, ceiling time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + rand.N(d/2+1)
}

// PushError is the error of a push job's attempt that did not deliver, as
// River records it with the job: the attempt's number, its Status and
// Reason, and the push's *sftppush.Error.
type PushError struct {
	Attempt int
	Status  sftppush.Status
	Reason  sftppush.Reason
	Err     error
}

// Error names the attempt and the outcome.
func (e *PushError) Error() string {
	return fmt.Sprintf("attempt %d: %s/%s: %v", e.Attempt, e.Status, e.Reason, e.Err)
}

// Unwrap returns the push's error.
func (e *PushError) Unwrap() error { return e.Err }
