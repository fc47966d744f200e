package sftppush

import (
	"context"
	"io"
	"os"
	"path"
	"sync"

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
// too (on every session that will write it, when it is striped): the open
// needs nothing but a fresh name. After the main file that is while its
// rename is on its way, once its size is verified, so that a main file
// that fails leaves nothing else behind. A push that ends before that
// file's turn closes and removes it (dropAhead).

// commit is a safe write's last steps (run), started once the file's
// bytes are sent: the size check at once, the rename once proceed says
// that the file before it has settled.
type commit struct {
	sent  *sent // the file as sent: its uploader, its FileResult, its temporary name
	index int   // the file's place in the group, for Config.Progress
	local io.ReaderAt
	final string

	gate     chan bool     // proceed's word: rename, or drop the file
	verified chan struct{} // closed once the size check passed
	done     chan struct{}
	err      *Error
	fallback bool
}

// start runs the commit on a goroutine of its own.
func (c *commit) start(ctx context.Context) {
	c.gate = make(chan bool, 1)
	c.verified = make(chan struct{})
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		c.err, c.fallback = c.run(ctx)
	}()
}

// passedCheck waits until the file's size check passed (true) or its
// commit ended without (false).
func (c *commit) passedCheck() bool {
	select {
	case <-c.verified:
		return true
	case <-c.done:
		select {
		case <-c.verified:
			return true
		default:
			return false
		}
	}
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
	u, fr := c.sent.u, c.sent.fr
	u.progress.begin(c.index, fr.Size)
	return u.inPlace(ctx, fr, c.local, c.final)
}

// abandon drops a started file that will not be renamed, and returns
// once it is gone.
func (c *commit) abandon() {
	c.proceed(false)
	<-c.done
}

// ahead is a file's temporary file, opened before its turn: on the first
// session, and for a file that will be striped on the extra sessions
// that are ready, too.
type ahead struct {
	fr     *FileResult
	tmp    string
	done   chan struct{} // closed once every open has been answered
	f      *sftp.File    // the first session's handle; nil if its open failed
	err    error
	extras map[*poolSlot]*sftp.File
}

// openAhead opens next's temporary file on goroutines of its own, for a
// safe write (not in place, not too large for the server).
func (u *uploader) openAhead(next *FileResult) {
	if next == nil || u.ahead != nil || u.method == MethodInPlace {
		return
	}
	if p := u.c.profile; p.maxFileSize > 0 && next.Size > p.maxFileSize {
		return
	}
	a := &ahead{fr: next, tmp: path.Join(u.folder, tempName(next.Remote)), done: make(chan struct{}), extras: map[*poolSlot]*sftp.File{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	if n := u.c.sessions(next.Size); n > 1 {
		for _, sl := range u.c.pool.slots[:n-1] {
			c := sl.ready()
			if c == nil {
				continue // still starting, or refused: the stripe sees to it
			}
			wg.Go(func() {
				if f, err := c.OpenFile(a.tmp, os.O_WRONLY|os.O_CREATE); err == nil {
					mu.Lock()
					a.extras[sl] = f
					mu.Unlock()
				}
			})
		}
	}
	go func() {
		defer close(a.done)
		a.f, a.err = openRemote(u.c.sftp, a.tmp, writeFlags)
		wg.Wait()
	}()
	u.ahead = a
}

// takeAhead returns fr's temporary name and what was opened of it, once
// every open has been answered, if it was opened ahead; tmp is "" if it
// was not. A failed open leaves the file to be opened again the usual way,
// whose error then says what is wrong.
func (u *uploader) takeAhead(fr *FileResult) (tmp string, a *ahead) {
	a = u.ahead
	if a == nil || a.fr != fr {
		return "", nil
	}
	u.ahead = nil
	<-a.done
	return a.tmp, a
}

// first returns the first session's handle; nil if none. A nil *ahead
// has none.
func (a *ahead) first() *sftp.File {
	if a == nil {
		return nil
	}
	return a.f
}

// extra returns, and takes out, the handle opened ahead on slot's
// session; nil if none. A nil *ahead has none.
func (a *ahead) extra(sl *poolSlot) *sftp.File {
	if a == nil {
		return nil
	}
	f := a.extras[sl]
	delete(a.extras, sl)
	return f
}

// closeExtras closes the extra sessions' handles no one took, except on
// sessions abandoned as stuck, whose close would wait on them.
func (a *ahead) closeExtras() {
	if a == nil {
		return
	}
	for sl, f := range a.extras {
		if !sl.dead.Load() {
			f.Close()
		}
		delete(a.extras, sl)
	}
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
	a.closeExtras()
	if a.err == nil {
		a.f.Close()
	} else if !u.fail(ctx, OpCreate, a.tmp, a.err, nil, -1).Reason.connectionGone() {
		return // refused: nothing was created
	}
	u.discard(a.tmp)
}
