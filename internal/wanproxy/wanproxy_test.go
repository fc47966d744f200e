package wanproxy

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// echoServer echoes every connection until the client half-closes, then
// closes. It stops on t.Cleanup.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func startProxy(t *testing.T, target string, cfg Config) *Proxy {
	t.Helper()
	p, err := Start(target, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// roundTrip sends data through the proxy to the echo server, half-closes,
// and returns what came back and how long it took.
func roundTrip(t *testing.T, addr string, data []byte) ([]byte, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return got, time.Since(start)
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestForwardsInOrder(t *testing.T) {
	echo := echoServer(t)
	for _, cfg := range []Config{
		{},
		{RTT: 20 * time.Millisecond},
		{RTT: 20 * time.Millisecond, Rate: 100e6, Window: 256 << 10},
		{Window: 1000},
	} {
		p := startProxy(t, echo, cfg)
		data := random(3<<20 + 17)
		got, _ := roundTrip(t, p.Addr, data)
		if !bytes.Equal(got, data) {
			t.Errorf("%+v: got %d bytes back, want the %d sent, in order", cfg, len(got), len(data))
		}
		if cfg.Window > 0 && p.MaxInFlight() > cfg.Window {
			t.Errorf("%+v: %d bytes in flight, more than the window", cfg, p.MaxInFlight())
		}
	}
}

// The emulated link never delivers early: these are lower bounds, which
// a slow machine cannot break.
func TestDelaysAndLimits(t *testing.T) {
	echo := echoServer(t)
	t.Run("round trip", func(t *testing.T) {
		p := startProxy(t, echo, Config{RTT: 100 * time.Millisecond})
		// Out and back: two one-way delays, each RTT/2.
		if _, d := roundTrip(t, p.Addr, []byte("ping")); d < 100*time.Millisecond {
			t.Errorf("echo took %v, less than the round trip", d)
		}
	})
	t.Run("rate", func(t *testing.T) {
		p := startProxy(t, echo, Config{Rate: 10e6})
		if _, d := roundTrip(t, p.Addr, random(2e6)); d < 200*time.Millisecond {
			t.Errorf("2 MB at 10 MB/s took %v", d)
		}
	})
	t.Run("window", func(t *testing.T) {
		const w, rtt, size = 64 << 10, 40 * time.Millisecond, 1 << 20
		p := startProxy(t, echo, Config{RTT: rtt, Window: w})
		// Each window's worth waits a round trip for the one before it.
		if _, d := roundTrip(t, p.Addr, random(size)); d < (size/w-1)*rtt {
			t.Errorf("%d bytes through a %d-byte window at %v took only %v", size, w, rtt, d)
		}
		if p.MaxInFlight() > w {
			t.Errorf("%d bytes in flight", p.MaxInFlight())
		}
	})
}

func TestCloseEndsLiveConnections(t *testing.T) {
	echo := echoServer(t)
	p, err := Start(echo, Config{RTT: time.Hour, Window: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp4", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("stuck for an hour"))
	time.Sleep(20 * time.Millisecond) // let it be taken and queued
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("connection still open after Close")
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestTargetDown(t *testing.T) {
	ln, _ := net.Listen("tcp4", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	p := startProxy(t, addr, Config{})
	c, err := net.Dial("tcp4", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("read from a proxied connection whose target is down succeeded")
	}
}

func TestStartRejectsNegative(t *testing.T) {
	if _, err := Start("127.0.0.1:1", Config{RTT: -1}); err == nil {
		t.Error("negative RTT accepted")
	}
}
