package sftppush

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
)

// uploader writes files into one folder over one connection, each verified
// by its remote size, with the push's write method (safewrite.go). Its
// failures are classified by fail (classify.go) with what it knows: the
// caller's context, the watchdog's verdict, a local read error, and
// whether the server's disk is full.
type uploader struct {
	c      *conn
	folder string
	method WriteMethod // decided at the first upload
	// mu guards leftovers and serverTime: a file's commit runs beside
	// the next file's upload (overlap.go).
	mu        sync.Mutex
	leftovers []string  // temporary files that could not be removed
	sweep     *sweep    // the listing for stale temporary files (sweep.go)
	ahead     *ahead    // the next file's temporary file, opened early (overlap.go)
	progress  *reporter // Config.Progress (progress.go); nil without it
	// noStatByName: the server refused a Stat by name, so sizes are
	// asked on the open handle (finish).
	noStatByName atomic.Bool
	// serverTime is the server's clock as the last verified file's
	// modification time showed it: the reference for what is stale.
	serverTime time.Time
}

func newUploader(c *conn, folder string) *uploader {
	return &uploader{c: c, folder: folder}
}

// upload writes one file of the group under its remote name. A safe
// write returns its commit (overlap.go), the verification and rename still
// to do, which the caller starts and waits for; a file written in place is
// verified before upload returns. It adds the bytes sent to fr.Bytes and
// says in fr how the file was written.
//
// next, if not nil, is the file that comes after this one: its temporary
// file may be opened while this one's bytes go (openAhead).
func (u *uploader) upload(ctx context.Context, fr *FileResult, local io.ReaderAt, next *FileResult) (*commit, *Error) {
	final := path.Join(u.folder, fr.Remote)
	if p := u.c.profile; p.maxFileSize > 0 && fr.Size > p.maxFileSize {
		return nil, newError(OpUpload, final, ReasonFileTooLarge, fmt.Errorf("%s takes files of up to %d bytes; this one has %d: nothing was sent", p.name, p.maxFileSize, fr.Size))
	}
	if u.method == "" {
		u.method = u.chooseMethod()
	}
	if u.method != MethodInPlace {
		return u.safeSend(ctx, fr, local, final, next)
	}
	return nil, u.inPlace(ctx, fr, local, final)
}

// inPlace writes the file under its final name and verifies it.
func (u *uploader) inPlace(ctx context.Context, fr *FileResult, local io.ReaderAt, final string) *Error {
	fr.Method = MethodInPlace
	created, err := u.write(ctx, fr, final, local, false)
	if err != nil && created {
		// What is under the final name now is part of the file, which a
		// customer's scan would take for a recording: remove it, or say
		// it is there.
		u.discard(final)
	}
	return err
}

// write puts the local file at remote and verifies its size. created
// reports whether the remote file was opened, and so may exist, partly
// written, when write fails. fresh says that remote is a new name of our
// own (a safe write's temporary name), which no one else writes and which
// need not be truncated first.
func (u *uploader) write(ctx context.Context, fr *FileResult, remote string, local io.ReaderAt, fresh bool) (created bool, _ *Error) {
	s, created, err := u.send(ctx, fr, remote, local, fresh, nil)
	if err != nil {
		return created, err
	}
	return true, s.finish(ctx)
}

// writeFlags open a file on the first session. Write-only: some servers
// (AWS Transfer among them) refuse the read-write mode that
// sftp.Client.Create asks for.
const writeFlags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC

// sent is a file whose bytes the server has acknowledged, still open on
// the first session until finish closes and verifies it. f is nil when a
// striped upload closed and verified it already.
type sent struct {
	u      *uploader
	f      *sftp.File
	fr     *FileResult
	remote string
	src    *localReader
	fresh  bool
}

// finish closes and verifies the file (uploader.finish).
func (s *sent) finish(ctx context.Context) *Error {
	if s.f == nil {
		return nil
	}
	return s.u.finish(ctx, s.f, s.fr, s.remote, s.src, nil, s.fresh)
}

