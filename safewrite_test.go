package sftppush_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
)

// isTempOf reports whether name is a temporary name tempName could have
// made for final.
func isTempOf(name, final string) bool {
	re := regexp.MustCompile(`^\.` + regexp.QuoteMeta(final) + `\.[0-9a-f]{8}` + regexp.QuoteMeta(sftppush.TempSuffix) + `$`)
	return re.MatchString(name)
}

// dirNames lists a local directory, failing the test on error.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// A scan of the folder for the final names must never match a temporary
// file.
func TestTempNameHiddenFromScans(t *testing.T) {
	long := strings.Repeat("é", 127) + ".mp4" // 258 bytes
	for _, name := range []string{"rec.mp4", "rec_raw.webm", "a", strings.Repeat("x", 255), long} {
		tmp := sftppush.TempName(name)
		if tmp == sftppush.TempName(name) {
			t.Errorf("%q: two temporary names are equal", name)
		}
		if len(tmp) > 255 || !utf8.ValidString(tmp) {
			t.Errorf("%q: temporary name %q is %d bytes or invalid UTF-8", name, tmp, len(tmp))
		}
		if !strings.HasPrefix(tmp, ".") || !strings.HasSuffix(tmp, sftppush.TempSuffix) {
			t.Errorf("%q: temporary name %q does not start with a dot and end in %s", name, tmp, sftppush.TempSuffix)
		}
		if len(name) < 200 && !isTempOf(tmp, name) {
			t.Errorf("%q: temporary name %q does not follow the documented pattern", name, tmp)
		}
		// What a cron job scans for: the name, its extension, its stem, or
		// any file that is not hidden ("*" in a shell; path.Match needs it
		// spelled out).
		patterns := []string{name, strings.TrimSuffix(name, path.Ext(name)) + "*", "[^.]*"}
		if ext := path.Ext(name); ext != "" {
			patterns = append(patterns, "*"+ext)
		}
		for _, pattern := range patterns {
			if ok, _ := path.Match(pattern, tmp); ok {
				t.Errorf("scan pattern %q matches temporary name %q", pattern, tmp)
			}
		}
	}
}

// safeWriteCase is a push of rec.mp4 over an older rec.mp4 to a server
// with some faults.
type safeWriteCase struct {
	name   string
	faults sftptest.Faults
	cfg    sftppush.Config
	// want
	method    sftppush.WriteMethod
	renameErr bool
	opens     []string // "tmp" or "final", in order
	leftovers int
}

