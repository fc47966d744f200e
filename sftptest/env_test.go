package sftptest

import (
	"os"
	"testing"
)

func TestEnvRunsCleanupsAndRemovesDirs(t *testing.T) {
	e := NewEnv()
	s := NewServer(e)
	s.MkdirAll("/upload")
	root := s.Root
	if _, err := os.Stat(s.Path("/upload")); err != nil {
		t.Fatal(err)
	}
	var order []int
	e.Cleanup(func() { order = append(order, 1) })
	e.Cleanup(func() { order = append(order, 2) })
	e.Close()
	if len(order) != 2 || order[0] != 2 || order[1] != 1 {
		t.Errorf("cleanups ran in order %v, want [2 1]", order)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("root %s still exists after Close: %v", root, err)
	}
}

func TestEnvFatalfPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Fatalf did not panic")
		}
	}()
	NewEnv().Fatalf("boom %d", 1)
}
