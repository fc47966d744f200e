package sftppush

import (
	"io/fs"
	"path"
	"strings"
	"time"
)

// Stale temporary files. A push whose process died mid-upload (a worker
// killed, a machine lost) leaves its hidden temporary file in the folder,
// where nothing else would remove it. So every safe-writing push lists the
// folder while its files upload, and afterwards removes the temporary files
// of its own files' names that have not changed for longer than the stall
// limit: no push still writing them can be alive. A push's own temporary
// files are renamed or removed by then.

// sweep lists the folder in the background for stale temporary files.
type sweep struct {
	done    chan struct{}
	entries []fs.FileInfo
}

// startSweep starts listing the folder, unless the push writes in place.
func (u *uploader) startSweep() {
	if u.c.set.writeInPlace {
		return
	}
	s := &sweep{done: make(chan struct{})}
	u.sweep = s
	go func() {
		defer close(s.done)
		s.entries, _ = u.c.sftp.ReadDir(u.folder) // a folder we may not list keeps its leftovers
	}()
}

// finishSweep waits for the listing and, after a push that could write,
// removes the stale temporary files of the names. It must run before the
// connection closes, and always does (the listing must not outlive the
// push).
func (u *uploader) finishSweep(names []string, ok bool) {
	s := u.sweep
	if s == nil {
		return
	}
	<-s.done
	if !ok || u.serverTime.IsZero() {
		return
	}
	staleAfter := u.c.set.stallTimeout
	if staleAfter <= 0 {
		staleAfter = time.Hour // no watchdog: a live push may be silent that long
	}
	for _, fi := range s.entries {
		if fi.Mode().IsRegular() && u.serverTime.Sub(fi.ModTime()) > staleAfter && isTempOfAny(fi.Name(), names) {
			u.c.sftp.Remove(path.Join(u.folder, fi.Name())) // best effort, as for our own
		}
	}
}

// isTempOfAny reports whether name is a safe write's temporary name for
// one of the final names.
func isTempOfAny(name string, finals []string) bool {
	for _, f := range finals {
		prefix := "." + truncateBytes(f, tempRoom) + "."
		mid, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		hex, ok := strings.CutSuffix(mid, TempSuffix)
		if ok && len(hex) == 8 && strings.Trim(hex, "0123456789abcdef") == "" {
			return true
		}
	}
	return false
}
