package sftppush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// uploadAll uploads the group's files one after another over the one
// session, main file first. It stops at a failed main file and at a lost
// or stalled connection; the files not tried stay FileNotAttempted.
func (a *attempt) uploadAll(ctx context.Context) {
	a.method = a.chooseMethod()
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
		if err.Reason == ReasonConnectionLost || err.Reason == ReasonCanceled || err.Reason == ReasonStalled {
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

// put writes the local file to the remote path and adds the bytes sent to
// fr.Bytes. created reports whether the remote file was opened, and so may
// exist, partly written, when put fails. verified reports that put has
// already checked the remote size, as a striped upload does: the caller's
// verify would only repeat that round trip. fresh says that remote is a
// new name of our own (a safe write's temporary name), which no one else
// writes and which need not be truncated first.
func (a *attempt) put(ctx context.Context, fr *FileResult, remote string, local io.ReaderAt, fresh bool) (created, verified bool, _ *Error) {
	src := &localReader{r: io.NewSectionReader(local, 0, fr.Size), g: a.sess.guard}

	// Large files at long round trips go over several sessions; whatever
	// it does not finish, the single session below rewrites.
	if a.uploadStriped(ctx, fr, remote, local, fresh) {
		return true, true, nil
	}

	// Write-only: some servers (AWS Transfer among them) refuse the
	// read-write mode that sftp.Client.Create asks for.
	f, err := openRemote(a.sess.sftp, remote, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		if ferr := a.folderProblem(ctx); ferr != nil {
			return false, false, ferr
		}
		return false, false, a.transferError(ctx, "create", remote, fr.Size, src, err)
	}
	n, err := f.ReadFrom(src)
	fr.Bytes += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return true, false, a.transferError(ctx, "upload", remote, fr.Size, src, err)
	}
	return true, false, nil
}

// verify checks the remote file by its size: the count File.ReadFrom
// returns is of bytes read locally, not of bytes the server stored.
func (a *attempt) verify(ctx context.Context, remote string, size int64) *Error {
	fi, err := statRemote(a.sess.sftp, remote)
	if err != nil {
		return a.transferError(ctx, "verify", remote, -1, nil, err)
	}
	if fi.Size() != size {
		return &Error{Status: StatusUploadFailed, Reason: ReasonSizeMismatch, Op: "verify", Subject: remote,
			Err: fmt.Errorf("the server stored %d bytes of %d", fi.Size(), size)}
	}
	return nil
}

// transferError classifies the error of an SFTP request on remote. The
// caller's cancellation and the guard's verdict come first: both close the
// connection, which the request reports as a lost connection. src, if not
// nil, tells a local read error from a remote one; size, if not negative,
// lets a bare failure be recognised as a full disk.
func (a *attempt) transferError(ctx context.Context, op, remote string, size int64, src *localReader, err error) *Error {
	r := transferReason(err)
	switch cause := a.sess.guard.stalled(); {
	case ctx.Err() != nil:
		r, err = ReasonCanceled, errors.Join(ctx.Err(), err)
	case cause != nil:
		r, err = ReasonStalled, errors.Join(cause, err)
	case src != nil && src.err != nil:
		r, err = ReasonLocalReadError, src.err
	case r == ReasonRemoteError && size >= 0 && a.outOfSpace(remote, size):
		r = ReasonNoSpace
	}
	st := r.Status()
	if st == "" || st == StatusOK {
		st = StatusUploadFailed
	}
	return &Error{Status: st, Reason: r, Op: op, Subject: remote, Err: err}
}

// outOfSpace asks the server, when it supports statvfs@openssh.com, whether
// the space left is less than what the file at remote still needed. Servers based on
// SFTP version 3 report a full disk as a bare SSH_FX_FAILURE, so this is the
// protocol's way to tell; mentionsNoSpace covers servers without statvfs.
func (a *attempt) outOfSpace(remote string, size int64) bool {
	c := a.sess.sftp
	if _, ok := c.HasExtension("statvfs@openssh.com"); !ok {
		return false
	}
	vfs, err := statVFSRemote(c, a.creds.Folder)
	if err != nil {
		return false
	}
	need := uint64(size)
	if fi, err := statRemote(c, remote); err == nil && fi.Size() > 0 && fi.Size() <= size {
		need -= uint64(fi.Size())
	}
	return vfs.Frsize > 0 && vfs.Bavail*vfs.Frsize < need
}

// localReader tells local read errors from remote ones: pkg/sftp returns
// either kind from ReadFrom. Size lets ReadFrom pick its concurrency. Each
// read is progress for the watchdog: ReadFrom reads ahead only while the
// server acknowledges writes, and a slow local disk is not a stalled server.
type localReader struct {
	r   *io.SectionReader
	g   *guard
	err error
}

func (l *localReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.g.progress()
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

func (l *localReader) Size() int64 { return l.r.Size() }
