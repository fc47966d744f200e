package sftppush

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

func TestDestinationRule(t *testing.T) {
	tests := []struct {
		addr    string
		blocked string // a word of the rule, "" when allowed
	}{
		{"0.0.0.0", "this network"},
		{"0.1.2.3", "this network"},
		{"10.0.0.1", "private"},
		{"10.255.255.255", "private"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.254", "carrier-grade NAT"},
		{"127.0.0.1", "loopback"},
		{"127.1.2.3", "loopback"},
		{"169.254.169.254", "link-local"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.0.0.8", "IETF"},
		{"192.0.2.10", "TEST-NET-1"},
		{"192.88.99.1", "6to4"},
		{"192.168.1.1", "private"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"198.51.100.7", "TEST-NET-2"},
		{"203.0.113.10", "TEST-NET-3"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"240.0.0.1", "reserved"},
		{"254.1.1.1", "reserved"},
		{"255.255.255.255", "broadcast"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::1", "IPv6"},
		{"::", "IPv6"},
		{"2001:db8::1", "IPv6"},
		{"2606:4700::1111", "IPv6"},
		{"fe80::1", "IPv6"},
		{"64:ff9b::7f00:1", "IPv6"}, // NAT64 of 127.0.0.1

		// Public addresses, including the neighbours of blocked ranges.
		{"1.1.1.1", ""},
		{"8.8.8.8", ""},
		{"9.255.255.255", ""},
		{"11.0.0.0", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"126.255.255.255", ""},
		{"128.0.0.0", ""},
		{"169.253.255.255", ""},
		{"172.15.255.255", ""},
		{"172.32.0.0", ""},
		{"192.0.1.1", ""},
		{"192.167.255.255", ""},
		{"192.169.0.0", ""},
		{"198.17.255.255", ""},
		{"198.20.0.0", ""},
		{"223.255.255.255", ""},
		{"::ffff:8.8.8.8", ""},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			rule := destinationRule(netip.MustParseAddr(tc.addr), nil)
			if tc.blocked == "" && rule != "" {
				t.Errorf("refused as %q, want allowed", rule)
			}
			if tc.blocked != "" && !strings.Contains(rule, tc.blocked) {
				t.Errorf("rule %q, want one mentioning %q", rule, tc.blocked)
			}
		})
	}
	if rule := destinationRule(netip.Addr{}, nil); rule == "" {
		t.Error("the zero Addr is allowed")
	}
}

func TestAllowNetworks(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("127.0.0.1/32")}
	for addr, allowed := range map[string]bool{
		"10.1.2.3":         true,
		"10.2.0.1":         false, // private, outside the allowed /16
		"127.0.0.1":        true,
		"127.0.0.2":        false,
		"::ffff:127.0.0.1": true,
		"::1":              false, // IPv6 stays refused
		"8.8.8.8":          true,
	} {
		if got := destinationRule(netip.MustParseAddr(addr), allow) == ""; got != allowed {
			t.Errorf("%s: allowed = %v, want %v", addr, got, allowed)
		}
	}
}

// Every refused range, as a literal address, ends the push before any
// packet leaves: the listener behind 127.0.0.1 never sees a connection, and
// the other addresses are refused before connect(2), as fast as a map
// lookup, not after a network timeout.
func TestPushRefusesBlockedLiterals(t *testing.T) {
	ln := newCountingListener(t)
	p := New(Config{ConnectTimeout: 5 * time.Second})
	for _, host := range []string{
		"127.0.0.1", "0.0.0.0", "10.0.0.1", "100.64.0.1", "169.254.169.254", "172.16.0.1", "192.0.0.1",
		"192.0.2.1", "192.168.0.1", "198.18.0.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",
	} {
		t.Run(host, func(t *testing.T) {
			c := addrCreds(t, net.JoinHostPort(host, strconv.Itoa(ln.port)))
			start := time.Now()
			res := p.Push(context.Background(), c, okGroup(t, 10))
			if res.Status != StatusConnectionTimeout || res.Reason != ReasonBlockedByPolicy {
				t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
			}
			var be *BlockedError
			if !errors.As(res.Err, &be) || be.Addr != net.JoinHostPort(host, strconv.Itoa(ln.port)) || be.Rule == "" {
				t.Fatalf("err %v: want a *BlockedError naming the address", res.Err)
			}
			msg := res.Err.Error()
			if !strings.Contains(msg, host) || !strings.Contains(msg, "Config.AllowNetworks") {
				t.Errorf("error %q does not name the address and the field to change", msg)
			}
			if res.Entry.Reason != ReasonBlockedByPolicy || res.Entry.RemoteAddr != "" {
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
	p := New(Config{Resolver: r, ConnectTimeout: 5 * time.Second})
	for _, host := range []string{"innocent.example", "metadata.example"} {
		c := Credentials{Host: host, Port: ln.port, Username: "u", Password: "secret-pass", Folder: "/"}
		res := p.Push(context.Background(), c, okGroup(t, 10))
		if res.Status != StatusConnectionTimeout || res.Reason != ReasonBlockedByPolicy {
			t.Fatalf("%s: got %s/%s %v", host, res.Status, res.Reason, res.Err)
		}
		var be *BlockedError
		if !errors.As(res.Err, &be) || !strings.HasSuffix(be.Addr, ":"+strconv.Itoa(ln.port)) {
			t.Errorf("%s: err %v", host, res.Err)
		}
	}
	ln.assertNoneReached(t)

	// The same name, once its network is allowed, connects.
	s := serverWith(t, sftptest.Faults{})
	r = sftptest.NewResolver(t, map[string]string{"sftp.customer.example": "127.0.0.1"})
	ok := New(Config{Resolver: r, AllowNetworks: []netip.Prefix{loopbackNet}})
	c := loopbackCreds(s, "/upload")
	c.Host = "sftp.customer.example"
	if res := ok.Push(context.Background(), c, okGroup(t, 100)); res.Status != StatusOK {
		t.Fatalf("allowed name: got %s/%s %v", res.Status, res.Reason, res.Err)
	}
}

// A Config.DialContext is never called with a blocked address: the escape
// hatch does not bypass the policy.
func TestPolicyGuardsCustomDialer(t *testing.T) {
	var calls []string
	p := New(Config{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		calls = append(calls, addr)
		return nil, errors.New("dialer called")
	}})
	for _, host := range []string{"127.0.0.1", "10.9.8.7"} {
		c := addrCreds(t, host+":2222")
		res := p.Push(context.Background(), c, okGroup(t, 10))
		if res.Reason != ReasonBlockedByPolicy {
			t.Errorf("%s: got %s/%s %v", host, res.Status, res.Reason, res.Err)
		}
	}
	if len(calls) != 0 {
		t.Errorf("DialContext was called with %v", calls)
	}
	// A public address reaches it (and fails there).
	res := p.Push(context.Background(), addrCreds(t, "8.8.8.8:2222"), okGroup(t, 10))
	if len(calls) != 1 || calls[0] != "8.8.8.8:2222" || res.Reason == ReasonBlockedByPolicy {
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
		res := New(Config{AllowNetworks: bad}).Push(context.Background(), loopbackCreds(s, "/upload"), okGroup(t, 10))
		if res.Reason != ReasonBlockedByPolicy || !strings.Contains(res.Err.Error(), "Config.AllowNetworks[") {
			t.Errorf("%v: got %s/%s %v", bad, res.Status, res.Reason, res.Err)
		}
	}
	if n := s.Connections(); n != 0 {
		t.Errorf("server saw %d connections", n)
	}
}
