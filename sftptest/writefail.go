package sftptest

import (
	"sync"
	"syscall"
)

// WriteFailure fails write requests that touch a range of file offsets
// with a bare SSH_FX_FAILURE, storing nothing of them: a flaky disk, or a
// server that mishandles several writers of one file. The connection stays
// up. Set it in Faults.FailWrites before Start; its counter is shared by
// every file and connection of the server.
type WriteFailure struct {
	// Off and Len are the offsets: a write overlapping [Off, Off+Len)
	// fails. Len 0 means to the end of any file.
	Off, Len int64
	// Times, if positive, is how many writes fail; later ones succeed.
	// Zero means every one.
	Times int

	mu     sync.Mutex
	failed int
}

// errWriteFailure is reported as SSH_FX_FAILURE: pkg/sftp's server maps
// errno values it does not know to a bare failure.
const errWriteFailure = syscall.EIO

// hit reports whether a write of n bytes at off fails, and counts it.
func (w *WriteFailure) hit(off int64, n int) bool {
	if w == nil || n == 0 || off+int64(n) <= w.Off || (w.Len > 0 && off >= w.Off+w.Len) {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.Times > 0 && w.failed >= w.Times {
		return false
	}
	w.failed++
	return true
}

// Failed reports how many writes the fault has failed so far.
func (w *WriteFailure) Failed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}
