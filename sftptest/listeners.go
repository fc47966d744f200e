package sftptest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// garbage is what GarbageListener answers instead of an SSH banner.
const garbage = "HTTP/1.1 400 Bad Request\r\n\r\n"

// RawListener returns the "127.0.0.1:port" address of a listener that runs
// behave on every connection it accepts, each in its own goroutine, and
// closes the connection when behave returns. t.Cleanup closes the listener
// and every live connection, then waits for all its goroutines: behave must
// return once its connection is closed.
func RawListener(t TB, behave func(c net.Conn)) string {
	t.Helper()
	ln := listenLoopback(t)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					c.Close()
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
				}()
				behave(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// SilentListener returns the "127.0.0.1:port" address of a listener that
// accepts TCP connections and never sends a byte: a peer that never sends
// an SSH banner. The listener and its connections are closed by t.Cleanup.
func SilentListener(t TB) string {
	t.Helper()
	return RawListener(t, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// GarbageListener returns the "127.0.0.1:port" address of a listener that
// answers every connection with an HTTP error instead of an SSH banner,
// then closes it. It is closed by t.Cleanup.
func GarbageListener(t TB) string {
	t.Helper()
	return RawListener(t, answerGarbage)
}

// answerGarbage sends the garbage, then half-closes and drains the
// client's bytes before closing: closing with unread input would send a
// reset, which can overtake the garbage.
func answerGarbage(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(garbage)); err != nil {
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// ClosedPort returns a "127.0.0.1:port" address where a connect is refused
// (ECONNREFUSED). The port stays bound, without listening, until t.Cleanup,
// so nothing else can start listening on it meanwhile.
func ClosedPort(t TB) string {
	t.Helper()
	fd, port := bindLoopback(t)
	t.Cleanup(func() { syscall.Close(fd) })
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// BlackholeListener returns a "127.0.0.1:port" address where a TCP connect
// hangs until the dialer's timeout: the listening socket has a backlog of
// zero, never accepts, and its accept queue is already full with a
// connection held open, so Linux drops further SYNs. It is closed by
// t.Cleanup. It fails the test if the kernel does not behave so.
func BlackholeListener(t TB) string {
	t.Helper()
	fd, port := bindLoopback(t)
	if err := syscall.Listen(fd, 0); err != nil {
		syscall.Close(fd)
		t.Fatalf("sftptest: listen: %v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var fillers []net.Conn
	t.Cleanup(func() {
		for _, c := range fillers {
			c.Close()
		}
		syscall.Close(fd)
	})
	// Fill the accept queue until a connect no longer completes. Linux
	// needs one connection for a backlog of 0; allow a few in case. A
	// timeout before any connect succeeded is noise, not a full queue.
	for range 5 {
		c, err := net.DialTimeout("tcp4", addr, 200*time.Millisecond)
		if err == nil {
			fillers = append(fillers, c)
			continue
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("sftptest: blackhole listener: unexpected dial error: %v", err)
		}
		if len(fillers) > 0 {
			return addr
		}
	}
	t.Fatalf("sftptest: blackhole listener: connects to %s keep succeeding", addr)
	return ""
}

// listenLoopback listens on a random port of 127.0.0.1.
func listenLoopback(t TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sftptest: listen: %v", err)
	}
	return ln
}

// bindLoopback returns a TCP socket bound to a random port of 127.0.0.1,
// not listening.
func bindLoopback(t TB) (fd, port int) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("sftptest: socket: %v", os.NewSyscallError("socket", err))
	}
	syscall.CloseOnExec(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		t.Fatalf("sftptest: bind: %v", os.NewSyscallError("bind", err))
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		t.Fatalf("sftptest: getsockname: %v", os.NewSyscallError("getsockname", err))
	}
	return fd, sa.(*syscall.SockaddrInet4).Port
}
