package sftppush

import (
	"testing"
	"time"
)

func TestMaxSessionsDefault(t *testing.T) {
	for in, want := range map[int]int{0: defaultMaxSessions, -1: 1, 1: 1, 4: 4, 50: 50} {
		if got := resolve(Config{MaxSessions: in}, stripeTuning{}).maxSessions; got != want {
			t.Errorf("MaxSessions %d: got %d, want %d", in, got, want)
		}
	}
}

func TestConnectTimeoutDefault(t *testing.T) {
	if got := resolve(Config{}, stripeTuning{}).connectTimeout; got != 10*time.Second {
		t.Errorf("zero Config: connect timeout %v, want 10s", got)
	}
	if got := resolve(Config{ConnectTimeout: 3 * time.Second}, stripeTuning{}).connectTimeout; got != 3*time.Second {
		t.Errorf("connect timeout %v, want 3s", got)
	}
}

func TestGuardDefaults(t *testing.T) {
	p := resolve(Config{}, stripeTuning{})
	if p.stallTimeout != 30*time.Second || p.keepalive != 5*time.Second || p.keepaliveCountMax != 3 {
		t.Errorf("zero Config: stall %v, keepalive %v x %d; want 30s, 5s x 3", p.stallTimeout, p.keepalive, p.keepaliveCountMax)
	}
	off := resolve(Config{StallTimeout: -1, KeepaliveInterval: -1}, stripeTuning{})
	if off.stallTimeout != 0 || off.keepalive != 0 {
		t.Errorf("negative values: stall %v, keepalive %v; want both off", off.stallTimeout, off.keepalive)
	}
}