func TestSafeWrite(t *testing.T) {
	noPosix := []string{sftppush.PosixRenameExt}
	cases := []safeWriteCase{
		{name: "posix-rename replaces the old file", method: sftppush.MethodPosixRename, opens: []string{"tmp"}},
		{name: "plain rename removes the old file first", faults: sftptest.Faults{HideExtensions: noPosix},
			method: sftppush.MethodRename, opens: []string{"tmp"}},
		{name: "renames denied: in place, decided before uploading", faults: sftptest.Faults{HideExtensions: noPosix, DenyRename: true},
			method: sftppush.MethodInPlace, opens: []string{"final"}},
		{name: "in place by configuration", cfg: sftppush.Config{WriteInPlace: true},
			method: sftppush.MethodInPlace, opens: []string{"final"}},
		{name: "rename fails after the upload: re-upload in place", faults: sftptest.Faults{DenyRename: true},
			method: sftppush.MethodInPlace, renameErr: true, opens: []string{"tmp", "final"}},
		{name: "plain rename cannot replace: re-upload in place", faults: sftptest.Faults{HideExtensions: noPosix, DenyRemove: true},
			method: sftppush.MethodInPlace, renameErr: true, opens: []string{"tmp", "final"}, leftovers: 1},
		{name: "rename fails and the temporary file stays", faults: sftptest.Faults{DenyRename: true, DenyRemove: true},
			method: sftppush.MethodInPlace, renameErr: true, opens: []string{"tmp", "final"}, leftovers: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := serverWith(t, tc.faults)
			s.WriteFile("/upload/rec.mp4", []byte("an older recording"))
			s.WriteFile("/upload/keep.txt", []byte("not ours"))
			g := okGroup(t, 300_000)
			want, _ := os.ReadFile(g.Main.Path)

			res := newTestPusher(tc.cfg).Push(context.Background(), s.Credentials("/upload"), g)
			if res.Status != sftppush.StatusOK || res.Err != nil {
				t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
			}
			if got := s.ReadFile("/upload/rec.mp4"); !bytes.Equal(got, want) {
				t.Errorf("remote rec.mp4 has %d bytes, not the new recording", len(got))
			}
			fr := res.Files[0]
			if fr.Method != tc.method || (fr.RenameErr != nil) != tc.renameErr {
				t.Errorf("method %q rename error %v; want %q, rename error %v", fr.Method, fr.RenameErr, tc.method, tc.renameErr)
			}
			if wantBytes := int64(len(tc.opens)) * fr.Size; fr.Bytes != wantBytes {
				t.Errorf("bytes sent %d, want %d", fr.Bytes, wantBytes)
			}
			opens := s.Opens()
			if len(opens) != len(tc.opens) {
				t.Fatalf("opens %v, want %v", opens, tc.opens)
			}
			for i, o := range opens {
				base := path.Base(o.Path)
				if (tc.opens[i] == "tmp") != isTempOf(base, "rec.mp4") || (tc.opens[i] == "final") != (base == "rec.mp4") {
					t.Errorf("open %d: %s, want the %s name", i, o.Path, tc.opens[i])
				}
			}
			if len(res.Leftovers) != tc.leftovers {
				t.Errorf("leftovers %v, want %d", res.Leftovers, tc.leftovers)
			}
			var temps []string
			for _, n := range dirNames(t, s.Path("/upload")) {
				if isTempOf(n, "rec.mp4") {
					temps = append(temps, "/upload/"+n)
				}
			}
			if strings.Join(temps, ",") != strings.Join(res.Leftovers, ",") {
				t.Errorf("temporary files on the server %v, reported leftovers %v", temps, res.Leftovers)
			}
			if got := s.ReadFile("/upload/keep.txt"); string(got) != "not ours" {
				t.Errorf("keep.txt changed: %q", got)
			}
		})
	}
}

// A failed upload removes its temporary file, best effort, and the
// final name is never touched; a refused remove is reported and does not
// change the Status.
func TestSafeWriteFailureCleanup(t *testing.T) {
	cases := []struct {
		name      string
		faults    sftptest.Faults
		reason    sftppush.Reason
		leftovers int
	}{
		{"no space", sftptest.Faults{QuotaBytes: 100_000}, sftppush.ReasonNoSpace, 0},
		{"no space, remove denied", sftptest.Faults{QuotaBytes: 100_000, DenyRemove: true}, sftppush.ReasonNoSpace, 1},
		{"short file", sftptest.Faults{DiscardAfterBytes: 65536}, sftppush.ReasonSizeMismatch, 0},
		{"connection lost", sftptest.Faults{DropAfterBytes: 100_000}, sftppush.ReasonConnectionLost, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := serverWith(t, tc.faults)
			s.WriteFile("/upload/rec.mp4", []byte("an older recording"))
			res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 1<<20))
			if res.Status != sftppush.StatusUploadFailed || res.Reason != tc.reason {
				t.Fatalf("got %s/%s %v, want UPLOAD_FAILED/%s", res.Status, res.Reason, res.Err, tc.reason)
			}
			if got := s.ReadFile("/upload/rec.mp4"); string(got) != "an older recording" {
				t.Errorf("the final name was touched: %d bytes", len(got))
			}
			if len(res.Leftovers) != tc.leftovers {
				t.Errorf("leftovers %v, want %d", res.Leftovers, tc.leftovers)
			}
			names := dirNames(t, s.Path("/upload"))
			if len(names) != 1+tc.leftovers {
				t.Errorf("folder holds %v, want rec.mp4 and %d leftovers", names, tc.leftovers)
			}
			for _, l := range res.Leftovers {
				if _, err := os.Stat(s.Path(l)); err != nil {
					t.Errorf("leftover %s: %v", l, err)
				}
			}
		})
	}
}

