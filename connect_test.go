package sftppush_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
	"go.uber.org/goleak"
)

// A peer that accepts and never sends its banner would hang ssh.Dial
// forever; Push must give up at the connect timeout.
func TestConnectTimeoutBoundsHandshake(t *testing.T) {
	const limit = 2 * time.Second
	addr := sftptest.SilentListener(t)
	start := time.Now()
	res := newTestPusher(sftppush.Config{ConnectTimeout: limit}).Push(context.Background(), addrCreds(t, addr), okGroup(t, 10))
	took := time.Since(start)
	t.Logf("a peer that never sends its banner: %s/%s after %v (limit %v)", res.Status, res.Reason, took, limit)
	if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonHandshakeTimeout {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if took < limit-100*time.Millisecond || took > limit+time.Second {
		t.Errorf("took %v, want between the limit %v and the limit plus one second", took, limit)
	}
	if !sftppush.IsTimeout(res.Err) {
		t.Errorf("err %v does not report a timeout", res.Err)
	}
}

// The zero Pusher works, with the default destination policy: it refuses
// loopback without connecting, and pushes once loopback is allowed.
func TestZeroPusher(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	var p sftppush.Pusher
	res := p.Push(context.Background(), s.Credentials("/upload"), okGroup(t, 1000))
	if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonBlockedByPolicy {
		t.Fatalf("zero Pusher to loopback: got %s/%s %v, want blocked_by_policy", res.Status, res.Reason, res.Err)
	}
	if n := s.Connections(); n != 0 {
		t.Errorf("the server saw %d connections from a refused push", n)
	}
	allowed := sftppush.New(sftppush.Config{AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if res := allowed.Push(context.Background(), s.Credentials("/upload"), okGroup(t, 1000)); res.Status != sftppush.StatusOK {
		t.Fatalf("with loopback allowed: got %s/%s %v", res.Status, res.Reason, res.Err)
	}
}

func TestCancel(t *testing.T) {
	t.Run("while connecting", func(t *testing.T) {
		addr := sftptest.SilentListener(t)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		res := newTestPusher(sftppush.Config{}).Push(ctx, addrCreds(t, addr), okGroup(t, 10))
		if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonConnectCanceled || !errors.Is(res.Err, context.Canceled) {
			t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("cancel took %v to take effect", took)
		}
	})
	t.Run("while uploading", func(t *testing.T) {
		s := serverWith(t, sftptest.Faults{StallAfterBytes: 100_000})
		ctx, cancel := context.WithCancel(context.Background())
		// Cancel once the upload has really begun (the server saw the
		// open), however slow the machine is.
		polled := make(chan struct{})
		go func() {
			defer close(polled)
			for len(s.Opens()) == 0 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			cancel()
		}()
		defer func() { cancel(); <-polled }()
		var sink sftptest.MemorySink
		res := newTestPusher(sftppush.Config{Sink: &sink}).Push(ctx, s.Credentials("/upload"), okGroup(t, 1<<20))
		if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonUploadCanceled || !errors.Is(res.Err, context.Canceled) {
			t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
		}
		if sink.Len() != 1 {
			t.Errorf("a cancelled push wrote %d log entries, want 1", sink.Len())
		}
	})
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// No socket or file outlives a Push, on the good path and the bad ones.
func TestPushLeavesNoDescriptors(t *testing.T) {
	for _, f := range []sftptest.Faults{{}, {DropAfterBytes: 50_000}, {ReadOnly: []string{"/upload"}}, {RefuseSubsystem: true}} {
		s := serverWith(t, f)
		g := recording(t, 200_000)
		before := openFDs(t)
		newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
		s.Close() // the server's side of the connection lives in this process too
		if after := openFDs(t); after > before {
			t.Errorf("faults %+v: %d descriptors open after Push, %d before", f, after, before)
		}
	}
}

// An internationalized host name is looked up and logged in its ASCII form.
func TestPushIDNHost(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	creds := s.Credentials("/upload")
	creds.Host = "Bücher.example"
	cfg := sftppush.Config{Resolver: sftptest.NewResolver(t, map[string]string{"xn--bcher-kva.example": "127.0.0.1"})}
	res := newTestPusher(cfg).Push(context.Background(), creds, okGroup(t, 100))
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if res.Entry.Host != "xn--bcher-kva.example" {
		t.Errorf("entry host %q, want the ASCII form", res.Entry.Host)
	}
}

// The caller's deadline is a time limit for the attempt: reaching it ends
// the attempt as a timeout or a stall, which DefaultRetryable retries; the
// caller cancelling is not retried.
func TestDeadlineIsATimeLimit(t *testing.T) {
	cases := []struct {
		name   string
		addr   func(t *testing.T) (sftppush.Credentials, sftppush.Group)
		status sftppush.Status
		reason sftppush.Reason
	}{
		{"while the handshake hangs", func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return addrCreds(t, sftptest.SilentListener(t)), okGroup(t, 10)
		}, sftppush.StatusConnectionTimeout, sftppush.ReasonHandshakeTimeout},
		{"while the upload hangs", func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return serverWith(t, sftptest.Faults{StallAfterBytes: 10_000}).Credentials("/upload"), okGroup(t, 1<<20)
		}, sftppush.StatusUploadFailed, sftppush.ReasonStalled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			creds, g := tc.addr(t)
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			res := newTestPusher(sftppush.Config{}).Push(ctx, creds, g)
			if res.Status != tc.status || res.Reason != tc.reason || !errors.Is(res.Err, context.DeadlineExceeded) {
				t.Fatalf("got %s/%s %v, want %s/%s wrapping context.DeadlineExceeded", res.Status, res.Reason, res.Err, tc.status, tc.reason)
			}
			if !sftppush.DefaultRetryable(res) {
				t.Errorf("DefaultRetryable(%s) = false: a time limit passing may not happen next time", res.Reason)
			}
		})
	}
}

// A sink that blocks holds a push 5 seconds at most, and its caller's
// cancel 1 second, when it honours its context.
func TestBlockingSinkIsBounded(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	blocking := sftppush.SinkFunc(func(ctx context.Context, e sftppush.LogEntry) error {
		<-ctx.Done()
		return ctx.Err()
	})
	p := newTestPusher(sftppush.Config{Sink: blocking})
	start := time.Now()
	res := p.Push(context.Background(), s.Credentials("/upload"), okGroup(t, 100))
	if took := time.Since(start); res.Status != sftppush.StatusOK || !errors.Is(res.LogErr, context.DeadlineExceeded) || took > 7*time.Second {
		t.Errorf("got %s, LogErr %v after %v: want OK, the sink given up on after 5 s", res.Status, res.LogErr, took)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel) // while the sink blocks
	start = time.Now()
	res = p.Push(ctx, s.Credentials("/upload"), okGroup(t, 100))
	if took := time.Since(start); res.LogErr == nil || took > 3500*time.Millisecond {
		t.Errorf("LogErr %v after %v: want the caller's cancel to end the log write a second later", res.LogErr, took)
	}
}

// The DNS exchange of a cancelled push ends with it: nothing of the
// resolver outlives Push, even against a DNS server that never answers.
func TestCancelledLookupLeavesNothing(t *testing.T) {
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp4", silent.LocalAddr().String())
	}}
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	c := addrCreds(t, "127.0.0.1:22")
	c.Host = "never.answers.example"
	res := newTestPusher(sftppush.Config{Resolver: r}).Push(ctx, c, okGroup(t, 10))
	if res.Status != sftppush.StatusConnectionTimeout {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("the lookup outlived the push: %v", err)
	}
}

