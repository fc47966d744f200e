package sftppush

import (
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

func TestPlanFiles(t *testing.T) {
	t.Run("defaults remote names to base names, main first", func(t *testing.T) {
		files, err := planFiles(Group{Main: File{Path: "/data/x/rec.mp4"}, Extras: []File{{Path: "/data/y/rec.jpg", RemoteName: "snap.jpg"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 2 || files[0].Remote != "rec.mp4" || !files[0].Main || files[1].Remote != "snap.jpg" || files[1].Main || files[0].Size != -1 {
			t.Errorf("got %+v", files)
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
			files, err := planFiles(tc.g)
			if err == nil || err.Reason != ReasonInvalidGroup || err.Status != StatusUploadFailed || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want invalid_group mentioning %q", err, tc.want)
			}
			if len(files) != 1+len(tc.g.Extras) {
				t.Errorf("got %d file results for %d files", len(files), 1+len(tc.g.Extras))
			}
		})
	}
}
