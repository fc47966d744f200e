package sftptest

import (
	"fmt"
	"os"
	"sync"
)

// TB is the part of testing.TB the servers use. *testing.T and *testing.B
// satisfy it; so does *Env, for programs such as the quickstart that run the
// embedded server outside a test.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// Env is a TB for programs: Fatalf panics, and Close runs the cleanups
// (last registered first) and removes the temporary directories.
type Env struct {
	mu       sync.Mutex
	cleanups []func()
}

// NewEnv returns an Env; call Close when done.
func NewEnv() *Env { return &Env{} }

// Helper does nothing; it is there to satisfy TB.
func (e *Env) Helper() {}

// Fatalf panics with the message: setup failures in test tooling are fatal.
func (e *Env) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// Cleanup registers f to run at Close.
func (e *Env) Cleanup(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cleanups = append(e.cleanups, f)
}

// TempDir makes a new temporary directory that Close removes.
func (e *Env) TempDir() string {
	dir, err := os.MkdirTemp("", "sftptest-")
	if err != nil {
		e.Fatalf("sftptest: %v", err)
	}
	e.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Close runs the registered cleanups, last first.
func (e *Env) Close() {
	e.mu.Lock()
	fs := e.cleanups
	e.cleanups = nil
	e.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
