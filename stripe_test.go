package sftppush_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
	"go.uber.org/goleak"

	"github.com/sftppush/sftppush/sftptest"
)

// testStripe is the minimum stripe the striping tests use, so that small
// files are striped on loopback.
const testStripe = 64 << 10

// stripedPusher forces striping on loopback: a pretend long round trip,
// small stripes, every session taking one stripe.
func stripedPusher(cfg sftppush.Config) *sftppush.Pusher {
	p := newTestPusher(cfg)
	sftppush.SetStripeTuning(p, time.Second, testStripe, true)
	return p
}

// wantSessions is how many sessions write a file of size bytes when
// sessionsFor picks n and every session takes one stripe.
func wantSessions(size int64, n int) int {
	n = sftppush.SessionsFor(size, time.Second, n, testStripe)
	return min(n, sftppush.StripeCount(size, n))
}

func sameSHA256(t *testing.T, local string, remote []byte) {
	t.Helper()
	want, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(want) != sha256.Sum256(remote) {
		t.Errorf("remote content differs: %d bytes, want %d", len(remote), len(want))
	}
}

func TestPushStriped(t *testing.T) {
	sizes := []int64{
		2*testStripe - 1,                // below two stripes: one session
		2 * testStripe,                  // exactly two
		2*testStripe + 1,                // just above
		3*testStripe + 12345,            // odd
		1_000_003,                       // odd, all four sessions
		4*sftppush.StripeAlign*4 + 4099, // stripes of several packets
	}
	for _, size := range sizes {
		t.Run(strconv.FormatInt(size, 10), func(t *testing.T) {
			t.Parallel()
			s := serverWith(t, sftptest.Faults{})
			g := recording(t, int(size))
			res := stripedPusher(sftppush.Config{MaxSessions: 4}).Push(context.Background(), s.Credentials("/upload"), g)
			if res.Status != sftppush.StatusOK || res.Err != nil {
				t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
			}
			fr := res.Files[0]
			want := wantSessions(size, 4)
			if fr.Sessions != want || fr.StripeErr != nil || fr.Bytes != size || fr.State != sftppush.FileUploaded {
				t.Errorf("main file: sessions %d (want %d), fallback %v, bytes %d, state %s", fr.Sessions, want, fr.StripeErr, fr.Bytes, fr.State)
			}
			sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))
			for i, x := range g.Extras {
				sameSHA256(t, x.Path, s.ReadFile("/upload/"+filepath.Base(x.Path)))
				if fr := res.Files[i+1]; fr.State != sftppush.FileUploaded || fr.Sessions != wantSessions(fr.Size, 4) {
					t.Errorf("extra %s: %+v", fr.Remote, fr)
				}
			}
			// One connection, one login; each session opened the main file once.
			if c, l := s.Connections(), s.Logins(); c != 1 || l != 1 {
				t.Errorf("%d connections, %d logins: want 1 and 1", c, l)
			}
			opens := 0
			for _, o := range s.Opens() {
				// The safe write uploads under a temporary name.
				if strings.HasPrefix(o.Path, "/upload/.rec.mp4.") && strings.HasSuffix(o.Path, sftppush.TempSuffix) {
					opens++
				}
			}
			if opens != want {
				t.Errorf("main file opened %d times, want %d", opens, want)
			}
		})
	}
}

// TestPushStripedRewrites replaces a longer remote file: the first session's
// truncating open must come before the others write.
func TestPushStripedRewrites(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	s.WriteFile("/upload/rec.mp4", bytes.Repeat([]byte("old"), 400_000))
	g := okGroup(t, 500_001)
	res := stripedPusher(sftppush.Config{MaxSessions: 3}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK || res.Files[0].Sessions != 3 {
		t.Fatalf("got %s/%s %v, sessions %d", res.Status, res.Reason, res.Err, res.Files[0].Sessions)
	}
	sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))
}

