package sftppush

import (
	"bytes"
	"context"
	"path"
)

// probeData is what Check writes to the folder.
var probeData = []byte("sftppush connection check; safe to delete\n")

// runCheck runs a Check's steps: connect, then write, verify and remove
// the probe file.
func (a *attempt) runCheck(ctx context.Context) {
	a.files = []FileResult{{Remote: tempName("sftppush-check"), Size: int64(len(probeData))}}
	c, ok := a.connect(ctx, 0)
	if !ok {
		return
	}
	defer func() { c.close(ctx.Err() == nil && c.guard.stalled() == nil) }()
	u := newUploader(c, a.creds.Folder)
	fr := &a.files[0]
	probe := path.Join(a.creds.Folder, fr.Remote)
	fr.Method = MethodInPlace
	created, err := u.write(ctx, fr, probe, bytes.NewReader(probeData), false)
	if created {
		u.discard(probe)
	}
	a.res.Leftovers = u.leftovers
	if err != nil {
		fr.State, fr.Err, fr.Reason = FileFailed, err, err.Reason
		a.fail(err)
		return
	}
	fr.State = FileUploaded
}
