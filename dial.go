package sftppush

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"
)

// destination is where a push connects and who logs in, from validated
// credentials. It holds the password: it is never printed or logged.
type destination struct {
	host     string // the IPv4 address, or the DNS name in lower-case ASCII
	port     string
	addr     string // host:port, the subject of connection errors
	user     string
	password string
}

// destinationOf validates the credentials and returns where to connect.
// The Reason of invalid credentials follows the first bad field, in the
// order the connection would have used them: Host and Port would have
// failed to connect, Username and Password to log in, Folder to find the
// folder.
func destinationOf(c Credentials) (destination, *Error) {
	if err := c.Validate(); err != nil {
		r := ReasonInvalidHost
		var ve *ValidationError
		if errors.As(err, &ve) && len(ve.Fields) > 0 {
			switch ve.Fields[0].Field {
			case "Username", "Password":
				r = ReasonInvalidLogin
			case "Folder":
				r = ReasonInvalidFolder
			}
		}
		return destination{}, newError(OpValidate, "", r, err)
	}
	host, _ := checkHost(c.Host)
	port := strconv.Itoa(c.port())
	return destination{host: host, port: port, addr: net.JoinHostPort(host, port), user: c.Username, password: c.Password}, nil
}

// dial resolves the destination to IPv4 addresses and connects to the
// first that answers. A literal IPv4 address is not looked up.
func dial(ctx context.Context, set *settings, d destination) (net.Conn, error) {
	var ips []net.IP
	if ip := net.ParseIP(d.host).To4(); ip != nil {
		ips = []net.IP{ip}
	} else {
		var err error
		if ips, err = boundResolver(ctx, set.resolver).LookupIP(ctx, "ip4", d.host); err != nil {
			return nil, err
		}
	}
	addrs := make([]string, len(ips))
	for i, ip := range ips {
		addrs[i] = net.JoinHostPort(ip.String(), d.port)
	}
	return dialAny(ctx, set.dial, addrs)
}

// attemptDelay is how long one address is tried alone before the next is
// tried beside it: RFC 8305's recommended Connection Attempt Delay.
const attemptDelay = 250 * time.Millisecond

// dialAny connects to the first of addrs that answers, within ctx, as
// Happy Eyeballs does (RFC 8305, here among IPv4 addresses): the addresses
// are tried in order, each attemptDelay after the one before, or at once
// when the one before failed, and the first connection wins. So an address
// that black-holes does not spend the whole connect limit before the next
// is tried. Every attempt has ended, and every losing connection is
// closed, when it returns.
func dialAny(ctx context.Context, dial dialFunc, addrs []string) (net.Conn, error) {
	if len(addrs) == 1 {
		return dial(ctx, "tcp4", addrs[0])
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i    int
		conn net.Conn
		err  error
	}
	results := make(chan result, len(addrs)) // never blocks an attempt
	var wg sync.WaitGroup
	next, pending := 0, 0
	start := func() {
		i := next
		next++
		pending++
		wg.Go(func() {
			c, err := dial(actx, "tcp4", addrs[i])
			results <- result{i, c, err}
		})
	}
	errs := make([]error, len(addrs))
	timer := time.NewTimer(attemptDelay)
	defer timer.Stop()
	var won net.Conn
	start()
	for won == nil && pending > 0 {
		select {
		case r := <-results:
			pending--
			if r.err == nil {
				won = r.conn
				continue
			}
			errs[r.i] = r.err
			if next < len(addrs) && ctx.Err() == nil {
				start()
				timer.Reset(attemptDelay)
			}
		case <-timer.C:
			if next < len(addrs) {
				start()
				timer.Reset(attemptDelay)
			}
		}
	}
	cancel()
	wg.Wait()
	close(results)
	for r := range results { // attempts that ended after the winner
		if r.err == nil {
			r.conn.Close()
		} else {
			errs[r.i] = r.err
		}
	}
	if won != nil {
		return won, nil
	}
	return nil, dialErrors(errs)
}

// dialErrors is what the failed attempts of dialAny say, in the order of
// the addresses: the real failures, or the policy's refusals if there was
// no other.
func dialErrors(errs []error) error {
	var real, blocked []error
	for _, err := range errs {
		switch {
		case err == nil: // never tried: the attempt's time ran out first
		case isBlocked(err):
			// Refused by the destination policy: nothing was sent.
			// Another address's real failure, if any, says more.
			blocked = append(blocked, err)
		default:
			real = append(real, err)
		}
	}
	if len(real) == 0 {
		real = blocked
	}
	if len(real) == 1 {
		return real[0]
	}
	return errors.Join(real...)
}

// boundResolver returns r as a resolver whose DNS connections are closed
// when ctx, the push's, ends: Go's resolver goes on waiting for a reply
// until its own per-try timeout (about 5 s) after the caller gave up, and
// its socket would outlive the push. Go's own DNS client is used, through
// r.Dial if set: cgo's getaddrinfo cannot be interrupted at all.
func boundResolver(ctx context.Context, r *net.Resolver) *net.Resolver {
	dial := r.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return &net.Resolver{PreferGo: true, StrictErrors: r.StrictErrors,
		Dial: func(dctx context.Context, network, address string) (net.Conn, error) {
			c, err := dial(dctx, network, address)
			if err != nil {
				return nil, err
			}
			stop := context.AfterFunc(ctx, func() { c.Close() })
			if udp, ok := c.(*net.UDPConn); ok { // Go's resolver frames by whether it is a PacketConn
				return &boundUDPConn{UDPConn: udp, stop: stop}, nil
			}
			if _, ok := c.(net.PacketConn); ok {
				return c, nil // a PacketConn of another kind: closed when ctx ends
			}
			return &boundConn{Conn: c, stop: stop}, nil
		}}
}

// boundConn and boundUDPConn are DNS connections closed when their push's
// context ends.
type (
	boundConn struct {
		net.Conn
		stop func() bool
	}
	boundUDPConn struct {
		*net.UDPConn
		stop func() bool
	}
)

func (c *boundConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

func (c *boundUDPConn) Close() error {
	c.stop()
	return c.UDPConn.Close()
}
