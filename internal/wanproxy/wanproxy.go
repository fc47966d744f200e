// Package wanproxy is a TCP proxy on loopback that makes the connections
// through it behave like long-distance ones: each direction is delayed by
// half the round trip, capped in bandwidth, and the bytes in flight toward
// the target are limited as a receiver's TCP window would limit them.
//
// It exists to measure SFTP clients against a real server on one machine:
// over plain loopback every client looks alike, while across an ocean the
// SSH channel window and the customer's TCP window decide the speed.
//
// Order is preserved in each direction and nothing is dropped, so it
// emulates a clean long link, not a lossy one. Half-closes are passed on.
package wanproxy

import (
	"errors"
	"net"
	"sync"
	"time"
)

// Config describes the emulated link.
type Config struct {
	// RTT is the round trip added to every connection: each direction is
	// delayed by RTT/2. Zero adds none.
	RTT time.Duration

	// Rate caps each direction, in bytes per second. Zero means no cap.
	Rate float64

	// Window is the most bytes in flight toward the target, as the
	// target's advertised TCP receive window would allow: a byte counts
	// from when the proxy takes it from the client until its
	// acknowledgement would be back, a full RTT after it was delivered
	// half an RTT later. Throughput toward the target is then at most
	// Window/RTT. Zero means no limit.
	Window int
}

// Proxy forwards connections from Addr to a target address with the
// delays and limits of its Config.
type Proxy struct {
	// Addr is the listening address, "127.0.0.1:port".
	Addr string

	cfg    Config
	target string
	ln     net.Listener
	done   chan struct{} // closed by Close: wakes every sleeper
	wg     sync.WaitGroup

	mu          sync.Mutex
	closed      bool
	conns       map[net.Conn]struct{}
	maxInFlight int
}

// Start listens on a free port of 127.0.0.1 and forwards every connection
// to target. Close stops it.
func Start(target string, cfg Config) (*Proxy, error) {
	if cfg.RTT < 0 || cfg.Rate < 0 || cfg.Window < 0 {
		return nil, errors.New("wanproxy: negative RTT, Rate or Window")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), cfg: cfg, target: target, ln: ln,
		done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Close stops listening, closes every connection and waits until all the
// proxy's goroutines have returned. It is safe to call more than once.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

// MaxInFlight reports the most bytes that were ever in flight toward the
// target on one connection: at most Config.Window when that is set.
func (p *Proxy) MaxInFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxInFlight
}

// track registers c so that Close can close it; it reports false once
// the proxy is closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			c.Close()
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve connects to the target and runs both directions until both have
// ended.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	d := net.Dialer{Timeout: 10 * time.Second}
	server, err := d.Dial("tcp4", p.target)
	if err != nil {
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.untrack(server)
	var wg sync.WaitGroup
	up := p.newLink(client, server, p.cfg.Window)
	down := p.newLink(server, client, 0)
	for _, l := range []*link{up, down} {
		wg.Add(3)
		go func() { defer wg.Done(); l.read() }()
		go func() { defer wg.Done(); l.write() }()
		go func() { defer wg.Done(); l.acks() }()
	}
	wg.Wait()
}
