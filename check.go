package sftppush

import (
	"bytes"
	"context"
	"path"
	"time"
)

// probeData is what Check writes to the folder.
var probeData = []byte("sftppush connection check; safe to delete\n")

// Check is the "test connection" button of the credentials form. It does
// what a push does up to the first file and returns the Status and Reason a
// push would: it validates creds, connects, logs in, starts SFTP, checks the
// folder, then writes a small probe file to the folder, verifies its size
// and removes it. The probe is written in place under a hidden name,
// ".sftppush-check.<8 hex digits>" + TempSuffix, that a scan for recordings
// does not match.
//
// When the server refuses removes (OpenSSH's "-P remove"), the probe file
// stays in the folder; its path is in Result.Leftovers and the Status is
// still OK. Result.Files has one entry, the probe.
//
// A Check is not a push attempt: it writes no entry to Config.Sink. The
// entry it would have written is in Result.Entry, for callers who want to
// keep it.
func (p *Pusher) Check(ctx context.Context, creds Credentials) *Result {
	if ctx == nil {
		ctx = context.Background()
	}
	a := &attempt{p: p, creds: creds, check: true, start: time.Now(),
		files: []FileResult{{Remote: tempName("sftppush-check"), Main: true, Size: int64(len(probeData))}}}
	a.runCheck(ctx)
	return a.finish(ctx)
}

func (a *attempt) runCheck(ctx context.Context) {
	if !a.open(ctx) {
		return
	}
	defer a.sess.close()
	fr := &a.files[0]
	probe := path.Join(a.creds.Folder, fr.Remote)
	fr.Method = MethodInPlace
	created, verified, err := a.put(ctx, fr, probe, bytes.NewReader(probeData), false)
	if err == nil && !verified {
		err = a.verify(ctx, probe, fr.Size)
	}
	if created {
		a.discard(probe)
	}
	if err != nil {
		fr.State, fr.Err, fr.Reason = FileFailed, err, err.Reason
		a.fail(err)
		return
	}
	fr.State = FileUploaded
}
