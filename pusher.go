package sftppush

import (
	"context"
	"sync/atomic"
	"time"
)

// Pusher pushes recording groups. It is safe for concurrent use; each Push
// opens its own connection. The zero value is ready to use with the zero
// Config.
type Pusher struct {
	cfg    Config
	tune   stripeTuning // tests force striping on loopback with it
	active atomic.Int32 // pushes in progress (crowded)
}

// New returns a Pusher with the given configuration.
func New(cfg Config) *Pusher { return &Pusher{cfg: cfg} }

// Push makes one attempt to push the group's files to the server named by
// creds, and returns its outcome. It never returns nil and never panics on
// bad input. The steps, each ending the attempt with its Status on failure:
//
//  1. check the group (UPLOAD_FAILED, ReasonInvalidGroup) and open its
//     local files; a missing or unreadable main file ends the attempt with
//     FILE_MISSING before any connection is opened;
//  2. validate creds (ReasonInvalidHost, ReasonInvalidLogin or
//     ReasonInvalidFolder);
//  3. open one SSH connection with password authentication and start SFTP,
//     all within Config.ConnectTimeout;
//  4. upload the main file, then the extras in order, each verified by its
//     remote size; a failed extra does not fail the push;
//  5. close the connection and write one LogEntry to Config.Sink.
//
// When ctx is cancelled the connection is closed at once and Push returns
// with ReasonConnectCanceled or ReasonUploadCanceled. A deadline on ctx is
// a time limit for the attempt instead: reaching it ends the attempt as
// the connect limit or the watchdog would (ReasonDialTimeout,
// ReasonHandshakeTimeout, ReasonStalled), and DefaultRetryable retries it.
// Nothing Push starts outlives it: no goroutine, socket or open file. A nil
// ctx is taken as context.Background(), as a convenience; pass a real one.
func (p *Pusher) Push(ctx context.Context, creds Credentials, g Group) *Result {
	return p.push(ctx, creds, g, 0)
}

// PushAttempt is Push for attempt number n of a schedule kept elsewhere, such
// as a durable queue's: the same attempt, with n in LogEntry.Attempt.
func (p *Pusher) PushAttempt(ctx context.Context, creds Credentials, g Group, n int) *Result {
	return p.push(ctx, creds, g, n)
}

// push is Push with the attempt's number for LogEntry.Attempt (0: unknown).
func (p *Pusher) push(ctx context.Context, creds Credentials, g Group, number int) *Result {
	if ctx == nil {
		ctx = context.Background()
	}
	a := p.newAttempt(creds, number)
	a.set.crowded = p.active.Add(1) > crowdedAt()
	defer p.active.Add(-1)
	a.recordingID, a.account = g.RecordingID, g.Account
	a.push(ctx, g)
	return a.finish(ctx)
}

// Check is the "test connection" button of the credentials form. It does
// what a push does up to the first file and returns the Status and Reason a
// push would: it validates creds, connects, logs in, starts SFTP, then
// writes a small probe file to the folder, verifies its size and removes
// it. The probe is written in place under a hidden name,
// ".sftppush-check.<8 hex digits>" + TempSuffix, that a scan for recordings
// does not match.
//
// When the server refuses removes (OpenSSH's "-P remove"), the probe file
// stays in the folder; its path is in Result.Leftovers and the Status is
// still OK. Result.Files has one entry, the probe.
//
// A Check is not a push attempt: it writes no entry to Config.Sink. The
// entry it would have written is in Result.Entry, for callers who want to
// keep it. A nil ctx is taken as context.Background(), as in Push.
func (p *Pusher) Check(ctx context.Context, creds Credentials) *Result {
	if ctx == nil {
		ctx = context.Background()
	}
	a := p.newAttempt(creds, 0)
	a.check = true
	a.runCheck(ctx)
	return a.finish(ctx)
}

// PushWithRetry pushes the group, and pushes it again as policy says until
// an attempt succeeds, the policy says stop, or ctx ends. It is meant for
// short retries (a connection lost mid-upload); schedules of hours belong in
// a durable queue that calls policy.Next itself.
//
// It returns every attempt's Result in order; the last is the outcome.
// Each attempt writes its own log entry, with LogEntry.Attempt numbering it
// from 1. When ctx ends during a wait, no further attempt is made and
// nothing is left running. A nil ctx is taken as context.Background(), as
// in Push.
func (p *Pusher) PushWithRetry(ctx context.Context, creds Credentials, g Group, policy RetryPolicy) []*Result {
	if ctx == nil {
		ctx = context.Background()
	}
	var results []*Result
	for n := 1; ; n++ {
		res := p.push(ctx, creds, g, n)
		results = append(results, res)
		wait, ok := policy.Next(n, res)
		if !ok || ctx.Err() != nil {
			return results
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return results
		case <-t.C:
		}
	}
}
