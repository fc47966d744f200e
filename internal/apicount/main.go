// Command apicount measures the shape of a Go package: how many exported
// names its godoc lists (constants, variables, functions, types, methods,
// struct fields and interface methods, as go doc -all prints them), and
// which files and functions are longer than the limits. It exits with
// status 1 when a limit is passed.
//
//	go run ./internal/apicount [-names 200] [-file 400] [-func 80] [-tests] [dir ...]
//
// With no directory it measures the module's root package. -tests also
// measures the _test.go files (their names are never counted).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	maxNames := flag.Int("names", 200, "most exported names; 0 for no limit")
	maxFile := flag.Int("file", 400, "most lines per file; 0 for no limit")
	maxFunc := flag.Int("func", 80, "most lines per function; 0 for no limit")
	tests := flag.Bool("tests", false, "also measure _test.go files' lengths")
	verbose := flag.Bool("v", false, "list the exported names")
	flag.Parse()
	dirs := flag.Args()
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	failed := false
	for _, dir := range dirs {
		m, err := Measure(dir, *tests)
		if err != nil {
			fmt.Fprintln(os.Stderr, "apicount:", err)
			os.Exit(2)
		}
		fmt.Printf("%s: %d exported names (%s)\n", dir, len(m.Names), m.Kinds())
		if *verbose {
			for _, n := range m.Names {
				fmt.Println("  ", n)
			}
		}
		for _, p := range m.Problems(*maxNames, *maxFile, *maxFunc) {
			fmt.Println("  ", p)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
