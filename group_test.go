package sftppush

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckRemoteName(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"rec.mp4", true},
		{"vs 1700 raw.webm", true},
		{"émission.mp4", true},
		{".hidden", true},
		{"", false},
		{".", false},
		{"..", false},
		{"/", false},
		{"a/b.mp4", false},
		{"../escape.mp4", false},
		{`a\b.mp4`, false},
		{"a\x00b", false},
		{"a\nb", false},
		{"a\x7fb", false},
		{"\xff.mp4", false},
		{strings.Repeat("a", MaxRemoteNameLength), true},
		{strings.Repeat("a", MaxRemoteNameLength+1), false},
	}
	for _, tc := range cases {
		err := checkRemoteName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("checkRemoteName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestPlan(t *testing.T) {
	t.Run("defaults remote names to base names, main first, sizes from the files", func(t *testing.T) {
		dir := t.TempDir()
		mp4 := writeTemp(t, dir, "rec.mp4", 1000)
		jpg := writeTemp(t, dir, "rec.jpg", 10)
		pl, err := newPlan(Group{Main: File{Path: mp4}, Extras: []File{{Path: jpg, RemoteName: "snap.jpg"}, {Path: dir + "/gone.jpg"}}})
		if err != nil {
			t.Fatal(err)
		}
		defer pl.close()
		files := pl.files
		if len(files) != 3 || files[0].Remote != "rec.mp4" || files[1].Remote != "snap.jpg" ||
			files[0].Size != 1000 || files[1].Size != 10 || pl.largest() != 1000 {
			t.Errorf("got %+v", files)
		}
		if files[2].State != FileMissing || files[2].Reason != ReasonFileMissing || pl.local[2] != nil {
			t.Errorf("a missing extra: %+v", files[2])
		}
		var e *Error
		if !errors.As(files[2].Err, &e) || e.Op != OpOpen || e.Reason.Status() != StatusFileMissing {
			t.Errorf("a missing extra's Err: %v", files[2].Err)
		}
	})
	bad := []struct {
		name string
		g    Group
		want string
	}{
		{"no main path", Group{}, "main file: Path is empty"},
		{"duplicate names", Group{Main: File{Path: "/a/rec.mp4"}, Extras: []File{{Path: "/b/rec.mp4"}}}, "used twice"},
		{"slash in name", Group{Main: File{Path: "/a/rec.mp4", RemoteName: "x/rec.mp4"}}, "contains a slash"},
		{"too many files", Group{Main: File{Path: "/a/m"}, Extras: make([]File, MaxGroupFiles)}, "at most 16"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := newPlan(tc.g)
			files := pl.files
			if err == nil || err.Reason != ReasonInvalidGroup || err.Reason.Status() != StatusUploadFailed || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want invalid_group mentioning %q", err, tc.want)
			}
			if len(files) != 1+len(tc.g.Extras) {
				t.Errorf("got %d file results for %d files", len(files), 1+len(tc.g.Extras))
			}
		})
	}
}

// writeTemp writes n bytes to dir/name.
func writeTemp(t *testing.T, dir, name string, n int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGroupNamesDifferingOnlyInCase(t *testing.T) {
	dir := t.TempDir()
	g := Group{Main: File{Path: writeTemp(t, dir, "a", 10), RemoteName: "Rec.mp4"}, Extras: []File{
		{Path: writeTemp(t, dir, "b", 10), RemoteName: "rec.MP4"},
		{Path: writeTemp(t, dir, "c", 10), RemoteName: "ÉTÉ.jpg"},
		{Path: writeTemp(t, dir, "d", 10), RemoteName: "été.jpg"},
		{Path: writeTemp(t, dir, "e", 10), RemoteName: "other.jpg"},
	}}
	pl, err := newPlan(g)
	defer pl.close()
	if err == nil || err.Reason != ReasonInvalidGroup {
		t.Fatalf("got %v, want invalid_group", err)
	}
	for _, want := range []string{`"rec.MP4" differs from "Rec.mp4" only in case`, `"été.jpg" differs from "ÉTÉ.jpg" only in case`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "other.jpg") {
		t.Errorf("error %q names a distinct file", err)
	}
}
