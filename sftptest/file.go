package sftptest

import (
	"errors"
	"os"
	"sync"
)

// errServerClosed ends a request that was stalled until Close.
var errServerClosed = errors.New("sftptest: server closed")

// errDropped ends the write on which the server dropped the connection; no
// reply reaches the client because the connection is already closed.
var errDropped = errors.New("sftptest: connection dropped by DropAfterBytes")

// file is an open file handle. Writes go through the server's faults.
type file struct {
	h      *handler
	f      *os.File
	path   string
	append bool
	write  bool // counted in Server.writing until closed
	closed sync.Once

	mu sync.Mutex // serialises appends, which must find the end of file
}

// ReadAt reads from the file unless the connection is stalled.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if err := f.h.gate(); err != nil {
		return 0, err
	}
	return f.f.ReadAt(p, off)
}

// WriteAt applies, in order: the connection's received-bytes faults
// (DropAfterBytes, StallAfterBytes), FailWrites, DiscardAfterBytes,
// QuotaBytes.
func (f *file) WriteAt(p []byte, off int64) (int, error) {
	c := f.h.c
	if err := f.h.gate(); err != nil {
		return 0, err
	}
	keep, fault := c.receive(len(p))
	if k, stall := f.h.receive(len(p)); stall {
		keep = min(keep, k)
		if fault == faultNone {
			fault = faultStall
		}
	}
	if f.h.s.Faults.FailWrites.hit(off, len(p)) {
		return 0, pathErr("write", f.path, errWriteFailure)
	}
	n, err := f.store(p[:keep], off)
	switch fault {
	case faultDrop:
		c.nc.Close()
		return n, errDropped
	case faultStall:
		<-c.s.done
		return n, errServerClosed
	}
	if err != nil {
		return n, err
	}
	return len(p), nil
}

// store writes what DiscardAfterBytes and QuotaBytes let through.
func (f *file) store(p []byte, off int64) (int, error) {
	if f.append {
		f.mu.Lock()
		defer f.mu.Unlock()
		fi, err := f.f.Stat()
		if err != nil {
			return 0, err
		}
		off = fi.Size()
	}
	if d := f.h.s.Faults.DiscardAfterBytes; d > 0 {
		if off >= d {
			return len(p), nil // acknowledged, never stored
		}
		if off+int64(len(p)) > d {
			p = p[:d-off]
		}
	}
	granted, qerr := f.h.s.reserve(len(p))
	n, err := f.f.WriteAt(p[:granted], off)
	if err != nil {
		return n, err
	}
	if qerr != nil {
		return n, qerr
	}
	return len(p), nil
}

// Close closes the file; on a stalled connection it first waits, like
// every other request, for the server to close.
func (f *file) Close() error {
	defer f.closed.Do(func() {
		if f.write {
			f.h.s.mu.Lock()
			f.h.s.writing[f.path]--
			f.h.s.mu.Unlock()
		}
	})
	if err := f.h.gate(); err != nil {
		f.f.Close()
		return err
	}
	if f.write {
		f.h.s.commit(f.path)
	}
	err := f.f.Close()
	if err == nil && f.write {
		f.h.s.takeAway(f.path)
	}
	return err
}
