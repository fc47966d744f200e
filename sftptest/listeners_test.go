package sftptest

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// handshake runs an SSH client handshake on addr with the connection's
// deadline set to limit, and reports the error and how long it took.
func handshake(t *testing.T, addr string, limit time.Duration) (time.Duration, error) {
	t.Helper()
	nc, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(limit))
	cfg := &ssh.ClientConfig{
		User:            "u",
		Auth:            []ssh.AuthMethod{ssh.Password("p")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
	start := time.Now()
	conn, _, _, err := ssh.NewClientConn(nc, addr, cfg)
	if err == nil {
		conn.Close()
	}
	return time.Since(start), err
}

func TestSilentListener(t *testing.T) {
	addr := SilentListener(t)
	elapsed, err := handshake(t, addr, 300*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("handshake error = %v, want the deadline to pass", err)
	}
	if elapsed < 250*time.Millisecond {
		t.Errorf("handshake ended after %v, before the deadline", elapsed)
	}
}

func TestGarbageListener(t *testing.T) {
	addr := GarbageListener(t)
	for range 3 { // more than one connection is served
		elapsed, err := handshake(t, addr, 10*time.Second)
		if err == nil {
			t.Fatal("handshake succeeded against garbage")
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("handshake timed out (%v), want it to fail fast", err)
		}
		if elapsed > 5*time.Second {
			t.Errorf("handshake took %v to fail", elapsed)
		}
	}
	// The garbage itself arrives intact.
	nc, err := net.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, len(garbage)+10)
	n, _ := readFull(nc, buf)
	if got := string(buf[:n]); got != garbage {
		t.Errorf("read %q, want %q", got, garbage)
	}
}

// readFull reads until buf is full or the stream ends.
func readFull(nc net.Conn, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := nc.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func TestClosedPort(t *testing.T) {
	addr := ClosedPort(t)
	for range 2 {
		_, err := net.DialTimeout("tcp4", addr, 5*time.Second)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial error = %v, want ECONNREFUSED", err)
		}
	}
}

func TestBlackholeListener(t *testing.T) {
	addr := BlackholeListener(t)
	for range 2 {
		start := time.Now()
		c, err := net.DialTimeout("tcp4", addr, 300*time.Millisecond)
		if err == nil {
			c.Close()
			t.Fatal("dial succeeded, want it to hang")
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("dial error = %v, want a timeout", err)
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial refused: %v", err)
		}
		if elapsed := time.Since(start); elapsed < 250*time.Millisecond {
			t.Errorf("dial gave up after %v, before its timeout", elapsed)
		}
	}
}
