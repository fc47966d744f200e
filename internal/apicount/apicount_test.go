package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The counter lists what go doc -all would: exported types, their exported
// fields and methods, interface methods, constants, variables and functions.
func TestMeasureCounts(t *testing.T) {
	m, err := Measure("testdata/small", false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"const C", "const D", "field A.X", "field A.Y", "func F", "interface method I.Do", "method A.M", "type A", "type I", "var V"}
	if !slices.Equal(m.Names, want) {
		t.Errorf("names %q\nwant %q", m.Names, want)
	}
	if m.Files["small.go"] < 30 || m.Funcs["small.go:A.M"] != 1 {
		t.Errorf("lengths: files %v, funcs %v", m.Files, m.Funcs)
	}
	if ps := m.Problems(9, 0, 0); len(ps) != 1 {
		t.Errorf("problems with a limit of 9 names: %q", ps)
	}
}

// The root package keeps the shape its layout promises: at most 200
// exported names in its godoc, no file over 400 lines, no function over
// 80 (test files aside).
func TestRootPackageShape(t *testing.T) {
	m, err := Measure("../..", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Problems(200, 400, 80) {
		t.Error(p)
	}
	t.Logf("%d exported names (%s)", len(m.Names), m.Kinds())
}

// The README's Layout section names every file of the root package (and
// export_test.go) and every package of the module, and nothing that is
// gone: the map and the code agree.
func TestReadmeLayout(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	start := strings.Index(section, "\n## Layout\n")
	if start < 0 {
		t.Fatal("README has no Layout section")
	}
	section = section[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, part := range strings.Split(first, "`") {
			if p := strings.TrimSpace(part); p != "" && p != "," {
				listed[p] = true
			}
		}
	}
	if len(listed) < 40 {
		t.Fatalf("read only %d names from the Layout tables", len(listed))
	}
	want := map[string]bool{"export_test.go": true}
	files, _ := filepath.Glob("../../*.go")
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			want[filepath.Base(f)] = true
		}
	}
	filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || path == "../.." {
			return err
		}
		rel, _ := filepath.Rel("../..", path)
		if strings.HasPrefix(rel, ".") || strings.Contains(rel, "testdata") {
			return filepath.SkipDir
		}
		if gos, _ := filepath.Glob(filepath.Join(path, "*.go")); len(gos) > 0 && rel != "internal/bench/pushchild" {
			want[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	for name := range want {
		if !listed[name] {
			t.Errorf("the README's Layout does not list %s", name)
		}
	}
	for name := range listed {
		if !want[name] {
			t.Errorf("the README's Layout lists %s, which does not exist", name)
		}
	}
}