func TestPushStripedFallback(t *testing.T) {
	const size = 1_000_003
	cases := []struct {
		name   string
		faults func() sftptest.Faults
		status sftppush.Status
		reason sftppush.Reason
	}{
		{
			// The last stripe, an extra session's, fails once mid-way: the
			// single session's rewrite gets through.
			name: "a stripe fails mid-way",
			faults: func() sftptest.Faults {
				return sftptest.Faults{FailWrites: &sftptest.WriteFailure{Off: size - 100_000, Len: 1, Times: 1}}
			},
			status: sftppush.StatusOK, reason: sftppush.ReasonNone,
		},
		{
			name: "the first stripe fails mid-way",
			faults: func() sftptest.Faults {
				return sftptest.Faults{FailWrites: &sftptest.WriteFailure{Off: 100_000, Len: 1, Times: 1}}
			},
			status: sftppush.StatusOK, reason: sftppush.ReasonNone,
		},
		{
			// Every write there fails: the rewrite fails too, and says why.
			name: "writes there always fail",
			faults: func() sftptest.Faults {
				return sftptest.Faults{FailWrites: &sftptest.WriteFailure{Off: size / 2}}
			},
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonRemoteError,
		},
		{
			name:   "the server keeps fewer bytes",
			faults: func() sftptest.Faults { return sftptest.Faults{DiscardAfterBytes: size - 10} },
			status: sftppush.StatusUploadFailed, reason: sftppush.ReasonSizeMismatch,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.faults()
			s := serverWith(t, f)
			g := okGroup(t, size)
			res := stripedPusher(sftppush.Config{MaxSessions: 4}).Push(context.Background(), s.Credentials("/upload"), g)
			if res.Status != tc.status || res.Reason != tc.reason {
				t.Fatalf("got %s/%s %v, want %s/%s", res.Status, res.Reason, res.Err, tc.status, tc.reason)
			}
			fr := res.Files[0]
			if fr.Sessions != 1 || !strings.Contains(sftppush.ErrText(fr.StripeErr), "striped upload over") || !strings.Contains(sftppush.ErrText(fr.StripeErr), "fell back") {
				t.Errorf("sessions %d, fallback %v: want 1 and the fallback said", fr.Sessions, fr.StripeErr)
			}
			if tc.status == sftppush.StatusOK {
				sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))
				if f.FailWrites.Failed() != 1 {
					t.Errorf("%d writes failed, want 1", f.FailWrites.Failed())
				}
			}
			if c := s.Connections(); c != 1 {
				t.Errorf("%d connections, want 1: the fallback is in the same attempt", c)
			}
		})
	}
}

// TestPushNotStripedOnLoopback: at loopback's round trip one session is
// never the cap, so even a file of many stripes goes over one.
func TestPushNotStripedOnLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes 33 MiB")
	}
	s := serverWith(t, sftptest.Faults{})
	g := okGroup(t, 2*sftppush.MinStripe+1)
	res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if fr := res.Files[0]; fr.Sessions != 1 || fr.StripeErr != nil {
		t.Errorf("sessions %d, fallback %v: want one session", fr.Sessions, fr.StripeErr)
	}
	if len(s.Opens()) != 1 {
		t.Errorf("opens %v, want one", s.Opens())
	}
}

// TestHelloMeasuresRoundTrip: the SFTP start-up times its exchanges, which
// is all striping needs to know about the network.
func TestHelloMeasuresRoundTrip(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	p := newTestPusher(sftppush.Config{})
	sess := testConnect(t, p, s.Credentials("/upload"))
	if rtt := sess.RTT(); rtt <= 0 || rtt > 5*time.Second {
		t.Fatalf("connection round trip %v: want positive", rtt)
	}
}

