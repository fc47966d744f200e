package sftppush_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
)

func TestDefaultRetryPolicySchedule(t *testing.T) {
	p := sftppush.DefaultRetryPolicy()
	if len(p.Delays)+1 != 13 {
		t.Errorf("%d attempts, want 13", len(p.Delays)+1)
	}
	var total time.Duration
	for i, d := range p.Delays {
		if i > 0 && d <= p.Delays[i-1] {
			t.Errorf("delay %d (%v) does not grow from %v", i, d, p.Delays[i-1])
		}
		total += d
	}
	if total < 73*time.Hour || total > 75*time.Hour {
		t.Errorf("schedule spans %v, want about 74h", total)
	}
	// The policy is a copy: changing it does not change the default.
	p.Delays[0] = time.Hour
	if sftppush.DefaultRetryPolicy().Delays[0] != time.Minute {
		t.Error("DefaultRetryPolicy returned shared state")
	}
}

func TestRetryPolicyNext(t *testing.T) {
	lost := &sftppush.Result{Status: sftppush.StatusUploadFailed, Reason: sftppush.ReasonConnectionLost}
	p := sftppush.DefaultRetryPolicy()
	seen := map[time.Duration]bool{}
	for n := 1; n <= 12; n++ {
		base := p.Delays[n-1]
		for range 50 {
			d, ok := p.Next(n, lost)
			if !ok || d < base*9/10 || d > base*11/10 {
				t.Fatalf("Next(%d) = %v, %v; want %v ±10%%", n, d, ok, base)
			}
			seen[d] = true
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct delays in 600 draws: no jitter", len(seen))
	}
	if _, ok := p.Next(13, lost); ok {
		t.Error("a 14th attempt was scheduled")
	}
	if _, ok := (sftppush.RetryPolicy{}).Next(1, lost); ok {
		t.Error("the zero policy retried")
	}
	if d, ok := (sftppush.RetryPolicy{Delays: []time.Duration{time.Second}}).Next(1, lost); !ok || d != time.Second {
		t.Errorf("no jitter: Next = %v, %v", d, ok)
	}
	if _, ok := p.Next(1, &sftppush.Result{Status: sftppush.StatusOK}); ok {
		t.Error("an OK push was retried")
	}
	if _, ok := p.Next(1, nil); ok {
		t.Error("a nil result was retried")
	}
}

func TestDefaultRetryable(t *testing.T) {
	tests := []struct {
		status sftppush.Status
		reason sftppush.Reason
		want   bool
	}{
		{sftppush.StatusConnectionTimeout, sftppush.ReasonDialTimeout, true},
		{sftppush.StatusConnectionTimeout, sftppush.ReasonHandshakeTimeout, true},
		{sftppush.StatusConnectionTimeout, sftppush.ReasonConnectionRefused, true},
		{sftppush.StatusConnectionTimeout, sftppush.ReasonHostNotFound, true},
		{sftppush.StatusUploadFailed, sftppush.ReasonConnectionLost, true},
		{sftppush.StatusUploadFailed, sftppush.ReasonNoSpace, true},
		{sftppush.StatusUploadFailed, sftppush.ReasonSizeMismatch, true},
		{sftppush.StatusUploadFailed, sftppush.ReasonRemoteError, true},
		{sftppush.StatusOK, sftppush.ReasonNone, false},
		{sftppush.StatusFileMissing, sftppush.ReasonFileMissing, false},
		{sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected, false},
		{sftppush.StatusLoginFailed, sftppush.ReasonPasswordNotOffered, false},
		{sftppush.StatusLoginFailed, sftppush.ReasonSubsystemUnavailable, false},
		{sftppush.StatusLoginFailed, sftppush.ReasonInvalidLogin, false},
		{sftppush.StatusIncorrectFolder, sftppush.ReasonInvalidFolder, false},
		{sftppush.StatusIncorrectFolder, sftppush.ReasonFolderNotFound, false},
		{sftppush.StatusIncorrectFolder, sftppush.ReasonFolderNotDirectory, false},
		{sftppush.StatusUploadFailed, sftppush.ReasonPermissionDenied, false},
		{sftppush.StatusUploadFailed, sftppush.ReasonInvalidGroup, false},
		{sftppush.StatusUploadFailed, sftppush.ReasonUploadCanceled, false},
		{sftppush.StatusConnectionTimeout, sftppush.ReasonConnectCanceled, false},
		{sftppush.StatusConnectionTimeout, sftppush.ReasonInvalidHost, false},
		{sftppush.StatusConnectionTimeout, sftppush.ReasonBlockedByPolicy, false},
		{sftppush.StatusConnectionTimeout, sftppush.ReasonHostKeyChanged, false},
		{sftppush.StatusConnectionTimeout, sftppush.ReasonHostKeyUnknown, false},
	}
	for _, tc := range tests {
		if got := sftppush.DefaultRetryable(&sftppush.Result{Status: tc.status, Reason: tc.reason}); got != tc.want {
			t.Errorf("%s/%s: retryable %v, want %v", tc.status, tc.reason, got, tc.want)
		}
	}
}

// fast is a policy for tests: real retries, millisecond waits.
func fast(attempts int) sftppush.RetryPolicy {
	p := sftppush.RetryPolicy{Jitter: 0.5}
	for range attempts - 1 {
		p.Delays = append(p.Delays, 2*time.Millisecond)
	}
	return p
}

// dropFirst returns a DialContext whose first n connections break after
// about limit bytes written: a connection lost mid-upload.
func dropFirst(n int32, limit int64) (func(ctx context.Context, network, addr string) (net.Conn, error), *atomic.Int32) {
	var dials atomic.Int32
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil || dials.Add(1) > n {
			return c, err
		}
		return &breakingConn{Conn: c, left: limit}, nil
	}, &dials
}

