package logtable

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sqlstore"

	_ "modernc.org/sqlite"
)

func newStore(t *testing.T, entries ...sftppush.LogEntry) *sqlstore.Store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "logs.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := sqlstore.New(context.Background(), db, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := s.Log(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestToRow(t *testing.T) {
	e := sftppush.LogEntry{
		RecordingID: "rec", Account: "acme", Time: time.Date(2025, 5, 6, 7, 8, 9, 0, time.FixedZone("x", 3600)),
		Host: "h", Username: "u", Folder: "/f", Port: 2222, Files: []string{"1", "2", "3", "4", "5"},
		Status: sftppush.StatusUploadFailed, Reason: sftppush.ReasonNoSpace, Error: "full",
	}
	r := ToRow(e)
	if r.Time != "2025-05-06 06:08:09" || r.Protocol != "SFTP" || r.Port != 2222 || r.Reason != "no_space" || r.OK ||
		len(r.Files) != ShownFiles || r.MoreFiles != 1 || r.Error != "full" || r.Account != "acme" {
		t.Errorf("ToRow = %+v", r)
	}
	ok := ToRow(sftppush.LogEntry{Status: sftppush.StatusOK, Reason: sftppush.ReasonNone})
	if !ok.OK || ok.Reason != "" {
		t.Errorf("an OK row: %+v", ok)
	}
}

// The account is a scope: it stays in every link, Clear included, and
// does not count as a filter.
func TestLoadKeepsTheAccount(t *testing.T) {
	var entries []sftppush.LogEntry
	at := time.Date(2025, 5, 6, 0, 0, 0, 0, time.UTC)
	for i := range PageSize + 1 {
		entries = append(entries, sftppush.LogEntry{RecordingID: "r", Account: "acme", Time: at.Add(time.Duration(i) * time.Second), Status: sftppush.StatusOK})
	}
	entries = append(entries, sftppush.LogEntry{RecordingID: "other", Account: "other", Time: at, Status: sftppush.StatusOK})
	s := newStore(t, entries...)

	tb, code := Load(context.Background(), s, "/page", Filter{Account: "acme"}, "")
	if code != http.StatusOK || len(tb.Rows) != PageSize || tb.Filtered || tb.Paged {
		t.Fatalf("first page: %d, %d rows, filtered %v, paged %v", code, len(tb.Rows), tb.Filtered, tb.Paged)
	}
	if tb.ClearURL != "/page?account=acme" || tb.FirstURL != "/page?account=acme" || !strings.HasPrefix(tb.NextURL, "/page?account=acme&cursor=") {
		t.Errorf("links: clear %q, first %q, next %q", tb.ClearURL, tb.FirstURL, tb.NextURL)
	}
	cursor := strings.TrimPrefix(tb.NextURL, "/page?account=acme&cursor=")
	tb, code = Load(context.Background(), s, "/page", Filter{Account: "acme"}, cursor)
	if code != http.StatusOK || len(tb.Rows) != 1 || !tb.Paged || tb.NextURL != "" {
		t.Errorf("second page: %d, %d rows, paged %v, next %q", code, len(tb.Rows), tb.Paged, tb.NextURL)
	}

	for _, c := range []struct {
		f      Filter
		cursor string
		code   int
		says   string
	}{
		{Filter{Status: "nope"}, "", 400, "Unknown status"},
		{Filter{Date: "6 May"}, "", 400, "must look like"},
		{Filter{}, "garbage", 400, "link is broken"},
	} {
		tb, code := Load(context.Background(), s, "/", c.f, c.cursor)
		if code != c.code || !strings.Contains(tb.Problem, c.says) || tb.Rows != nil {
			t.Errorf("%+v %q: %d %q", c.f, c.cursor, code, tb.Problem)
		}
	}
	if tb, _ := Load(context.Background(), s, "/", Filter{Status: "OK", Account: "acme"}, ""); !tb.Filtered || tb.ClearURL != "/?account=acme" {
		t.Errorf("filtered: %v, clear %q", tb.Filtered, tb.ClearURL)
	}
}

// MustParse gives a page the table and its styles.
func TestMustParse(t *testing.T) {
	tmpl := MustParse("p", `<style>{{logtableCSS}}</style>{{template "logtable" .}}`)
	var b bytes.Buffer
	tb, _ := Load(context.Background(), newStore(t, sftppush.LogEntry{RecordingID: "<rec>", Status: sftppush.StatusOK}), "/", Filter{}, "")
	if err := tmpl.Execute(&b, tb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"table.logs {", `<table class="logs">`, `<td class="recording">&lt;rec&gt;`, `<a href="/">Clear</a>`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("page lacks %s:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "ZgotmplZ") {
		t.Error("the styles were escaped away")
	}
}