// TestExtraSessionsStartEarlyAndTrim: the extra sessions start as soon as
// the first channel is open, sized from how long that open took; when
// SFTP's own exchanges then show a short round trip, the ones not wanted
// are closed before any file is written, and the file goes over one
// session.
func TestExtraSessionsStartEarlyAndTrim(t *testing.T) {
	const delay = 50 * time.Millisecond // a channel open as slow as a 50 ms round trip
	s := serverWith(t, sftptest.Faults{ChannelOpenDelay: delay})
	p := newTestPusher(sftppush.Config{})
	sftppush.SetStripeTuning(p, 0, testStripe, false) // the measured round trips decide
	g := okGroup(t, 1_000_003)
	res := p.Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if fr := res.Files[0]; fr.Sessions != 1 || fr.StripeErr != nil {
		t.Errorf("sessions %d, fallback %v: want one session", fr.Sessions, fr.StripeErr)
	}
	sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))
	// At least the 50 ms the open took; a longer one may ask for more.
	early := sftppush.SessionsFor(1_000_003, delay, sftppush.MaxSessionsDefault, testStripe)
	asked, _ := s.Channels()
	if asked < early || asked > sftppush.MaxSessionsDefault {
		t.Errorf("%d channels asked for: want the first and %d to %d extra ones started early", asked, early-1, sftppush.MaxSessionsDefault-1)
	}
	if opens := len(s.Opens()); opens != 1 {
		t.Errorf("%d opens for writing: want one, the trimmed sessions write nothing", opens)
	}
	waitChannelsClosed(t, s)
}