// A host whose first address black-holes: the next address is tried
// beside it well within the one connect limit, and the push ends well.
// Tried one after the other, the first address would spend the whole
// limit. Whatever order the resolver gives, the first attempt is the one
// that hangs.
func TestConnectTriesTheNextAddressBesideABlackHole(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	s := serverWith(t, sftptest.Faults{})
	var mu sync.Mutex
	var tried []string
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		tried = append(tried, addr)
		first := len(tried) == 1
		mu.Unlock()
		if first {
			<-ctx.Done() // a SYN that no one answers
			return nil, ctx.Err()
		}
		var d net.Dialer
		return d.DialContext(ctx, network, s.Addr)
	}
	r := sftptest.NewResolver(t, map[string]string{"sftp.customer.example": "127.0.0.2,127.0.0.3"})
	cfg := sftppush.Config{Resolver: r, DialContext: dial, ConnectTimeout: 3 * time.Second}
	c := s.Credentials("/upload")
	c.Host = "sftp.customer.example"
	res := newTestPusher(cfg).Push(context.Background(), c, okGroup(t, 1000))
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v, want OK over the second address", res.Status, res.Reason, res.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tried) != 2 || tried[0] == tried[1] {
		t.Errorf("tried %v, want both addresses once", tried)
	}
}
