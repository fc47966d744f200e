// Package sftptest runs an SSH+SFTP server inside a test process, the way
// net/http/httptest runs an HTTP server: on 127.0.0.1, on a random free port,
// serving a temporary directory, with faults that a test can switch on to
// see how a client copes with a misbehaving server.
//
// It also offers standalone misbehaving peers (a listener that never speaks,
// one that answers with garbage, a closed port, a port whose connect hangs)
// and an in-process DNS server behind a *net.Resolver.
//
// Everything here is test-only code: setup failures call t.Fatal or panic,
// and every goroutine started is waited for on Close or in t.Cleanup, so
// go.uber.org/goleak passes in the caller's tests.
package sftptest

import (
	"os"
	"path"
	"path/filepath"
)

// Path returns the local path of an SFTP path under Root. The SFTP path is
// cleaned as the server cleans it, so it never leaves Root.
func (s *Server) Path(sftpPath string) string {
	return filepath.Join(s.Root, filepath.FromSlash(cleanSFTPPath(sftpPath)))
}

// MkdirAll creates the SFTP directory sftpPath and its parents under Root,
// failing the test on error.
func (s *Server) MkdirAll(sftpPath string) {
	s.t.Helper()
	if err := os.MkdirAll(s.Path(sftpPath), 0o755); err != nil {
		s.t.Fatalf("sftptest: %v", err)
	}
}

// WriteFile writes data to the SFTP path sftpPath under Root, creating its
// parent directories, failing the test on error. It does not count against
// Faults.QuotaBytes.
func (s *Server) WriteFile(sftpPath string, data []byte) {
	s.t.Helper()
	p := s.Path(sftpPath)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatalf("sftptest: %v", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		s.t.Fatalf("sftptest: %v", err)
	}
}

// ReadFile returns the contents of the SFTP path sftpPath under Root,
// failing the test on error.
func (s *Server) ReadFile(sftpPath string) []byte {
	s.t.Helper()
	data, err := os.ReadFile(s.Path(sftpPath))
	if err != nil {
		s.t.Fatalf("sftptest: %v", err)
	}
	return data
}

// cleanSFTPPath makes an SFTP path absolute ("/" is the login directory)
// and removes every "." and "..", so it cannot climb above "/".
func cleanSFTPPath(p string) string {
	return path.Clean("/" + p)
}