// waitChannelsClosed fails the test unless every channel of s closes soon:
// the server notices a closed channel a moment after Push returns.
func waitChannelsClosed(t *testing.T, s *sftptest.Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, open := s.Channels(); open > 0; _, open = s.Channels() {
		if time.Now().After(deadline) {
			t.Fatalf("%d channels still open after the push", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPushStripedSizeOnClose: the striped size check goes out beside the
// handles' closes; a server that shows the size only once every handle is
// closed gets a second look, and the striped upload stands.
func TestPushStripedSizeOnClose(t *testing.T) {
	s := serverWith(t, sftptest.Faults{SizeOnClose: true})
	g := okGroup(t, 1_000_003)
	res := stripedPusher(sftppush.Config{MaxSessions: 4}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if fr := res.Files[0]; fr.Sessions != wantSessions(fr.Size, 4) || fr.StripeErr != nil {
		t.Errorf("sessions %d, fallback %v: want %d sessions and no fallback", fr.Sessions, fr.StripeErr, wantSessions(fr.Size, 4))
	}
	sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))
}

// TestExtraSessionsWhenTheFirstFails: extra sessions already starting when
// the first session's SFTP is refused end with the connection, and the
// push says why the first failed.
func TestExtraSessionsWhenTheFirstFails(t *testing.T) {
	// The refusal takes a moment, as on a loaded server, so that the extra
	// sessions' channel opens reach it before the connection is closed
	// however busy this machine is.
	s := serverWith(t, sftptest.Faults{RefuseSubsystem: true, SubsystemDelay: 200 * time.Millisecond})
	g := okGroup(t, 1_000_003)
	res := stripedPusher(sftppush.Config{MaxSessions: 4}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusLoginFailed || res.Reason != sftppush.ReasonSubsystemUnavailable {
		t.Fatalf("got %s/%s %v, want SFTP_LOGIN_FAILED/sftp_unavailable", res.Status, res.Reason, res.Err)
	}
	if asked, _ := s.Channels(); asked < 2 {
		t.Errorf("%d channels asked for: want extra sessions started beside the first", asked)
	}
	waitChannelsClosed(t, s)
}

// After a striped upload falls back to one session, FileResult.Bytes (and
// the log entry's BytesSent) counts what the stripes sent as well as the
// rewrite: every byte that crossed the network.
func TestPushStripedFallbackCountsEveryByte(t *testing.T) {
	const size = 1_000_003
	f := sftptest.Faults{FailWrites: &sftptest.WriteFailure{Off: size - 100_000, Len: 1, Times: 1}}
	s := serverWith(t, f)
	g := okGroup(t, size)
	res := stripedPusher(sftppush.Config{MaxSessions: 4}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	fr := res.Files[0]
	if fr.StripeErr == nil || fr.Sessions != 1 {
		t.Fatalf("sessions %d, fallback %v: want a fallback to one session", fr.Sessions, fr.StripeErr)
	}
	// The rewrite sent the whole file; the stripes sent at least the
	// stripes that went through before the failure.
	if fr.Bytes <= size {
		t.Errorf("Bytes %d: want more than the %d of the rewrite alone", fr.Bytes, size)
	}
	if res.Entry.BytesSent != fr.Bytes {
		t.Errorf("LogEntry.BytesSent %d, FileResult.Bytes %d", res.Entry.BytesSent, fr.Bytes)
	}
}

// TestPushStripedStuckExtraSession: every extra session stops answering
// after 100 KB while the connection and its first session stay healthy.
// The stuck sessions are abandoned, their stripes are written again over
// the first session, and the push ends well, long before the watchdog.
func TestPushStripedStuckExtraSession(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs after the server's close
	const size = 3_000_017
	s := serverWith(t, sftptest.Faults{StallExtraSessionsAfterBytes: 100_000})
	g := okGroup(t, size)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res := stripedPusher(sftppush.Config{MaxSessions: 4, StallTimeout: 4 * time.Second}).Push(ctx, s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK || res.Err != nil {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	fr := res.Files[0]
	// Only the first session's writes count; the stripes the others had
	// begun were sent twice.
	if fr.Sessions != 1 || fr.StripeErr != nil || fr.Bytes <= size {
		t.Errorf("sessions %d (want 1), fallback %v (want none), bytes %d (want more than %d)", fr.Sessions, fr.StripeErr, fr.Bytes, size)
	}
	sameSHA256(t, g.Main.Path, s.ReadFile("/upload/rec.mp4"))
	for i, x := range g.Extras {
		if fr := res.Files[i+1]; fr.State != sftppush.FileUploaded {
			t.Errorf("extra %s: %+v", fr.Remote, fr)
		}
		sameSHA256(t, x.Path, s.ReadFile("/upload/"+filepath.Base(x.Path)))
	}
	if c := s.Connections(); c != 1 {
		t.Errorf("%d connections: want the one", c)
	}
}

// While more pushes of one Pusher are in progress than twice the CPUs, a
// push that starts opens no extra sessions: the machine, not the round
// trip, is then the limit. The server holds every SFTP start, so that all
// the pushes are in progress at once.
func TestCrowdedPushesDoNotStripe(t *testing.T) {
	s := serverWith(t, sftptest.Faults{SubsystemDelay: 300 * time.Millisecond})
	p := stripedPusher(sftppush.Config{MaxSessions: 3})
	limit := 2 * runtime.GOMAXPROCS(0)
	n := limit + 3
	results := make([]*sftppush.Result, n)
	var wg sync.WaitGroup
	for i := range n {
		g := recording(t, 3*testStripe)
		g.Main.RemoteName = fmt.Sprintf("crowded-%d.mp4", i)
		g.Extras = nil
		wg.Go(func() { results[i] = p.Push(context.Background(), s.Credentials("/upload"), g) })
	}
	wg.Wait()
	striped := 0
	for i, res := range results {
		if res.Status != sftppush.StatusOK {
			t.Fatalf("push %d: %s/%s %v", i, res.Status, res.Reason, res.Err)
		}
		if res.Files[0].Sessions > 1 {
			striped++
		}
	}
	if striped != limit {
		t.Errorf("%d of %d pushes at once striped, want %d (twice GOMAXPROCS)", striped, n, limit)
	}
	// Alone again, a push stripes.
	if res := p.Push(context.Background(), s.Credentials("/upload"), recording(t, 3*testStripe)); res.Files[0].Sessions < 2 {
		t.Errorf("a push alone wrote over %d sessions, want it striped", res.Files[0].Sessions)
	}
}
