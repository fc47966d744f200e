package sftptest

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// NewResolver starts a DNS server on 127.0.0.1 (UDP and TCP) and returns a
// resolver that asks only that server, whatever address Go's resolver
// would have used, so no query leaves the machine.
//
// The server answers A queries for the names in records (name -> IPv4
// address, or several separated by commas, answered in that order; names
// are case-insensitive, with or without the trailing dot),
// an empty NOERROR answer to any other query type (AAAA included) for
// those names, and NXDOMAIN for every other name. Names that Go resolves
// without DNS, such as "localhost" and those in /etc/hosts, never reach it.
// The server stops in t.Cleanup.
func NewResolver(t TB, records map[string]string) *net.Resolver {
	t.Helper()
	zone := make(map[string][][4]byte, len(records))
	for name, ips := range records {
		for _, ip := range strings.Split(ips, ",") {
			v4 := net.ParseIP(strings.TrimSpace(ip)).To4()
			if v4 == nil {
				t.Fatalf("sftptest: NewResolver: %q is not an IPv4 address (for %q)", ip, name)
			}
			zone[dnsKey(name)] = append(zone[dnsKey(name)], [4]byte(v4))
		}
	}

	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sftptest: NewResolver: %v", err)
	}
	tcp, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		udp.Close()
		t.Fatalf("sftptest: NewResolver: %v", err)
	}
	d := &dnsServer{zone: zone, conns: make(map[net.Conn]struct{})}
	d.wg.Go(func() { d.serveUDP(udp) })
	d.wg.Go(func() { d.serveTCP(tcp) })
	t.Cleanup(func() {
		d.mu.Lock()
		d.closed = true
		for c := range d.conns {
			c.Close()
		}
		d.mu.Unlock()
		udp.Close()
		tcp.Close()
		d.wg.Wait()
	})

	udpAddr, tcpAddr := udp.LocalAddr().String(), tcp.Addr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var dialer net.Dialer
			if strings.HasPrefix(network, "tcp") {
				return dialer.DialContext(ctx, "tcp4", tcpAddr)
			}
			return dialer.DialContext(ctx, "udp4", udpAddr)
		},
	}
}

// dnsKey is the form names are looked up in: lower case, no trailing dot.
func dnsKey(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

type dnsServer struct {
	zone map[string][][4]byte
	wg   sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

func (d *dnsServer) serveUDP(pc net.PacketConn) {
	buf := make([]byte, 65535)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return // closed on cleanup
		}
		if resp, ok := d.answer(buf[:n]); ok {
			pc.WriteTo(resp, from)
		}
	}
}

func (d *dnsServer) serveTCP(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed on cleanup
		}
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			c.Close()
			return
		}
		d.conns[c] = struct{}{}
		d.mu.Unlock()
		d.wg.Go(func() {
			defer func() {
				d.mu.Lock()
				delete(d.conns, c)
				d.mu.Unlock()
				c.Close()
			}()
			d.serveStream(c)
		})
	}
}

// serveStream answers length-prefixed DNS messages until the peer stops.
func (d *dnsServer) serveStream(c net.Conn) {
	var hdr [2]byte
	for {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		resp, ok := d.answer(msg)
		if !ok {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

// answer builds the response to one query; ok is false for input that is
// not worth answering.
func (d *dnsServer) answer(query []byte) (resp []byte, ok bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil || h.Response {
		return nil, false
	}
	q, err := p.Question()
	rh := dnsmessage.Header{
		ID:                 h.ID,
		Response:           true,
		OpCode:             h.OpCode,
		Authoritative:      true, // Go's resolver treats a non-authoritative, non-recursive empty answer as a lame referral
		RecursionDesired:   h.RecursionDesired,
		RecursionAvailable: true,
	}
	if err != nil {
		rh.RCode = dnsmessage.RCodeFormatError
		b := dnsmessage.NewBuilder(nil, rh)
		resp, err := b.Finish()
		return resp, err == nil
	}

	ips, known := d.zone[dnsKey(q.Name.String())]
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if b.StartQuestions() != nil || b.Question(q) != nil || b.StartAnswers() != nil {
		return nil, false
	}
	if known && q.Type == dnsmessage.TypeA && q.Class == dnsmessage.ClassINET {
		rr := dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60}
		for _, ip := range ips {
			if b.AResource(rr, dnsmessage.AResource{A: ip}) != nil {
				return nil, false
			}
		}
	}
	resp, err = b.Finish()
	return resp, err == nil
}
