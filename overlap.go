package sftppush

import (
	"context"
	"io"
	"path"

	"github.com/pkg/sftp"
)

// Overlap. Far from the server every request that waits for its answer
// costs a round trip, and a safe write ends with two of them that need
// nothing from the next file: the close with its size check, and the
// rename. So a file's commit runs while the next file's bytes are sent,
// and the round trips of a group's file boundaries are paid once, not per
// file. Files still reach their final names one after another, in the
// group's order: a file's rename waits until the file before it has
// settled, its own rename answered or, where that fell back to writing in
// place, that write done. When the earlier file ends the push (the main
// file failed, or the connection is gone), the next file, sent but not
// renamed, is closed and its temporary file removed.
//
// The next file's temporary file is opened while this file's bytes go,
// too, when the first session writes it alone: the open needs nothing but
// a fresh name. A push that ends before that file's turn closes and
// removes it (dropAhead).

// commit is a safe write's last steps (run), started once the file's
// bytes are sent: the size check at once, the rename once proceed says
// that the file before it has settled.
type commit struct {
	u          *uploader
	fr         *FileResult
	index      int // the file's place in the group, for Config.Progress
	local      io.ReaderAt
	sent       *sent
	tmp, final string

	gate     chan bool // proceed's word: rename, or drop the file
	done     chan struct{}
	err      *Error
	fallback bool
}

// start runs the commit on a goroutine of its own.
func (c *commit) start(ctx context.Context) {
	c.gate = make(chan bool, 1)
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		c.err, c.fallback = c.run(ctx)
	}()
}

// proceed lets a started commit rename its file (ok) or makes it drop
// the file: close it and remove the temporary file. It is called once.
func (c *commit) proceed(ok bool) { c.gate <- ok }

// wait returns the file's outcome once its commit has ended, after
// writing the file in place when its rename fell back to that.
func (c *commit) wait(ctx context.Context) *Error {
	<-c.done
	if !c.fallback {
		return c.err
	}
	c.u.progress.begin(c.index, c.fr.Size)
	return c.u.inPlace(ctx, c.fr, c.local, c.final)
}

// abandon drops a started file that will not be renamed, and returns
// once it is gone.
func (c *commit) abandon() {
	c.proceed(false)
	<-c.done
}

// ahead is a file's temporary file, opened before its turn.
type ahead struct {
	fr   *FileResult
	tmp  string
	done chan struct{}
	f    *sftp.File
	err  error
}

// openAhead opens next's temporary file on a goroutine of its own, when a
// safe write will write it over the first session alone (not striped, not
// too large for the server).
func (u *uploader) openAhead(next *FileResult) {
	if next == nil || u.ahead != nil || u.method == MethodInPlace || u.c.sessions(next.Size) > 1 {
		return
	}
	if p := u.c.profile; p.maxFileSize > 0 && next.Size > p.maxFileSize {
		return
	}
	a := &ahead{fr: next, tmp: path.Join(u.folder, tempName(next.Remote)), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.f, a.err = openRemote(u.c.sftp, a.tmp, writeFlags)
	}()
	u.ahead = a
}

// takeAhead returns fr's temporary name and its open file, once the open
// has been answered, if it was opened ahead; tmp is "" if it was not. A
// failed open returns the name without a file, to be opened again the
// usual way, whose error then says what is wrong.
func (u *uploader) takeAhead(fr *FileResult) (tmp string, f *sftp.File) {
	a := u.ahead
	if a == nil || a.fr != fr {
		return "", nil
	}
	u.ahead = nil
	<-a.done
	return a.tmp, a.f
}

// dropAhead closes and removes a temporary file opened for a file whose
// turn did not come. An open whose answer the connection lost may have
// created it: it is then listed in Result.Leftovers, as any file that
// could not be removed.
func (u *uploader) dropAhead(ctx context.Context) {
	a := u.ahead
	if a == nil {
		return
	}
	u.ahead = nil
	<-a.done
	if a.err == nil {
		a.f.Close()
	} else if !u.fail(ctx, OpCreate, a.tmp, a.err, nil, -1).Reason.connectionGone() {
		return // refused: nothing was created
	}
	u.discard(a.tmp)
}
