package outside

import (
	"bytes"
	"go/doc"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The packages whose examples users copy.
var public = []string{".", "hostkey", "metrics", "sftptest", "sqlstore"}

// TestExamplesInAnotherModule copies every example file of the public
// packages into a new module outside the repository (a replace directive
// points at this checkout), and runs go test there: every example must
// compile and print its Output. It also builds godoc's runnable program of
// the Push example, as the "Run" button does, and checks what it prints.
func TestExamplesInAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module outside the repository")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	write(t, filepath.Join(mod, "go.mod"), outsideGoMod(t, root))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(mod, "go.sum"), string(sum))

	copied := 0
	for _, pkg := range public {
		files, _ := filepath.Glob(filepath.Join(root, pkg, "example*_test.go"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte("/internal/")) {
				t.Errorf("%s imports an internal package: users cannot copy it", f)
			}
			dir := filepath.Join(mod, "ex"+strings.ReplaceAll(pkg, ".", "root"))
			write(t, filepath.Join(dir, filepath.Base(f)), string(b))
			copied++
		}
	}
	if copied < 5 {
		t.Fatalf("copied only %d example files", copied)
	}
	play, output := playable(t, filepath.Join(root, "example_test.go"), "Pusher_Push")
	write(t, filepath.Join(mod, "play", "main.go"), play)

	out := goTool(t, mod, "test", "-count=1", "./...")
	t.Logf("go test in the outside module:\n%s", out)
	if strings.Count(out, "ok ") < len(public) {
		t.Errorf("go test:\n%s", out)
	}
	if got := goTool(t, mod, "run", "./play"); strings.TrimSpace(got) != strings.TrimSpace(output) {
		t.Errorf("godoc's program of ExamplePusher_Push printed\n%s\nwant\n%s", got, output)
	}
}

// outsideGoMod is the go.mod of a user's module that requires this one: it
// requires what ours requires, at the same versions, as the user's would
// after go get. Not go mod tidy: tidy wants the modules of our
// dependencies' own tests too (pkg/sftp's testify, x/term), which a fresh
// machine's module cache does not hold, and the test runs offline.
func outsideGoMod(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	out.WriteString("module example.com/user\n")
	for line := range strings.Lines(string(b)) {
		if !strings.HasPrefix(line, "module ") {
			out.WriteString(line)
		}
	}
	out.WriteString("\nrequire github.com/sftppush/sftppush v0.0.0\n\nreplace github.com/sftppush/sftppush => " + root + "\n")
	return out.String()
}

// playable returns godoc's runnable program of the named example in file,
// and the output the example promises.
func playable(t *testing.T, file, name string) (program, output string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range doc.Examples(f) {
		if ex.Name != name {
			continue
		}
		if ex.Play == nil {
			t.Fatalf("example %s has no playable form", name)
		}
		var b bytes.Buffer
		if err := format.Node(&b, fset, ex.Play); err != nil {
			t.Fatal(err)
		}
		return b.String(), ex.Output
	}
	t.Fatalf("no example %s in %s", name, file)
	return "", ""
}

// goTool runs the go command in dir, offline: every module the examples
// need is in the module cache already, through this module's go.sum.
func goTool(t *testing.T, dir string, args ...string) string {
	t.Helper()
	tool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	// Offline: only the module cache, which building this module filled.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
