package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sftppush/sftppush/sqlstore"
)

// The tests write their entries to a file of their own, not the user's.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quickstart-test-")
	if err != nil {
		panic(err)
	}
	logDB = filepath.Join(dir, "logs.sqlite")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The quickstart keeps its two entries in the SQLite file and says how to
// view them.
func TestQuickstartStoresEntries(t *testing.T) {
	ctx := context.Background()
	count := func() int {
		db, err := sql.Open("sqlite", "file:"+logDB)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s, err := sqlstore.New(ctx, db, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Query(ctx, sqlstore.Query{RecordingID: "vs1700000000_abc", Limit: sqlstore.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Entries)
	}
	before := count()
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != before+2 {
		t.Errorf("the file holds %d entries after a run, want %d", got, before+2)
	}
	if want := "go run ./examples/logviewer -db " + logDB; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}
