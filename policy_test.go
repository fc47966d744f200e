package sftppush_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
)

// countingListener is a TCP listener on 127.0.0.1 that counts the
// connections it accepts and closes them.
type countingListener struct {
	ln       net.Listener
	port     int
	accepted atomic.Int32
	done     chan struct{}
}

func newCountingListener(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &countingListener{ln: ln, port: ln.Addr().(*net.TCPAddr).Port, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-c.done })
	return c
}

// assertNoneReached proves that no connection reached the listener before
// now. The kernel queues connections in order, so after our own probe
// connection has been accepted, any earlier one has been counted too.
func (c *countingListener) assertNoneReached(t *testing.T) {
	t.Helper()
	probe, err := net.Dial("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)))
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.accepted.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := c.accepted.Load(); n != 1 {
		t.Errorf("the listener accepted %d connections; want only the probe", n)
	}
}

// Every refused range, as a literal address, ends the push before any
// packet leaves: the listener behind 127.0.0.1 never sees a connection, and
// the other addresses are refused before connect(2), as fast as a map
// lookup, not after a network timeout.
func TestPushRefusesBlockedLiterals(t *testing.T) {
	ln := newCountingListener(t)
	p := sftppush.New(sftppush.Config{ConnectTimeout: 5 * time.Second})
	for _, host := range []string{
		"127.0.0.1", "0.0.0.0", "10.0.0.1", "100.64.0.1", "169.254.169.254", "172.16.0.1", "192.0.0.1",
		"192.0.2.1", "192.168.0.1", "198.18.0.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",
	} {
		t.Run(host, func(t *testing.T) {
			c := addrCreds(t, net.JoinHostPort(host, strconv.Itoa(ln.port)))
			start := time.Now()
			res := p.Push(context.Background(), c, okGroup(t, 10))
			if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonBlockedByPolicy {
				t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
			}
			var be *sftppush.BlockedError
			if !errors.As(res.Err, &be) || be.Addr != net.JoinHostPort(host, strconv.Itoa(ln.port)) || be.Rule == "" {
				t.Fatalf("err %v: want a *BlockedError naming the address", res.Err)
			}
			msg := res.Err.Error()
			if !strings.Contains(msg, host) || !strings.Contains(msg, "Config.AllowNetworks") {
				t.Errorf("error %q does not name the address and the field to change", msg)
			}
			if res.Entry.Reason != sftppush.ReasonBlockedByPolicy || res.Entry.RemoteAddr != "" {
				t.Errorf("entry: %+v", res.Entry)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v: the refusal waited for the network", took)
			}
		})
	}
	ln.assertNoneReached(t)
}

// A name that resolves to a blocked address is refused too: the check is on
// the address being connected to, not on what was typed.
func TestPushRefusesNameResolvingToBlocked(t *testing.T) {
	ln := newCountingListener(t)
	r := sftptest.NewResolver(t, map[string]string{"innocent.example": "127.0.0.1", "metadata.example": "169.254.169.254"})
	p := sftppush.New(sftppush.Config{Resolver: r, ConnectTimeout: 5 * time.Second})
	for _, host := range []string{"innocent.example", "metadata.example"} {
		c := sftppush.Credentials{Host: host, Port: ln.port, Username: "u", Password: "secret-pass", Folder: "/"}
		res := p.Push(context.Background(), c, okGroup(t, 10))
		if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonBlockedByPolicy {
			t.Fatalf("%s: got %s/%s %v", host, res.Status, res.Reason, res.Err)
		}
		var be *sftppush.BlockedError
		if !errors.As(res.Err, &be) || !strings.HasSuffix(be.Addr, ":"+strconv.Itoa(ln.port)) {
			t.Errorf("%s: err %v", host, res.Err)
		}
	}
	ln.assertNoneReached(t)

	// The same name, once its network is allowed, connects.
	s := serverWith(t, sftptest.Faults{})
	r = sftptest.NewResolver(t, map[string]string{"sftp.customer.example": "127.0.0.1"})
	ok := sftppush.New(sftppush.Config{Resolver: r, AllowNetworks: []netip.Prefix{loopbackNet}})
	c := s.Credentials("/upload")
	c.Host = "sftp.customer.example"
	if res := ok.Push(context.Background(), c, okGroup(t, 100)); res.Status != sftppush.StatusOK {
		t.Fatalf("allowed name: got %s/%s %v", res.Status, res.Reason, res.Err)
	}
}

// A Config.DialContext is never called with a blocked address: the escape
// hatch does not bypass the policy.
func TestPolicyGuardsCustomDialer(t *testing.T) {
	var calls []string
	p := sftppush.New(sftppush.Config{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		calls = append(calls, addr)
		return nil, errors.New("dialer called")
	}})
	for _, host := range []string{"127.0.0.1", "10.9.8.7"} {
		c := addrCreds(t, host+":2222")
		res := p.Push(context.Background(), c, okGroup(t, 10))
		if res.Reason != sftppush.ReasonBlockedByPolicy {
			t.Errorf("%s: got %s/%s %v", host, res.Status, res.Reason, res.Err)
		}
	}
	if len(calls) != 0 {
		t.Errorf("DialContext was called with %v", calls)
	}
	// A public address reaches it (and fails there).
	res := p.Push(context.Background(), addrCreds(t, "8.8.8.8:2222"), okGroup(t, 10))
	if len(calls) != 1 || calls[0] != "8.8.8.8:2222" || res.Reason == sftppush.ReasonBlockedByPolicy {
		t.Errorf("public address: calls %v, reason %s", calls, res.Reason)
	}
}

// A malformed Config.AllowNetworks refuses every destination, naming the
// entry, rather than being ignored.
func TestAllowNetworksInvalid(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	for _, bad := range [][]netip.Prefix{
		{loopbackNet, {}},
		{netip.MustParsePrefix("::1/128")},
		{netip.MustParsePrefix("::ffff:127.0.0.0/104")},
	} {
		res := sftppush.New(sftppush.Config{AllowNetworks: bad}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 10))
		if res.Reason != sftppush.ReasonBlockedByPolicy || !strings.Contains(res.Err.Error(), "Config.AllowNetworks[") {
			t.Errorf("%v: got %s/%s %v", bad, res.Status, res.Reason, res.Err)
		}
	}
	if n := s.Connections(); n != 0 {
		t.Errorf("server saw %d connections", n)
	}
}
