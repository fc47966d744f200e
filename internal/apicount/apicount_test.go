package main

import (
	"slices"
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