// While the upload runs, the final name does not exist: a scan never sees
// half a file.
func TestSafeWriteHidesPartialFile(t *testing.T) {
	s := serverWith(t, sftptest.Faults{StallAfterBytes: 200_000})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *sftppush.Result)
	go func() {
		done <- newTestPusher(sftppush.Config{}).Push(ctx, s.Credentials("/upload"), okGroup(t, 1<<20))
	}()

	var partial string
	for partial == "" {
		for _, n := range dirNames(t, s.Path("/upload")) {
			if fi, err := os.Stat(s.Path("/upload/" + n)); err == nil && fi.Size() > 0 && isTempOf(n, "rec.mp4") {
				partial = n
			}
		}
		select {
		case res := <-done:
			t.Fatalf("push ended before the stall: %s/%s %v", res.Status, res.Reason, res.Err)
		default:
		}
	}
	if _, err := os.Stat(s.Path("/upload/rec.mp4")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rec.mp4 exists while the upload runs: %v", err)
	}
	cancel()
	res := <-done
	if res.Reason != sftppush.ReasonUploadCanceled || len(res.Leftovers) != 1 || path.Base(res.Leftovers[0]) != partial {
		t.Errorf("got %s/%s leftovers %v, want canceled with %s left over", res.Status, res.Reason, res.Leftovers, partial)
	}
}

// A customer's scanner that takes a file as soon as it is renamed into
// place leaves nothing at the final name for the verifying Stat: the file
// arrived (its temporary file was verified, the rename acknowledged), so
// the push is OK, not INCORRECT_SFTP_FOLDER. Both rename methods.
func TestPushFileTakenAfterRename(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults sftptest.Faults
		method sftppush.WriteMethod
	}{
		{"posix-rename", sftptest.Faults{TakeAway: "*.mp4"}, sftppush.MethodPosixRename},
		{"rename", sftptest.Faults{TakeAway: "*.mp4", HideExtensions: []string{sftppush.PosixRenameExt}}, sftppush.MethodRename},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serverWith(t, tc.faults)
			g := okGroup(t, 50_000)
			res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g)
			if res.Status != sftppush.StatusOK || res.Err != nil {
				t.Fatalf("got %s/%s %v, want OK: the file arrived", res.Status, res.Reason, res.Err)
			}
			fr := res.Files[0]
			if fr.State != sftppush.FileUploaded || fr.Method != tc.method {
				t.Errorf("main file: %+v", fr)
			}
			if taken := s.Taken(); len(taken) != 1 || taken[0] != "/upload/rec.mp4" {
				t.Fatalf("taken %v: want the main file, once", taken)
			}
			if got := s.ReadFile("/.taken/rec.mp4"); len(got) != 50_000 {
				t.Errorf("the scanner got %d bytes, want 50000", len(got))
			}
		})
	}
}

// A file written in place and taken by the customer's scanner when its
// handle closes was verified on the handle before the close: it arrived.
func TestPushInPlaceFileTakenOnClose(t *testing.T) {
	s := serverWith(t, sftptest.Faults{TakeAway: "*.mp4"})
	res := newTestPusher(sftppush.Config{WriteInPlace: true}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 50_000))
	if res.Status != sftppush.StatusOK || res.Files[0].State != sftppush.FileUploaded {
		t.Fatalf("got %s/%s %v, want OK: the file arrived", res.Status, res.Reason, res.Err)
	}
	if got := s.ReadFile("/.taken/rec.mp4"); len(got) != 50_000 {
		t.Errorf("the scanner got %d bytes, want 50000", len(got))
	}
}

// A file that vanishes before its size could be checked at all (the
// server shows the size only after the close, SizeOnClose, and the
// scanner takes it on the close) is a failed upload, never a folder
// problem: "no such file" means the folder only when creating in it.
func TestPushInPlaceFileVanishes(t *testing.T) {
	s := serverWith(t, sftptest.Faults{TakeAway: "*.mp4", SizeOnClose: true})
	res := newTestPusher(sftppush.Config{WriteInPlace: true}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 50_000))
	var e *sftppush.Error
	if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonRemoteError || !errors.As(res.Err, &e) || e.Op != sftppush.OpVerify || !errors.Is(res.Err, fs.ErrNotExist) {
		t.Fatalf("got %s/%s %v, want UPLOAD_FAILED/remote_error at verify", res.Status, res.Reason, res.Err)
	}
}

