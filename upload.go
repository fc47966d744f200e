package sftppush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
)

// uploadAll uploads the group's files one after another over the one
// session, main file first. It stops at a failed main file and at a lost
// connection; the files not tried stay FileNotAttempted.
func (a *attempt) uploadAll(ctx context.Context) {
	for i := range a.files {
		fr := &a.files[i]
		local := a.main
		if !fr.Main {
			f, fi, err := openLocal(fr.Local)
			if err != nil {
				fr.State, fr.Err, fr.Reason = FileMissing, err, ReasonMainFileUnreadable
				if errors.Is(err, fs.ErrNotExist) {
					fr.Reason = ReasonMainFileMissing
				}
				a.noteExtra(&Error{Status: StatusOK, Reason: fr.Reason, Op: "open", Subject: fr.Local, Err: err})
				continue
			}
			local, fr.Size = f, fi.Size()
		}
		err := a.uploadOne(ctx, fr, local)
		if !fr.Main {
			local.Close()
		}
		if err == nil {
			fr.State = FileUploaded
			continue
		}
		fr.State, fr.Err, fr.Reason = FileFailed, err, err.Reason
		if fr.Main {
			a.fail(err)
			return
		}
		a.noteExtra(err)
		if err.Reason == ReasonConnectionLost || err.Reason == ReasonCanceled {
			return
		}
	}
}

// noteExtra records the first failed or missing extra in Result.Err. The
// Status stays OK: the main file decides it.
func (a *attempt) noteExtra(err *Error) {
	if a.res.Err == nil {
		a.res.Err = err
	}
}

// uploadOne writes one file to the folder and verifies it by the remote
// size: the count File.ReadFrom returns is of bytes read locally, not of
// bytes the server stored.
func (a *attempt) uploadOne(ctx context.Context, fr *FileResult, local *os.File) *Error {
	remote := path.Join(a.creds.Folder, fr.Remote)
	src := &localReader{r: io.NewSectionReader(local, 0, fr.Size)}
	fail := func(op string, err error) *Error {
		r := transferReason(err)
		switch {
		case ctx.Err() != nil:
			r, err = ReasonCanceled, errors.Join(ctx.Err(), err)
		case src.err != nil:
			r, err = ReasonLocalReadError, src.err
		case r == ReasonRemoteError && a.outOfSpace(remote, fr.Size):
			r = ReasonNoSpace
		}
		st := r.Status()
		if st == "" || st == StatusOK {
			st = StatusUploadFailed
		}
		return &Error{Status: st, Reason: r, Op: op, Subject: remote, Err: err}
	}

	// Large files at long round trips go over several sessions; whatever
	// it does not finish, the single session below rewrites.
	if a.uploadStriped(ctx, fr, remote, local) {
		return nil
	}

	// Write-only: some servers (AWS Transfer among them) refuse the
	// read-write mode that sftp.Client.Create asks for.
	f, err := a.sess.sftp.OpenFile(remote, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fail("create", err)
	}
	n, err := f.ReadFrom(src)
	fr.Bytes = n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail("upload", err)
	}
	fi, err := a.sess.sftp.Stat(remote)
	if err != nil {
		return fail("verify", err)
	}
	if fi.Size() != fr.Size {
		return &Error{Status: StatusUploadFailed, Reason: ReasonSizeMismatch, Op: "verify", Subject: remote,
			Err: fmt.Errorf("the server stored %d bytes of %d", fi.Size(), fr.Size)}
	}
	return nil
}

// outOfSpace asks the server, when it supports statvfs@openssh.com, whether
// the space left is less than what the file still needed. Servers based on
// SFTP version 3 report a full disk as a bare SSH_FX_FAILURE, so this is the
// protocol's way to tell; mentionsNoSpace covers servers without statvfs.
func (a *attempt) outOfSpace(remote string, size int64) bool {
	c := a.sess.sftp
	if _, ok := c.HasExtension("statvfs@openssh.com"); !ok {
		return false
	}
	vfs, err := c.StatVFS(a.creds.Folder)
	if err != nil {
		return false
	}
	need := uint64(size)
	if fi, err := c.Stat(remote); err == nil && fi.Size() > 0 && fi.Size() <= size {
		need -= uint64(fi.Size())
	}
	return vfs.Frsize > 0 && vfs.Bavail*vfs.Frsize < need
}

// localReader tells local read errors from remote ones: pkg/sftp returns
// either kind from ReadFrom. Size lets ReadFrom pick its concurrency.
type localReader struct {
	r   *io.SectionReader
	err error
}

func (l *localReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

func (l *localReader) Size() int64 { return l.r.Size() }
