package sftppush

import (
	"context"
	"time"

	"github.com/sftppush/sftppush/internal/textcap"
)

// attempt is one Push or Check. Data flows one way through its steps:
// the plan (every local file opened and measured, before connecting), the
// destination (validated credentials), the connection (given plain values,
// returning plain values), the uploads, and finish, which decides the
// outcome and writes the log entry.
type attempt struct {
	set         *settings
	creds       Credentials
	recordingID string
	account     string
	number      int  // LogEntry.Attempt
	check       bool // a Check, not a Push: no sink

	start     time.Time
	connected time.Time // when the connection was open; zero if it never was
	dest      destination
	peer      peer
	files     []FileResult
	res       Result
}

func (p *Pusher) newAttempt(creds Credentials, number int) *attempt {
	return &attempt{set: resolve(p.cfg, p.tune), creds: creds, number: number, start: time.Now()}
}

// fail records the attempt's outcome.
func (a *attempt) fail(e *Error) {
	a.res.Status, a.res.Reason, a.res.Err = e.Reason.Status(), e.Reason, e
}

// push runs a Push's steps in order; each failure ends it.
func (a *attempt) push(ctx context.Context, g Group) {
	pl, err := newPlan(g)
	a.files = pl.files
	if err != nil {
		a.fail(err)
		return
	}
	defer pl.close()
	c, ok := a.connect(ctx, pl.largest())
	if !ok {
		return
	}
	defer func() { c.close(ctx.Err() == nil && c.guard.stalled() == nil) }()
	u := newUploader(c, a.creds.Folder)
	u.progress = newReporter(a.set.progress, g.RecordingID, c.acks)
	defer u.progress.close() // before the connection's close: Push returns after the last call
	u.startSweep()
	a.uploadFiles(ctx, u, pl)
	names := make([]string, len(a.files))
	for i, f := range a.files {
		names[i] = f.Remote
	}
	u.finishSweep(names, a.files[0].State == FileUploaded)
	a.res.Leftovers = u.leftovers
}

// uploadFiles uploads the group's files in order, each file's commit
// running beside the next file's upload (overlap.go), and records each
// file's outcome.
func (a *attempt) uploadFiles(ctx context.Context, u *uploader, pl *plan) {
	// prev is the last file's commit, still running while this file's
	// bytes go (overlap.go); settle waits for it and records its outcome.
	var prev *commit
	settle := func() (stop bool) {
		if prev == nil {
			return false
		}
		c := prev
		prev = nil
		defer u.progress.release()
		return a.record(u, c.index, c.wait(ctx))
	}
	for i := range a.files {
		fr := &a.files[i]
		if fr.State == FileMissing {
			continue // an extra that could not be opened; the plan says why
		}
		u.progress.begin(i, fr.Size)
		var next *FileResult // opened while this file is sent; not while the main file is
		if i > 0 {
			next = a.nextFile(i)
		}
		c, err := u.upload(ctx, fr, pl.local[i], next)
		if c != nil {
			c.index = i
			c.start(ctx) // its size check now, its rename once prev settled
			u.progress.hold()
		}
		if settle() {
			if c != nil {
				c.abandon()
				u.progress.release()
			}
			break
		}
		if c == nil {
			if a.record(u, i, err) {
				break
			}
			continue
		}
		c.proceed(true)
		prev = c
		// The main file is on the server before any extra is sent: no
		// trouble of an extra's can cost it its rename. The next file is
		// opened while the rename is on its way, once the main file's
		// size is verified.
		if i == 0 {
			if c.passedCheck() {
				u.openAhead(a.nextFile(0))
			}
			if settle() {
				break
			}
		}
	}
	settle()
	u.dropAhead(ctx)
}

// nextFile is the file uploaded after file i, nil if none.
func (a *attempt) nextFile(i int) *FileResult {
	for j := i + 1; j < len(a.files); j++ {
		if a.files[j].State != FileMissing {
			return &a.files[j]
		}
	}
	return nil
}

// record sets file i's outcome, err nil meaning uploaded, and reports
// whether the push stops there: the main file decides, and a connection
// that is gone takes the rest with it.
func (a *attempt) record(u *uploader, i int, err *Error) (stop bool) {
	fr := &a.files[i]
	if err == nil {
		fr.State = FileUploaded
		u.progress.uploaded(i, fr.Size)
		return false
	}
	fr.State, fr.Err, fr.Reason = FileFailed, err, err.Reason
	if i == 0 {
		a.fail(err)
		return true
	}
	return err.Reason.connectionGone()
}

// connect validates the credentials and opens the connection. On failure
// it records the outcome and returns false.
//
// The folder is not checked here: the first file's open inside it proves
// that it exists and is a directory, so a round trip is spent on Stat only
// when that open fails (see uploader.folderProblem). Far from the server
// every round trip is felt.
func (a *attempt) connect(ctx context.Context, largest int64) (*conn, bool) {
	dest, err := destinationOf(a.creds)
	if err != nil {
		a.fail(err)
		return nil, false
	}
	a.dest = dest
	c, pr, err := connect(ctx, a.set, dest, largest)
	a.peer = pr
	if err != nil {
		a.fail(err)
		return nil, false
	}
	a.connected = time.Now()
	return c, true
}

// finish fills in the outcome, writes the log entry and returns the Result.
func (a *attempt) finish(ctx context.Context) *Result {
	if a.res.Status == "" {
		a.res.Status, a.res.Reason = StatusOK, ReasonNone
	}
	for i := range a.files {
		if a.files[i].State == "" {
			a.files[i].State = FileNotAttempted
		}
	}
	a.scrub()
	a.res.Files = a.files
	a.res.Entry = a.entry()
	if a.set.sink != nil && !a.check {
		a.res.LogErr = logEntry(ctx, a.set.sink, a.res.Entry)
	}
	return &a.res
}

// entry builds the attempt's log entry. It copies fields one by one from the
// credentials so that the password cannot reach it.
func (a *attempt) entry() LogEntry {
	end := time.Now()
	e := LogEntry{
		RecordingID:        logSafe(a.recordingID),
		Account:            logSafe(a.account),
		Attempt:            a.number,
		Time:               end.UTC(),
		Host:               logSafe(withoutUserInfo(a.creds.Host)),
		Username:           logSafe(a.creds.Username),
		Folder:             logSafe(withoutUserInfo(a.creds.Folder)),
		Port:               a.creds.port(),
		Status:             a.res.Status,
		Reason:             a.res.Reason,
		Duration:           end.Sub(a.start),
		RemoteAddr:         a.peer.remoteAddr,
		ServerVersion:      logSafe(a.peer.serverVersion),
		Banner:             bannerText(a.peer.banner),
		Algorithms:         a.peer.algorithms,
		HostKeyFingerprint: a.peer.fingerprint,
	}
	if a.dest.host != "" {
		e.Host = a.dest.host
	}
	if !a.connected.IsZero() {
		e.ConnectDuration = a.connected.Sub(a.start)
		e.UploadDuration = end.Sub(a.connected)
	}
	if a.res.Err != nil {
		e.Error = textcap.Runes(logText(a.res.Err.Error()), maxLoggedError)
	}
	names := make([]string, 0, len(a.files))
	for _, f := range a.files {
		names = append(names, f.Remote)
		e.BytesSent += f.Bytes
	}
	e.Files = loggedFiles(names)
	return e
}