// send opens remote and writes the local file into it, every byte
// acknowledged; the close and the size check are left to the returned
// sent's finish. On failure the file is closed, and created reports
// whether it was opened, so may exist, partly written. pre, if not nil,
// is what was opened of remote ahead (openAhead); send takes its handles.
func (u *uploader) send(ctx context.Context, fr *FileResult, remote string, local io.ReaderAt, fresh bool, pre *ahead) (_ *sent, created bool, _ *Error) {
	// Large files at long round trips go over several sessions, which
	// verify the size themselves; whatever they do not finish, the single
	// session below rewrites.
	u.progress.restart()
	striped, tried := u.striped(ctx, fr, remote, local, fresh, pre)
	if striped {
		return &sent{u: u, fr: fr, remote: remote}, true, nil
	}
	var f *sftp.File
	if pre != nil && !tried {
		pre.closeExtras()
		f = pre.f
	}
	u.progress.restart()
	fr.Sessions = 1
	src := &localReader{r: io.NewSectionReader(local, 0, fr.Size), g: u.c.guard}
	var err error
	if f == nil {
		f, err = openRemote(u.c.sftp, remote, writeFlags)
	}
	if err != nil {
		e := u.fail(ctx, OpCreate, remote, err, src, fr.Size)
		if e.Reason.connectionGone() {
			// The open went out but its answer did not come back: the
			// server may have created the file.
			return nil, true, e
		}
		if ferr := u.folderProblem(ctx); ferr != nil {
			return nil, false, ferr
		}
		return nil, false, e
	}
	n, err := f.ReadFrom(src)
	fr.Bytes += n
	if err != nil {
		return nil, true, u.finish(ctx, f, fr, remote, src, err, fresh)
	}
	return &sent{u: u, f: f, fr: fr, remote: remote, src: src, fresh: fresh}, true, nil
}