type breakingConn struct {
	net.Conn
	left int64
	sent atomic.Int64
}

func (b *breakingConn) Write(p []byte) (int, error) {
	if b.sent.Add(int64(len(p))) > b.left {
		b.Conn.Close()
		return 0, errors.New("test: connection broken")
	}
	return b.Conn.Write(p)
}

// A connection lost mid-upload is retried, attempts are numbered in the
// log entries, and retrying stops at the first success.
func TestPushWithRetryRecovers(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	dial, dials := dropFirst(2, 200_000)
	var sink sftptest.MemorySink
	p := newTestPusher(sftppush.Config{Sink: &sink, DialContext: dial})
	results := p.PushWithRetry(context.Background(), s.Credentials("/upload"), okGroup(t, 1<<20), fast(5))
	if len(results) != 3 {
		t.Fatalf("%d attempts, want 3 (2 broken, then success)", len(results))
	}
	for i, r := range results[:2] {
		if r.Status != sftppush.StatusUploadFailed || r.Reason != sftppush.ReasonConnectionLost {
			t.Errorf("attempt %d: %s/%s %v", i+1, r.Status, r.Reason, r.Err)
		}
	}
	if last := results[2]; last.Status != sftppush.StatusOK {
		t.Fatalf("last attempt: %s/%s %v", last.Status, last.Reason, last.Err)
	}
	if dials.Load() != 3 || s.Connections() != 3 {
		t.Errorf("dials %d, server connections %d; want 3", dials.Load(), s.Connections())
	}
	entries := sink.Entries()
	if len(entries) != 3 {
		t.Fatalf("%d log entries, want 3", len(entries))
	}
	for i, e := range entries {
		if e.Attempt != i+1 || results[i].Entry.Attempt != i+1 {
			t.Errorf("entry %d: Attempt %d (result's %d), want %d", i, e.Attempt, results[i].Entry.Attempt, i+1)
		}
	}
	// A plain Push does not number its entry.
	if res := p.Push(context.Background(), s.Credentials("/upload"), okGroup(t, 10)); res.Entry.Attempt != 0 {
		t.Errorf("Push: Attempt %d, want 0", res.Entry.Attempt)
	}
}