// A push removes the hidden temporary files that earlier attempts of its
// names left behind, once older than the stall limit; a fresh one (a push
// of the same name still writing it) and other names' are never touched.
func TestPushSweepsStaleTemporaryFiles(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	stale := ".rec.mp4.0badc0de" + sftppush.TempSuffix
	fresh := ".rec.mp4.12345678" + sftppush.TempSuffix
	other := ".other.mp4.0badc0de" + sftppush.TempSuffix
	look := ".rec.mp4.notahex!" + sftppush.TempSuffix
	for _, n := range []string{stale, fresh, other, look} {
		s.WriteFile("/upload/"+n, []byte("partial"))
	}
	old := time.Now().Add(-time.Hour)
	for _, n := range []string{stale, other, look} {
		if err := os.Chtimes(s.Path("/upload/"+n), old, old); err != nil {
			t.Fatal(err)
		}
	}
	res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 10_000))
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	names := dirNames(t, s.Path("/upload"))
	want := []string{fresh, other, look, "rec.mp4"}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("folder holds %q, want %q: only the stale temporary file of rec.mp4 goes", names, want)
	}
}

// An open that never got its answer may have created the file: the push
// that gives up on it (cancelled, stalled, the connection lost) tries to
// remove it and lists it in Result.Leftovers; Check's probe the same.
func TestInterruptedOpenIsAPossibleLeftover(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check bool
	}{{"push", false}, {"check", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := serverWith(t, sftptest.Faults{StallOpens: true})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			time.AfterFunc(500*time.Millisecond, cancel)
			p := newTestPusher(sftppush.Config{})
			var res *sftppush.Result
			if tc.check {
				res = p.Check(ctx, s.Credentials("/upload"))
			} else {
				res = p.Push(ctx, s.Credentials("/upload"), okGroup(t, 10_000))
			}
			if res.Reason != sftppush.ReasonUploadCanceled {
				t.Fatalf("got %s/%s %v, want upload_canceled", res.Status, res.Reason, res.Err)
			}
			names := dirNames(t, s.Path("/upload"))
			if len(names) != 1 || len(res.Leftovers) != 1 || path.Base(res.Leftovers[0]) != names[0] {
				t.Errorf("folder %q, leftovers %q: want the file the open created listed", names, res.Leftovers)
			}
		})
	}
}

// A failed write in place removes the partial file under the final name,
// which a customer's scan would take for a recording; where the server
// refuses removes, the file is listed in Result.Leftovers.
func TestPushInPlacePartialFileRemoved(t *testing.T) {
	for _, denyRemove := range []bool{false, true} {
		t.Run(map[bool]string{false: "removed", true: "listed"}[denyRemove], func(t *testing.T) {
			s := serverWith(t, sftptest.Faults{QuotaBytes: 100_000, DenyRemove: denyRemove})
			res := newTestPusher(sftppush.Config{WriteInPlace: true}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 500_000))
			if res.Status != sftppush.StatusUploadFailed || res.Reason != sftppush.ReasonNoSpace {
				t.Fatalf("got %s/%s %v, want UPLOAD_FAILED/no_space", res.Status, res.Reason, res.Err)
			}
			_, err := os.Stat(s.Path("/upload/rec.mp4"))
			switch {
			case !denyRemove && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("the partial rec.mp4 is still there (%v)", err)
			case !denyRemove && len(res.Leftovers) != 0:
				t.Errorf("leftovers %v after removing the partial file", res.Leftovers)
			case denyRemove && (err != nil || len(res.Leftovers) != 1 || res.Leftovers[0] != "/upload/rec.mp4"):
				t.Errorf("leftovers %v (stat %v), want the partial /upload/rec.mp4 listed", res.Leftovers, err)
			}
		})
	}
}