// finish closes the written file f at remote and verifies its size, in
// as few round trips as the server allows. A temporary name of our own
// (fresh) is asked by name beside the close, one round trip for both: no
// one else uses the name, so nothing can take it meanwhile. A file
// written in place is asked on its open handle (SSH_FXP_FSTAT) before the
// close: a customer's scanner may take the final name the moment it is
// closed, and a file that arrived must not then be reported missing. A
// server that settles the size only on close (object stores) is asked
// again by name after it; one that refuses Stat by name (an upload-only
// folder) gets this file verified by opening it again, and the next ones
// on their handles.
func (u *uploader) finish(ctx context.Context, f *sftp.File, fr *FileResult, remote string, src *localReader, err error, fresh bool) *Error {
	onHandle := false
	var beside chan statResult
	switch {
	case err != nil:
	case fresh && !u.noStatByName.Load():
		beside = make(chan statResult, 1)
		go func() {
			fi, err := statRemote(u.c.sftp, remote)
			beside <- statResult{fi, err}
		}()
	default:
		onHandle = u.fstatMatches(f, fr.Size)
	}
	endGrace := u.c.guard.grace(commitGrace(fr.Size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	endGrace()
	var named statResult
	if beside != nil {
		named = <-beside
	}
	switch {
	case err != nil:
		return u.fail(ctx, OpUpload, remote, err, src, fr.Size)
	case onHandle:
		return nil
	case beside != nil && named.err == nil && named.fi.Size() == fr.Size:
		u.noteServerTime(named.fi)
		return nil
	case beside != nil && errors.Is(named.err, fs.ErrPermission):
		u.noStatByName.Store(true)
		return u.verifyReopened(ctx, remote, fr.Size)
	}
	return u.verify(ctx, remote, fr.Size)
}

// statResult is a Stat's answer.
type statResult struct {
	fi  fs.FileInfo
	err error
}

// verifyReopened checks the size of remote on a handle of its own, for a
// server that refuses Stat by name.
//
// It is opened for reading, or, where the folder takes uploads only, for
// writing without truncation, which changes nothing in the file.
func (u *uploader) verifyReopened(ctx context.Context, remote string, size int64) *Error {
	f, err := openRemote(u.c.sftp, remote, os.O_RDONLY)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && u.c.guard.stalled() == nil {
		f, err = openRemote(u.c.sftp, remote, os.O_WRONLY)
	}
	if err != nil {
		return u.fail(ctx, OpVerify, remote, err, nil, -1)
	}
	defer f.Close()
	if !u.fstatMatches(f, size) {
		return newError(OpVerify, remote, ReasonSizeMismatch, fmt.Errorf("the server refuses Stat by name, and the reopened file does not show %d bytes", size))
	}
	return nil
}

// fstatMatches reports whether the open handle f shows size bytes, and
// notes the server's clock from it.
func (u *uploader) fstatMatches(f *sftp.File, size int64) bool {
	fi, err := f.Stat()
	if err != nil || fi == nil {
		return false
	}
	if st, _ := fi.Sys().(*sftp.FileStat); st == nil || fi.Size() != size {
		return false
	}
	u.noteServerTime(fi)
	return true
}

// noteServerTime keeps the newest modification time a verified file
// showed: the server's clock, for what is stale (sweep.go).
func (u *uploader) noteServerTime(fi fs.FileInfo) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if t := fi.ModTime(); t.After(u.serverTime) {
		u.serverTime = t
	}
}

// striped writes the file over several sessions of the connection when its
// size and the round trip make that pay, and reports whether it did; the
// size is verified. When it returns false the caller writes the file over
// one session as usual, truncating whatever the stripes wrote: the fallback
// for a server that misbehaves with concurrent writers (fr.StripeErr says
// why). A lost connection or a cancelled ctx also returns false: the single
// session then fails at once and classifies the failure as usual.
//
// tried reports that the striped upload was tried, which took pre's
// handles.
func (u *uploader) striped(ctx context.Context, fr *FileResult, remote string, local io.ReaderAt, fresh bool, pre *ahead) (ok, tried bool) {
	n := u.c.sessions(fr.Size)
	if n < 2 {
		return false, false
	}
	used, sent, err := u.c.stripe(remote, local, fr.Size, n, fresh, pre)
	fr.Bytes += sent
	if err != nil {
		// used is 0 when the file could not even be opened: the single
		// session will say why, and there was nothing to fall back from.
		if ctx.Err() == nil && used > 0 {
			fr.StripeErr = fmt.Errorf("striped upload over %d sessions failed, fell back to rewriting the file over one session: %w", used, err)
		}
		return false, true
	}
	fr.Sessions = used
	return true, true
}

// verify checks the remote file by its size: the count File.ReadFrom
// returns is of bytes read locally, not of bytes the server stored.
func (u *uploader) verify(ctx context.Context, remote string, size int64) *Error {
	fi, err := statRemote(u.c.sftp, remote)
	if err != nil {
		return u.fail(ctx, OpVerify, remote, err, nil, -1)
	}
	if fi.Size() != size {
		return newError(OpVerify, remote, ReasonSizeMismatch, fmt.Errorf("the server stored %d bytes of %d", fi.Size(), size))
	}
	u.noteServerTime(fi)
	return nil
}

// folderProblem explains a failed create of a file in the folder by the
// folder, when the folder is the problem: missing, not a directory, or out
// of the user's reach. It returns nil when the folder is fine or when its
// Stat failed for the connection's sake, and the create's own error then
// says best what happened. A Stat the server refuses means the user cannot
// reach the folder, which the product reports as a permission problem.
func (u *uploader) folderProblem(ctx context.Context) *Error {
	if ctx.Err() != nil || u.c.guard.stalled() != nil {
		return nil
	}
	fi, err := statRemote(u.c.sftp, u.folder)
	if err != nil {
		if e := u.fail(ctx, OpStat, u.folder, err, nil, -1); !e.Reason.connectionGone() {
			return e
		}
		return nil
	}
	if !fi.IsDir() {
		return newError(OpStat, u.folder, ReasonFolderNotDirectory, fmt.Errorf("%s is a %s, not a directory", u.folder, fileKind(fi.Mode())))
	}
	return nil
}

// fail classifies a failed request on remote. src, if not nil, tells a
// local read error from a remote one; size, if not negative, lets a bare
// failure be recognised as a full disk.
func (u *uploader) fail(ctx context.Context, op Op, remote string, err error, src *localReader, size int64) *Error {
	c := cause{err: err, ctx: ctx, stall: u.c.guard.stalled()}
	if src != nil {
		c.local = src.err
	}
	if size >= 0 {
		c.full = func() bool { return u.outOfSpace(remote, size) }
	}
	return fail(op, remote, c)
}

// outOfSpace asks the server, when it supports statvfs@openssh.com, whether
// the space left is less than what the file at remote still needed. Servers
// based on SFTP version 3 report a full disk as a bare SSH_FX_FAILURE, so
// this is the protocol's way to tell; mentionsNoSpace covers servers
// without statvfs.
func (u *uploader) outOfSpace(remote string, size int64) bool {
	c := u.c.sftp
	if _, ok := c.HasExtension("statvfs@openssh.com"); !ok {
		return false
	}
	vfs, err := statVFSRemote(c, u.folder)
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
