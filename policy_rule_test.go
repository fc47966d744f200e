package sftppush

import (
	"net/netip"
	"strings"
	"testing"
)

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
