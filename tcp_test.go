package sftppush

import (
	"io"
	"net"
	"testing"
)

func TestTuneTCP(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("hello"))
		c.Close()
	}()
	c, err := net.Dial("tcp4", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc := tuneTCP(c)
	if _, ok := tc.(*quickAckConn); ok != haveQuickAck {
		t.Fatalf("tuneTCP gave %T on a platform with TCP_QUICKACK=%v", tc, haveQuickAck)
	}
	b, err := io.ReadAll(tc)
	if err != nil || string(b) != "hello" {
		t.Fatalf("read %q, %v through the tuned connection", b, err)
	}

	// A connection that is not TCP (a proxy from Config.DialContext) is
	// left alone.
	a, z := net.Pipe()
	defer a.Close()
	defer z.Close()
	if got := tuneTCP(a); got != a {
		t.Errorf("tuneTCP wrapped a %T", a)
	}
}
