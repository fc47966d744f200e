package sftppush_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
	"go.uber.org/goleak"
)

// Many pushes at once, to good and failing destinations, share one Pusher
// and its sinks: no result, log entry or remote file ever carries another
// group's data, and nothing is left open afterwards.
func TestConcurrentPushesDoNotMix(t *testing.T) {
	const n = 120
	closed := sftptest.ClosedPort(t) // holds its port for the whole test
	fdsBefore := openFDs(t)
	ignore := goleak.IgnoreCurrent()

	var servers []*sftptest.Server
	good := func() *sftptest.Server {
		s := serverWith(t, sftptest.Faults{})
		servers = append(servers, s)
		return s
	}
	goods := []*sftptest.Server{good(), good(), good(), good()}
	noSFTP := serverWith(t, sftptest.Faults{RefuseSubsystem: true})
	servers = append(servers, noSFTP)

	type job struct {
		g      sftppush.Group
		creds  sftppush.Credentials
		status sftppush.Status
		reason sftppush.Reason
		server *sftptest.Server // where the files land, for good jobs
	}
	dir := t.TempDir()
	jobs := make([]job, n)
	for i := range jobs {
		id := fmt.Sprintf("rec-%03d", i)
		g := sftppush.Group{
			RecordingID: id,
			Account:     fmt.Sprintf("acct-%03d", i),
			Main:        sftppush.File{Path: writeLocal(t, dir, id+".mp4", 8_000+i*97)},
			Extras:      []sftppush.File{{Path: writeLocal(t, dir, id+".jpg", 500+i)}},
		}
		j := job{g: g}
		s := goods[i%len(goods)]
		switch i % 6 {
		case 0, 1, 2:
			j.creds, j.status, j.server = s.Credentials("/upload"), sftppush.StatusOK, s
			j.creds.Username = s.Username // same user on every good server: the host tells them apart
		case 3:
			j.creds, j.status, j.reason = s.Credentials("/missing"), sftppush.StatusIncorrectFolder, sftppush.ReasonFolderNotFound
		case 4:
			j.creds = s.Credentials("/upload")
			j.creds.Password += fmt.Sprint(i)
			j.status, j.reason = sftppush.StatusLoginFailed, sftppush.ReasonAuthRejected
		case 5:
			// i%6 is 5 here, so the kind comes from i/6: every kind runs.
			switch (i / 6) % 3 {
			case 0:
				j.creds, j.status, j.reason = addrCreds(t, closed), sftppush.StatusConnectionTimeout, sftppush.ReasonConnectionRefused
			case 1:
				j.creds, j.status, j.reason = addrCreds(t, fmt.Sprintf("10.0.%d.1:22", i)), sftppush.StatusConnectionTimeout, sftppush.ReasonBlockedByPolicy
			default:
				j.creds, j.status, j.reason = noSFTP.Credentials("/upload"), sftppush.StatusLoginFailed, sftppush.ReasonSubsystemUnavailable
			}
		}
		jobs[i] = j
	}
	kinds := map[sftppush.Reason]int{}
	for _, j := range jobs {
		kinds[j.reason]++
	}
	for _, r := range []sftppush.Reason{sftppush.ReasonNone, sftppush.ReasonFolderNotFound, sftppush.ReasonAuthRejected, sftppush.ReasonConnectionRefused, sftppush.ReasonBlockedByPolicy, sftppush.ReasonSubsystemUnavailable} {
		if kinds[r] < n/30 {
			t.Fatalf("only %d jobs of kind %s in %v: the test does not exercise every destination", kinds[r], r, kinds)
		}
	}

	var mem sftptest.MemorySink
	var jsonBuf bytes.Buffer
	p := newTestPusher(sftppush.Config{Sink: sftppush.MultiSink(&mem, sftppush.NewJSONSink(&jsonBuf)), ConnectTimeout: 10 * time.Second})
	results := make([]*sftppush.Result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Go(func() {
			<-start
			results[i] = p.Push(context.Background(), jobs[i].creds, jobs[i].g)
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d pushes in %v", n, time.Since(began))

	entryMatches := func(e sftppush.LogEntry, j job) error {
		want := []string{j.g.RecordingID + ".mp4", j.g.RecordingID + ".jpg"}
		switch {
		case e.RecordingID != j.g.RecordingID, e.Account != j.g.Account:
			return fmt.Errorf("entry of %s/%s", e.RecordingID, e.Account)
		case !slices.Equal(e.Files, want):
			return fmt.Errorf("files %v, want %v", e.Files, want)
		case e.Status != j.status || e.Reason != j.reason:
			return fmt.Errorf("%s/%s (%s), want %s/%s", e.Status, e.Reason, e.Error, j.status, j.reason)
		case e.Host != j.creds.Host || e.Port != j.creds.Port || e.Username != j.creds.Username || e.Folder != j.creds.Folder:
			return fmt.Errorf("destination %s:%d %s %s", e.Host, e.Port, e.Username, e.Folder)
		}
		return nil
	}
	for i, res := range results {
		j := jobs[i]
		if res.Status != j.status || res.Reason != j.reason {
			t.Errorf("%s: got %s/%s %v, want %s/%s", j.g.RecordingID, res.Status, res.Reason, res.Err, j.status, j.reason)
			continue
		}
		if err := entryMatches(res.Entry, j); err != nil {
			t.Errorf("%s: Result.Entry: %v", j.g.RecordingID, err)
		}
		if res.Files[0].Local != j.g.Main.Path || res.Files[1].Local != j.g.Extras[0].Path {
			t.Errorf("%s: file results %+v", j.g.RecordingID, res.Files)
		}
		if j.status == sftppush.StatusOK {
			for _, f := range []sftppush.File{j.g.Main, j.g.Extras[0]} {
				want, _ := os.ReadFile(f.Path)
				if got := j.server.ReadFile("/upload/" + filepath.Base(f.Path)); !bytes.Equal(got, want) {
					t.Errorf("%s: remote %s differs from local", j.g.RecordingID, filepath.Base(f.Path))
				}
			}
		}
	}

	byID := map[string]job{}
	for _, j := range jobs {
		byID[j.g.RecordingID] = j
	}
	check := func(sink string, entries []sftppush.LogEntry) {
		if len(entries) != n {
			t.Errorf("%s: %d entries, want %d", sink, len(entries), n)
		}
		seen := map[string]bool{}
		for _, e := range entries {
			j, ok := byID[e.RecordingID]
			if !ok || seen[e.RecordingID] {
				t.Errorf("%s: unexpected or repeated entry %q", sink, e.RecordingID)
				continue
			}
			seen[e.RecordingID] = true
			if err := entryMatches(e, j); err != nil {
				t.Errorf("%s: %s: %v", sink, e.RecordingID, err)
			}
		}
	}
	check("MemorySink", mem.Entries())
	var fromJSON []sftppush.LogEntry
	sc := bufio.NewScanner(&jsonBuf)
	for sc.Scan() {
		var e sftppush.LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("JSON sink line %q: %v", sc.Text(), err)
		}
		fromJSON = append(fromJSON, e)
	}
	check("JSON sink", fromJSON)

	for _, s := range servers {
		s.Close()
	}
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("goroutines left after the pushes: %v", err)
	}
	if after := openFDs(t); after > fdsBefore {
		t.Errorf("%d descriptors open after, %d before", after, fdsBefore)
	}
}
