package sftppush

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// The destination policy. Strangers type the host, so without it a push is a
// way into the service's own network: its loopback, its private networks,
// the cloud metadata service on 169.254.169.254. By default a push connects
// only to public IPv4 addresses; Config.AllowNetworks opens chosen networks.
//
// The check runs on the address actually being connected to: in
// net.Dialer.Control, after DNS and just before connect(2), and before
// calling a Config.DialContext with the resolved address. Checking a name's
// addresses and then dialing by name would be bypassed by DNS rebinding.

// BlockedError is the error of a destination the policy refuses. The push
// ends with SFTP_CONNECTION_TIMEOUT and ReasonBlockedByPolicy, and no packet
// was sent to the address.
type BlockedError struct {
	// Addr is the refused address as dialed, "a.b.c.d:port".
	Addr string
	// Rule names what refused it, such as "loopback (127.0.0.0/8)", or
	// the problem with Config.AllowNetworks itself when that is why.
	Rule string
	bad  bool // Rule is a problem with Config.AllowNetworks
}

// Error names the address, the rule and the Config field that changes it.
func (e *BlockedError) Error() string {
	if e.bad {
		return fmt.Sprintf("destination %s refused: %s", e.Addr, e.Rule)
	}
	return fmt.Sprintf("destination %s is %s, which pushes may not reach by default; to allow it, add its network to Config.AllowNetworks", e.Addr, e.Rule)
}

// blockedNetworks are the IPv4 ranges refused by default: every range of
// the IANA special-purpose registry (RFC 6890 and its updates) that is not
// globally reachable, plus multicast. More specific rows come first so
// that a refusal names the most precise rule.
var blockedNetworks = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\", which reaches the local host on Linux"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (shared address space)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local, where cloud metadata services live"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (TEST-NET-1)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "deprecated 6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (TEST-NET-2)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (TEST-NET-3)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
}

// destinationRule returns why addr may not be connected to, or "" if it
// may. An IPv4-mapped IPv6 address is judged as the IPv4 address it
// carries; any other IPv6 address is refused, allowed networks or not,
// since the product does not support IPv6. allow must hold IPv4 prefixes
// only (see checkAllowed).
func destinationRule(addr netip.Addr, allow []netip.Prefix) string {
	addr = addr.Unmap()
	switch {
	case !addr.IsValid():
		return "not an IP address"
	case !addr.Is4():
		return "IPv6, which is not supported"
	}
	for _, p := range allow {
		if p.Contains(addr) {
			return ""
		}
	}
	for _, b := range blockedNetworks {
		if b.prefix.Contains(addr) {
			return b.name + " (" + b.prefix.String() + ")"
		}
	}
	return ""
}

// checkDestination checks the "ip:port" about to be dialed.
func checkDestination(address string, allow []netip.Prefix, allowErr error) error {
	if allowErr != nil {
		return &BlockedError{Addr: address, Rule: allowErr.Error(), bad: true}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Addr: address, Rule: "not an IP address and port"}
	}
	if rule := destinationRule(ap.Addr(), allow); rule != "" {
		return &BlockedError{Addr: address, Rule: rule}
	}
	return nil
}

// checkAllowed returns an error naming the first entry of
// Config.AllowNetworks that is not an IPv4 prefix. A bad entry refuses
// every destination (fail closed) rather than being skipped without a word.
func checkAllowed(allow []netip.Prefix) error {
	for i, n := range allow {
		if !n.IsValid() || !n.Addr().Is4() {
			return fmt.Errorf("Config.AllowNetworks[%d] (%s) is not an IPv4 network such as 127.0.0.0/8; IPv6 is not supported", i, n)
		}
	}
	return nil
}

// guardedDial returns the function that opens TCP connections for a push,
// with the destination policy applied to the address actually dialed:
// user's (Config.DialContext) if not nil, else a net.Dialer's.
func guardedDial(user dialFunc, allow []netip.Prefix) dialFunc {
	allow = append([]netip.Prefix(nil), allow...) // the caller may change its slice
	allowErr := checkAllowed(allow)
	if user != nil {
		return func(ctx context.Context, network, addr string) (net.Conn, error) {
			if err := checkDestination(addr, allow, allowErr); err != nil {
				return nil, err
			}
			return user(ctx, network, addr)
		}
	}
	d := &net.Dialer{
		// Control runs after the socket is made and before connect(2): the
		// address it sees is the one the packets would go to.
		Control: func(_, address string, _ syscall.RawConn) error {
			return checkDestination(address, allow, allowErr)
		},
	}
	return d.DialContext
}

// isBlocked reports whether err is the destination policy's refusal.
func isBlocked(err error) bool {
	var be *BlockedError
	return errors.As(err, &be)
}
