package sftppush_test

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// A file's commit runs beside the next file's upload, yet the files get
// their final names in the group's order: the server here closes and
// renames slowly, the raw file (300 kB) far more slowly than the snapshot
// after it, while the snapshot's bytes go. (Like OpenSSH, this server
// handles one session's commands one at a time, so it shows the order the
// renames were sent in; the commit's gate keeps that order on servers that
// do not.)
func TestOverlapKeepsTheGroupsOrder(t *testing.T) {
	s := serverWith(t, sftptest.Faults{CommitPerMiB: 500 * time.Millisecond})
	g := recording(t, 50_000)
	res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	var want []string
	for _, fr := range res.Files {
		if fr.State != sftppush.FileUploaded {
			t.Errorf("%s: %s %v", fr.Remote, fr.State, fr.Err)
		}
		want = append(want, path.Join("/upload", fr.Remote))
	}
	if got := s.Renames(); !slices.Equal(got, want) {
		t.Errorf("renames in the order %q, want %q", got, want)
	}
}

// Wherever the connection drops, no half file has a final name, every
// file reported uploaded is there whole, and every temporary file left on
// the server (a commit cut off, a file opened ahead of its turn) is listed
// in Result.Leftovers. The group's bytes: main 50,000, raw 300,000,
// snapshot 20,000, filmstrip 90,000.
func TestOverlapLeavesNothingUnlisted(t *testing.T) {
	for _, drop := range []int64{30_000, 60_000, 200_000, 349_999, 350_500, 360_000, 369_999, 371_000, 420_000, 459_999} {
		s := serverWith(t, sftptest.Faults{DropAfterBytes: drop})
		g := recording(t, 50_000)
		res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
		dir := s.Path("/upload")
		for _, fr := range res.Files {
			b, err := os.ReadFile(filepath.Join(dir, fr.Remote))
			switch {
			case err == nil && int64(len(b)) != fr.Size:
				t.Errorf("drop at %d: %s has %d bytes of %d under its final name", drop, fr.Remote, len(b), fr.Size)
			case err != nil && fr.State == sftppush.FileUploaded:
				t.Errorf("drop at %d: %s reported uploaded, not on the server: %v", drop, fr.Remote, err)
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), sftppush.TempSuffix) && !slices.Contains(res.Leftovers, path.Join("/upload", e.Name())) {
				t.Errorf("drop at %d: %s on the server, not in Leftovers %q (files %s)", drop, e.Name(), res.Leftovers, states(res))
			}
		}
	}
}

// states sums up each file's outcome for a failure message.
func states(res *sftppush.Result) string {
	var b strings.Builder
	for _, fr := range res.Files {
		b.WriteString(fr.Remote + ":" + string(fr.State) + " ")
	}
	return b.String()
}
