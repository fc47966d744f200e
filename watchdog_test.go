package sftppush_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
)

// dialWrapped returns a Config.DialContext that wraps each connection.
func dialWrapped(wrap func(net.Conn) net.Conn) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return wrap(c), nil
	}
}

// slowConn sends at most rate bytes per second: a slow uplink.
type slowConn struct {
	net.Conn
	rate int // bytes per second
}

func (c *slowConn) Write(p []byte) (int, error) {
	time.Sleep(time.Duration(len(p)) * time.Second / time.Duration(c.rate))
	return c.Conn.Write(p)
}

// freezingConn goes silent once the client has written freezeAfter bytes:
// from then on nothing from the server arrives, as when the server's sshd
// is stopped or a NAT box forgets the connection. Reads block until Close.
type freezingConn struct {
	net.Conn
	freezeAfter int64
	written     atomic.Int64
	closed      chan struct{}
	once        sync.Once
}

func newFreezingConn(c net.Conn, after int64) *freezingConn {
	return &freezingConn{Conn: c, freezeAfter: after, closed: make(chan struct{})}
}

func (c *freezingConn) Write(p []byte) (int, error) {
	c.written.Add(int64(len(p)))
	return c.Conn.Write(p)
}

func (c *freezingConn) Read(p []byte) (int, error) {
	if c.written.Load() >= c.freezeAfter {
		<-c.closed
		return 0, net.ErrClosed
	}
	return c.Conn.Read(p)
}

func (c *freezingConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// An SFTP server that stops answering while the SSH connection stays up
// (and answers keepalives) is caught by the progress watchdog.
func TestWatchdogEndsStalledUpload(t *testing.T) {
	const limit = 2 * time.Second
	s := serverWith(t, sftptest.Faults{StallAfterBytes: 200_000})
	start := time.Now()
	res := newTestPusher(sftppush.Config{StallTimeout: limit}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 4<<20))
	took := time.Since(start)
	t.Logf("stalled push ended after %v (StallTimeout %v)", took, limit)
	if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonStalled {
		t.Fatalf("got %s/%s %v, want UPLOAD_FAILED/stalled", res.Status, res.Reason, res.Err)
	}
	if took > limit+3*time.Second {
		t.Errorf("took %v, want at most the stall timeout %v plus 3s", took, limit)
	}
	if !strings.Contains(res.Err.Error(), "watchdog") || res.Entry.Reason != sftppush.ReasonStalled {
		t.Errorf("err %v, entry reason %s: want the watchdog named", res.Err, res.Entry.Reason)
	}
	// The connection is gone, so the temporary file could not be removed.
	if len(res.Leftovers) != 1 {
		t.Errorf("leftovers %v, want the temporary file", res.Leftovers)
	}
}

// A connection on which nothing arrives any more is caught by keepalives,
// long before the watchdog.
func TestKeepaliveEndsSilentConnection(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	cfg := sftppush.Config{
		StallTimeout:      time.Minute,
		KeepaliveInterval: 300 * time.Millisecond,
		KeepaliveCountMax: 2,
		DialContext:       dialWrapped(func(c net.Conn) net.Conn { return newFreezingConn(c, 500_000) }),
	}
	start := time.Now()
	res := newTestPusher(cfg).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 4<<20))
	took := time.Since(start)
	t.Logf("silent connection: push ended after %v", took)
	if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonStalled {
		t.Fatalf("got %s/%s %v, want UPLOAD_FAILED/stalled", res.Status, res.Reason, res.Err)
	}
	if !strings.Contains(res.Err.Error(), "keepalive") {
		t.Errorf("err %v does not name the keepalive", res.Err)
	}
	if took > 5*time.Second {
		t.Errorf("took %v; three keepalive intervals are 0.9s", took)
	}
}

// A slow upload that keeps moving is not a stall: the watchdog measures
// time without progress, not the length of the upload.
func TestWatchdogSparesSlowUpload(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	cfg := sftppush.Config{
		StallTimeout: time.Second,
		DialContext:  dialWrapped(func(c net.Conn) net.Conn { return &slowConn{Conn: c, rate: 1 << 20} }),
	}
	start := time.Now()
	res := newTestPusher(cfg).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 3<<20))
	took := time.Since(start)
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v after %v", res.Status, res.Reason, res.Err, took)
	}
	if took < 2*cfg.StallTimeout {
		t.Fatalf("the upload took %v: too fast to prove anything about a %v watchdog", took, cfg.StallTimeout)
	}
}

// Keepalives keep an idle but healthy connection open: the server's
// replies count as signs of life.
func TestKeepaliveSparesIdleConnection(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	p := newTestPusher(sftppush.Config{StallTimeout: -1, KeepaliveInterval: 100 * time.Millisecond, KeepaliveCountMax: 1})
	sess := testConnect(t, p, s.Credentials("/upload"))
	rx := sess.Received()
	time.Sleep(time.Second) // ten intervals, idle
	if cause := sess.Stalled(); cause != nil {
		t.Fatalf("the guard closed an idle healthy connection: %v", cause)
	}
	if sess.Received() == rx {
		t.Errorf("nothing arrived while idle: no keepalive was sent")
	}
	if _, err := sess.SFTP().Stat("/upload"); err != nil {
		t.Errorf("the connection no longer works: %v", err)
	}
}

// lastReadConn records when it last delivered bytes from the server, and
// goes silent after freezeAfter bytes written, as freezingConn does.
type lastReadConn struct {
	*freezingConn
	last atomic.Int64 // UnixNano of the last read with data
}

func (c *lastReadConn) Read(p []byte) (int, error) {
	n, err := c.freezingConn.Read(p)
	if n > 0 {
		c.last.Store(time.Now().UnixNano())
	}
	return n, err
}

// The keepalive closes a silent connection KeepaliveCountMax+1 intervals
// after the last byte from the server, not up to an interval later, and
// says how long the silence was.
func TestKeepaliveCountsFromTheLastByte(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	var conn *lastReadConn
	const every, countMax = 500 * time.Millisecond, 2
	cfg := sftppush.Config{
		StallTimeout:      time.Minute,
		KeepaliveInterval: every,
		KeepaliveCountMax: countMax,
		DialContext: dialWrapped(func(c net.Conn) net.Conn {
			conn = &lastReadConn{freezingConn: newFreezingConn(c, 700_000)}
			return conn
		}),
	}
	res := newTestPusher(cfg).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 4<<20))
	ended := time.Now()
	if res.Reason != sftppush.ReasonStalled {
		t.Fatalf("got %s/%s %v, want stalled", res.Status, res.Reason, res.Err)
	}
	silence := ended.Sub(time.Unix(0, conn.last.Load()))
	limit := (countMax + 1) * every
	t.Logf("closed %v after the last byte (limit %v): %v", silence.Round(time.Millisecond), limit, res.Err)
	if silence < limit || silence > limit+250*time.Millisecond {
		t.Errorf("closed %v after the last byte from the server, want %v (and not up to an interval later)", silence, limit)
	}
	if !strings.Contains(res.Err.Error(), "sent nothing for 1.5") {
		t.Errorf("err %v: want the real silence, 1.5s", res.Err)
	}
}
