package sqlstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// The tests that push do so through sftppush's public API only, to the
// embedded server of package sftptest.

// newUploadServer starts an embedded SFTP server with an /upload folder.
func newUploadServer(t *testing.T) *sftptest.Server {
	s := sftptest.NewServer(t)
	s.MkdirAll("/upload")
	return s
}

// serverCreds returns credentials for the embedded server's folder.
func serverCreds(s *sftptest.Server, folder string) sftppush.Credentials {
	return sftppush.Credentials{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password, Folder: folder}
}

// newPusher returns a Pusher that logs to sink and may reach the embedded
// server on loopback. Its connect limit is generous: a shared machine
// under load can take seconds for the password check, and these tests are
// not about timeouts.
func newPusher(sink sftppush.Sink) *sftppush.Pusher {
	return sftppush.New(sftppush.Config{
		Sink:           sink,
		AllowNetworks:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		ConnectTimeout: 30 * time.Second,
	})
}

// writeLocal writes n random bytes to dir/name and returns the path.
func writeLocal(t *testing.T, dir, name string, n int) string {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// okGroup returns a recording of one main file of the given size.
func okGroup(t *testing.T, size int) sftppush.Group {
	return sftppush.Group{RecordingID: "rec-1", Main: sftppush.File{Path: writeLocal(t, t.TempDir(), "rec.mp4", size)}}
}

// 50 pushes log at once: every entry is stored once.
func TestStoreConcurrentPushes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, Options{})
		srv := newUploadServer(t)
		p := newPusher(s)
		file := writeLocal(t, t.TempDir(), "rec.mp4", 2000)
		const n = 50
		results := make([]*sftppush.Result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				g := sftppush.Group{RecordingID: fmt.Sprintf("rec-%02d", i), Account: "acct", Main: sftppush.File{Path: file, RemoteName: fmt.Sprintf("rec-%02d.mp4", i)}}
				results[i] = p.Push(context.Background(), serverCreds(srv, "/upload"), g)
			})
		}
		wg.Wait()
		var want []string
		for i, r := range results {
			if r.Status != sftppush.StatusOK || r.LogErr != nil {
				t.Errorf("push %d: %s/%s %v, log error %v", i, r.Status, r.Reason, r.Err, r.LogErr)
			}
			want = append(want, r.Entry.RecordingID)
		}
		if got := tdb.count(t); got != n {
			t.Errorf("%d rows, want %d", got, n)
		}
		var got []string
		for _, e := range queryAll(t, s, Query{Account: "acct", Limit: 7}) {
			got = append(got, e.RecordingID)
			if e.Status != sftppush.StatusOK || e.Host != "127.0.0.1" || e.Port != srv.Port || len(e.Files) != 1 || e.BytesSent != 2000 {
				t.Errorf("stored entry %+v", e)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("stored recording IDs %v, want %v", got, want)
		}
	})
}

// A store that cannot write makes a push report the error in LogErr, within
// the write timeout, and leaves its Status alone.
func TestStoreFailedWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		srv := newUploadServer(t)
		creds := serverCreds(srv, "/upload")

		t.Run("closed database", func(t *testing.T) {
			db := tdb.open(t)
			s, err := New(context.Background(), db, Options{Table: tdb.table})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			res := newPusher(s).Push(context.Background(), creds, okGroup(t, 1000))
			if res.Status != sftppush.StatusOK || res.Err != nil {
				t.Errorf("got %s/%s %v, want OK", res.Status, res.Reason, res.Err)
			}
			if res.LogErr == nil || !strings.Contains(res.LogErr.Error(), "closed") {
				t.Errorf("LogErr %v, want the closed database", res.LogErr)
			}
		})

		t.Run("locked table", func(t *testing.T) {
			const timeout = 300 * time.Millisecond
			s := tdb.store(t, Options{WriteTimeout: timeout})
			// Another process holds the write lock for longer than the
			// timeout.
			other := tdb.open(t)
			ctx := context.Background()
			conn, err := other.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			lock := "BEGIN IMMEDIATE"
			if tdb.dialect == DialectPostgres {
				lock = "BEGIN; LOCK TABLE " + tdb.table + " IN ACCESS EXCLUSIVE MODE"
			}
			if _, err := conn.ExecContext(ctx, lock); err != nil {
				t.Fatal(err)
			}
			defer conn.ExecContext(ctx, "ROLLBACK")

			var sink sftptest.MemorySink
			start := time.Now()
			res := newPusher(sftppush.MultiSink(s, &sink)).Push(ctx, creds, okGroup(t, 1000))
			took := time.Since(start)
			if res.Status != sftppush.StatusOK {
				t.Errorf("got %s/%s %v, want OK", res.Status, res.Reason, res.Err)
			}
			if !errors.Is(res.LogErr, context.DeadlineExceeded) {
				t.Errorf("LogErr %v, want the write timeout", res.LogErr)
			}
			if took > timeout+5*time.Second {
				t.Errorf("push took %v with a write timeout of %v", took, timeout)
			}
			if sink.Len() != 1 {
				t.Errorf("the other sink got %d entries", sink.Len())
			}
		})
	})
}
