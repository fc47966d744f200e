// Package sftptest runs an SSH+SFTP server inside a test process, the way
// net/http/httptest runs an HTTP server: on 127.0.0.1, on a random free
// port, serving a temporary directory, with password authentication. Use
// it to test code that pushes with package sftppush, without a network or
// a real server:
//
//	srv := sftptest.NewServer(t)   // closed by t.Cleanup
//	srv.MkdirAll("/upload")
//	p := sftppush.New(srv.Config()) // loopback allowed, the server's key trusted
//	res := p.Push(ctx, srv.Credentials("/upload"), group)
//	data := srv.ReadFile("/upload/rec.mp4")
//
// NewUnstartedServer and Start let a test change the server first: its
// username and password, its host keys, and Faults, which make it
// misbehave as real servers do (a wrong password, keyboard-interactive
// only, SFTP refused, a read-only folder, a full disk after N bytes, a
// connection dropped or stalled after N bytes, renames or removes denied,
// extensions hidden, writes failing, sizes settled only on close, files
// taken away on arrival, slow channel opens).
//
// Standalone peers cover what no SSH server does: a listener that never
// speaks (SilentListener), one that answers with garbage, a closed port, a
// port whose connect hangs (BlackholeListener), any raw behaviour
// (RawListener), and an in-process DNS server behind a *net.Resolver
// (NewResolver). MemorySink keeps the log entries a test's pushes write.
//
// Everything here is test code: setup failures call t.Fatalf, and every
// goroutine started is waited for on Close or in t.Cleanup, so
// go.uber.org/goleak passes in the caller's tests. Outside a test (a demo,
// an Example), NewEnv gives a TB whose Close runs the cleanups.
package sftptest
