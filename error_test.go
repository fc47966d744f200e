package sftppush_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// fxpRename is SSH_FXP_RENAME.
const fxpRename = 18

// Every Op the package declares is what some failure reports, and every
// failure reports a declared Op: the list matches what the code produces.
func TestErrorOps(t *testing.T) {
	cases := []struct {
		op    sftppush.Op
		setup func(t *testing.T) (sftppush.Credentials, sftppush.Group)
	}{
		{sftppush.OpValidate, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return sftppush.Credentials{}, okGroup(t, 10)
		}},
		{sftppush.OpOpen, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return addrCreds(t, "127.0.0.1:1"), sftppush.Group{Main: sftppush.File{Path: filepath.Join(t.TempDir(), "gone.mp4")}}
		}},
		{sftppush.OpDial, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return addrCreds(t, sftptest.ClosedPort(t)), okGroup(t, 10)
		}},
		{sftppush.OpHandshake, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			c := serverWith(t, sftptest.Faults{}).Credentials("/upload")
			c.Password += "x"
			return c, okGroup(t, 10)
		}},
		{sftppush.OpSFTP, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return serverWith(t, sftptest.Faults{RefuseSubsystem: true}).Credentials("/upload"), okGroup(t, 10)
		}},
		{sftppush.OpStat, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return serverWith(t, sftptest.Faults{}).Credentials("/missing"), okGroup(t, 10)
		}},
		{sftppush.OpCreate, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return serverWith(t, sftptest.Faults{ReadOnly: []string{"/upload"}}).Credentials("/upload"), okGroup(t, 10)
		}},
		{sftppush.OpUpload, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return serverWith(t, sftptest.Faults{QuotaBytes: 1000}).Credentials("/upload"), okGroup(t, 50_000)
		}},
		{sftppush.OpVerify, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			return serverWith(t, sftptest.Faults{DiscardAfterBytes: 1000}).Credentials("/upload"), okGroup(t, 50_000)
		}},
		{sftppush.OpRename, func(t *testing.T) (sftppush.Credentials, sftppush.Group) {
			// The probe's rename (of a name that does not exist) is
			// answered "no such file"; the real rename breaks the
			// connection with a packet no client may accept.
			var renames atomic.Int32
			addr := hostileSFTP(except(fxpRename, func(id uint32, _ []byte) []byte {
				if renames.Add(1) == 1 {
					return fxStatus(id, 2, "no such file")
				}
				return []byte{0xFF, 0xFF, 0xFF, 0xF0, 0}
			}))(t)
			return addrCreds(t, addr), okGroup(t, 300_000)
		}},
	}
	seen := map[sftppush.Op]bool{}
	for _, tc := range cases {
		t.Run(string(tc.op), func(t *testing.T) {
			creds, g := tc.setup(t)
			res := newTestPusher(sftppush.Config{}).Push(context.Background(), creds, g)
			var e *sftppush.Error
			if !errors.As(res.Err, &e) || e.Op != tc.op || e.Reason.Status() == sftppush.StatusOK || e.Reason.Status() != res.Status {
				t.Fatalf("got %s/%s %v, want an *Error of op %s", res.Status, res.Reason, res.Err, tc.op)
			}
			seen[e.Op] = true
		})
	}
	for _, op := range declaredOps(t) {
		if !seen[op] {
			t.Errorf("Op %q is declared, but no case produced it", op)
		}
	}
}

// declaredOps reads the Op constants from error.go.
func declaredOps(t *testing.T) []sftppush.Op {
	f, err := parser.ParseFile(token.NewFileSet(), "error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ops []sftppush.Op
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Op" {
				s, _ := strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
				ops = append(ops, sftppush.Op(s))
			}
		}
	}
	if len(ops) < 10 {
		t.Fatalf("read only %d Op constants", len(ops))
	}
	return ops
}
