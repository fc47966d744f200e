package sftppush_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
)

// Every over-limit input is refused with a clear error before any
// connection is opened.
func TestCapsRefusedBeforeConnecting(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	many := func(t *testing.T) sftppush.Group {
		g := okGroup(t, 10)
		for i := range sftppush.MaxGroupFiles {
			g.Extras = append(g.Extras, sftppush.File{Path: g.Main.Path, RemoteName: "x" + strings.Repeat("y", i)})
		}
		return g
	}
	tests := []struct {
		name   string
		edit   func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group)
		reason sftppush.Reason
		want   string // in the error
	}{
		{"too many files", func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group) { *g = many(t) }, sftppush.ReasonInvalidGroup, "at most 16"},
		{"remote name too long", func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group) {
			g.Main.RemoteName = strings.Repeat("a", sftppush.MaxRemoteNameLength+1)
		}, sftppush.ReasonInvalidGroup, "longer than 255"},
		{"recording ID too long", func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group) {
			g.RecordingID = strings.Repeat("é", 101)
		}, sftppush.ReasonInvalidGroup, "RecordingID has 101 characters"},
		{"recording ID with a newline", func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group) { g.RecordingID = "rec\nFAKE LOG LINE" }, sftppush.ReasonInvalidGroup, "RecordingID contains a control"},
		{"account too long", func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group) { g.Account = strings.Repeat("a", 101) }, sftppush.ReasonInvalidGroup, "Account has 101"},
		{"account not UTF-8", func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group) { g.Account = "\xff" }, sftppush.ReasonInvalidGroup, "Account is not valid UTF-8"},
		{"folder too long", func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group) {
			c.Folder = "/" + strings.Repeat("f", 100)
		}, sftppush.ReasonInvalidFolder, "Folder"},
		{"password too long", func(t *testing.T, c *sftppush.Credentials, g *sftppush.Group) { c.Password = strings.Repeat("p", 101) }, sftppush.ReasonInvalidLogin, "Password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, g := s.Credentials("/upload"), okGroup(t, 10)
			tc.edit(t, &c, &g)
			res := newTestPusher(sftppush.Config{}).Push(context.Background(), c, g)
			if res.Reason != tc.reason || !strings.Contains(res.Err.Error(), tc.want) {
				t.Errorf("got %s/%s %v; want %s mentioning %q", res.Status, res.Reason, res.Err, tc.reason, tc.want)
			}
		})
	}
	if n := s.Connections(); n != 0 {
		t.Errorf("the server saw %d connections", n)
	}
	// At the limits, all is well.
	g := okGroup(t, 10)
	g.RecordingID, g.Account = strings.Repeat("é", sftppush.MaxFieldLength), strings.Repeat("a", sftppush.MaxFieldLength)
	if res := newTestPusher(sftppush.Config{}).Push(context.Background(), s.Credentials("/upload"), g); res.Status != sftppush.StatusOK {
		t.Errorf("at the limits: %s/%s %v", res.Status, res.Reason, res.Err)
	}
}
