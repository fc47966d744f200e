package sftppush

import (
	"net"
	"syscall"
)

// quickAckConn re-arms TCP_QUICKACK before every read, so that we
// acknowledge the server's segments at once instead of after the delayed-ACK
// timer (40 ms on Linux).
//
// OpenSSH's sshd leaves Nagle's algorithm on for non-interactive sessions:
// when it sends two small packets in a row (during login, opening the
// channel, starting SFTP), the second waits until the first is
// acknowledged, and with delayed ACKs on our side each such exchange
// stalled about 40 ms. Linux clears TCP_QUICKACK again on its own, hence
// the re-arming. It costs one setsockopt per read; reads are few during an
// upload (the server only sends status replies).
type quickAckConn struct {
	*net.TCPConn
	raw syscall.RawConn
}

// tuneTCP returns c wrapped for TCP_QUICKACK when it is a TCP connection on
// a platform that has it; other connections (a Config.DialContext proxy)
// are returned as they are.
func tuneTCP(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok || !haveQuickAck {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	return &quickAckConn{TCPConn: tc, raw: raw}
}

func (c *quickAckConn) Read(p []byte) (int, error) {
	c.raw.Control(setQuickAck)
	return c.TCPConn.Read(p)
}