func TestPushWithRetryGivesUp(t *testing.T) {
	t.Run("schedule used up", func(t *testing.T) {
		s := serverWith(t, sftptest.Faults{DropAfterBytes: 50_000})
		results := newTestPusher(sftppush.Config{}).PushWithRetry(context.Background(), s.Credentials("/upload"), okGroup(t, 1<<20), fast(4))
		if len(results) != 4 || results[3].Reason != sftppush.ReasonConnectionLost || results[3].Entry.Attempt != 4 {
			t.Fatalf("%d attempts, last %+v", len(results), results[len(results)-1].Entry)
		}
	})
	t.Run("not retryable", func(t *testing.T) {
		s := serverWith(t, sftptest.Faults{})
		c := s.Credentials("/upload")
		c.Password += "-wrong"
		results := newTestPusher(sftppush.Config{}).PushWithRetry(context.Background(), c, okGroup(t, 10), fast(5))
		if len(results) != 1 || results[0].Reason != sftppush.ReasonAuthRejected || s.Connections() != 1 {
			t.Fatalf("%d attempts, %d connections; a wrong password must not be retried", len(results), s.Connections())
		}
	})
	t.Run("retried when asked", func(t *testing.T) {
		s := serverWith(t, sftptest.Faults{})
		c := s.Credentials("/upload")
		c.Password += "-wrong"
		pol := fast(3)
		pol.Retryable = func(r *sftppush.Result) bool {
			return r.Reason == sftppush.ReasonAuthRejected || sftppush.DefaultRetryable(r)
		}
		results := newTestPusher(sftppush.Config{}).PushWithRetry(context.Background(), c, okGroup(t, 10), pol)
		if len(results) != 3 || s.Connections() != 3 {
			t.Fatalf("%d attempts, %d connections; want 3", len(results), s.Connections())
		}
	})
	t.Run("blocked destination", func(t *testing.T) {
		results := sftppush.New(sftppush.Config{}).PushWithRetry(context.Background(), addrCreds(t, "10.0.0.1:22"), okGroup(t, 10), fast(5))
		if len(results) != 1 || results[0].Reason != sftppush.ReasonBlockedByPolicy {
			t.Fatalf("%d attempts, reason %s", len(results), results[0].Reason)
		}
	})
}

// A cancelled context ends a long wait at once, and leaves nothing running
// (TestMain's goleak checks the timer goroutine is gone).
func TestPushWithRetryHonoursContext(t *testing.T) {
	addr := sftptest.ClosedPort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pol := sftppush.RetryPolicy{Delays: []time.Duration{time.Hour, time.Hour}}
	var sink sftptest.MemorySink
	p := newTestPusher(sftppush.Config{Sink: sftppush.SinkFunc(func(ctx context.Context, e sftppush.LogEntry) error {
		cancel() // the first attempt is over: cancel during the wait
		return sink.Log(ctx, e)
	})})
	start := time.Now()
	results := p.PushWithRetry(ctx, addrCreds(t, addr), okGroup(t, 10), pol)
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("took %v: the wait ignored ctx", took)
	}
	if len(results) != 1 || results[0].Reason != sftppush.ReasonConnectionRefused || sink.Len() != 1 {
		t.Errorf("%d results, %d entries", len(results), sink.Len())
	}
}

// Wait is the schedule without a Result: the jittered wait after attempt
// n, and false once the schedule allows no more.
func TestRetryPolicyWait(t *testing.T) {
	p := sftppush.RetryPolicy{Delays: []time.Duration{time.Minute, time.Hour}, Jitter: 0.1}
	for n, want := range map[int]time.Duration{1: time.Minute, 2: time.Hour} {
		d, ok := p.Wait(n)
		if !ok || d < want*9/10 || d > want*11/10 {
			t.Errorf("Wait(%d) = %v, %v; want %v ±10%%", n, d, ok, want)
		}
	}
	for _, n := range []int{0, 3, -1} {
		if d, ok := p.Wait(n); ok {
			t.Errorf("Wait(%d) = %v, true; want no further attempt", n, d)
		}
	}
}

// PushAttempt numbers the attempt in its log entry, for a schedule kept
// elsewhere.
func TestPushAttemptNumbersTheEntry(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	var sink sftptest.MemorySink
	res := newTestPusher(sftppush.Config{Sink: &sink}).PushAttempt(context.Background(), s.Credentials("/upload"), okGroup(t, 100), 7)
	if res.Status != sftppush.StatusOK || res.Entry.Attempt != 7 || sink.Len() != 1 || sink.Entries()[0].Attempt != 7 {
		t.Fatalf("got %s, entry attempt %d, %d entries", res.Status, res.Entry.Attempt, sink.Len())
	}
}
