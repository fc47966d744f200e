package sftppush

import (
	"context"
	"strings"
	"testing"

	"github.com/sftppush/sftppush/sftptest"
)

// Every over-limit input is refused with a clear error before any
// connection is opened.
func TestCapsRefusedBeforeConnecting(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	many := func(t *testing.T) Group {
		g := okGroup(t, 10)
		for i := range MaxGroupFiles {
			g.Extras = append(g.Extras, File{Path: g.Main.Path, RemoteName: "x" + strings.Repeat("y", i)})
		}
		return g
	}
	tests := []struct {
		name   string
		edit   func(t *testing.T, c *Credentials, g *Group)
		reason Reason
		want   string // in the error
	}{
		{"too many files", func(t *testing.T, c *Credentials, g *Group) { *g = many(t) }, ReasonInvalidGroup, "at most 16"},
		{"remote name too long", func(t *testing.T, c *Credentials, g *Group) {
			g.Main.RemoteName = strings.Repeat("a", MaxRemoteNameLength+1)
		}, ReasonInvalidGroup, "longer than 255"},
		{"recording ID too long", func(t *testing.T, c *Credentials, g *Group) { g.RecordingID = strings.Repeat("é", 101) }, ReasonInvalidGroup, "RecordingID has 101 characters"},
		{"recording ID with a newline", func(t *testing.T, c *Credentials, g *Group) { g.RecordingID = "rec\nFAKE LOG LINE" }, ReasonInvalidGroup, "RecordingID contains a control"},
		{"account too long", func(t *testing.T, c *Credentials, g *Group) { g.Account = strings.Repeat("a", 101) }, ReasonInvalidGroup, "Account has 101"},
		{"account not UTF-8", func(t *testing.T, c *Credentials, g *Group) { g.Account = "\xff" }, ReasonInvalidGroup, "Account is not valid UTF-8"},
		{"folder too long", func(t *testing.T, c *Credentials, g *Group) { c.Folder = "/" + strings.Repeat("f", 100) }, ReasonInvalidFolder, "Folder"},
		{"password too long", func(t *testing.T, c *Credentials, g *Group) { c.Password = strings.Repeat("p", 101) }, ReasonInvalidLogin, "Password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, g := loopbackCreds(s, "/upload"), okGroup(t, 10)
			tc.edit(t, &c, &g)
			res := newTestPusher(Config{}).Push(context.Background(), c, g)
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
	g.RecordingID, g.Account = strings.Repeat("é", MaxRecordingIDLength), strings.Repeat("a", MaxAccountLength)
	if res := newTestPusher(Config{}).Push(context.Background(), loopbackCreds(s, "/upload"), g); res.Status != StatusOK {
		t.Errorf("at the limits: %s/%s %v", res.Status, res.Reason, res.Err)
	}
}
