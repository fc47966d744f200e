package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Measures is the shape of one package directory.
type Measures struct {
	Names []string       // exported names, "kind name"
	kinds map[string]int // kind -> count
	Files map[string]int // file -> lines
	Funcs map[string]int // file:function -> lines
}

// Kinds summarizes the names by kind.
func (m *Measures) Kinds() string {
	var ks []string
	for k := range m.kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%d %s", m.kinds[k], k))
	}
	return strings.Join(parts, ", ")
}

// Problems lists what passes a limit (0: none).
func (m *Measures) Problems(maxNames, maxFile, maxFunc int) []string {
	var ps []string
	if maxNames > 0 && len(m.Names) > maxNames {
		ps = append(ps, fmt.Sprintf("%d exported names, more than %d", len(m.Names), maxNames))
	}
	for _, f := range sortedKeys(m.Files) {
		if maxFile > 0 && m.Files[f] > maxFile {
			ps = append(ps, fmt.Sprintf("%s has %d lines, more than %d", f, m.Files[f], maxFile))
		}
	}
	for _, f := range sortedKeys(m.Funcs) {
		if maxFunc > 0 && m.Funcs[f] > maxFunc {
			ps = append(ps, fmt.Sprintf("%s has %d lines, more than %d", f, m.Funcs[f], maxFunc))
		}
	}
	return ps
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Measure parses the package in dir. Exported names come from the
// non-test files only; lengths from those, and from the test files with
// tests.
func Measure(dir string, tests bool) (*Measures, error) {
	m := &Measures{kinds: map[string]int{}, Files: map[string]int{}, Funcs: map[string]int{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	for _, e := range ents {
		name := e.Name()
		isTest := strings.HasSuffix(name, "_test.go")
		if e.IsDir() || !strings.HasSuffix(name, ".go") || (isTest && !tests) {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			return nil, err
		}
		m.Files[name] = fset.File(f.Pos()).LineCount()
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				lines := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
				m.Funcs[name+":"+funcName(fd)] = lines
			}
		}
		if !isTest {
			m.addNames(f)
		}
	}
	sort.Strings(m.Names)
	return m, nil
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil {
		return fd.Name.Name
	}
	return recvName(fd.Recv.List[0].Type) + "." + fd.Name.Name
}

func recvName(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// addNames counts what go doc -all lists of a file.
func (m *Measures) addNames(f *ast.File) {
	add := func(kind, name string) {
		m.kinds[kind]++
		m.Names = append(m.Names, kind+" "+name)
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			switch {
			case !d.Name.IsExported():
			case d.Recv == nil:
				add("func", d.Name.Name)
			case ast.IsExported(recvName(d.Recv.List[0].Type)):
				add("method", recvName(d.Recv.List[0].Type)+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				m.addSpec(d.Tok, s, add)
			}
		}
	}
}

func (m *Measures) addSpec(tok token.Token, s ast.Spec, add func(kind, name string)) {
	switch s := s.(type) {
	case *ast.ValueSpec:
		for _, n := range s.Names {
			if n.IsExported() {
				add(tok.String(), n.Name)
			}
		}
	case *ast.TypeSpec:
		if !s.Name.IsExported() {
			return
		}
		add("type", s.Name.Name)
		switch t := s.Type.(type) {
		case *ast.StructType:
			for _, fl := range t.Fields.List {
				for _, n := range fl.Names {
					if n.IsExported() {
						add("field", s.Name.Name+"."+n.Name)
					}
				}
			}
		case *ast.InterfaceType:
			for _, fl := range t.Methods.List {
				for _, n := range fl.Names {
					if n.IsExported() {
						add("interface method", s.Name.Name+"."+n.Name)
					}
				}
			}
		}
	}
}
