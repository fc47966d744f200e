package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
)

// With SQLite's defaults (no busy timeout, rollback journal), two processes
// and a reader share a file: writes wait for each other instead of failing.
func TestStoreSQLiteDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bare.sqlite")
	ctx := context.Background()
	var stores []*Store
	for range 2 {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := New(ctx, db, Options{WriteTimeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	const each = 20
	var wg sync.WaitGroup
	errs := make(chan error, 3*each)
	for i, s := range stores {
		for j := range each {
			wg.Go(func() {
				errs <- s.Log(ctx, sftppush.LogEntry{RecordingID: fmt.Sprintf("%d-%d", i, j), Time: time.Now(), Status: sftppush.StatusOK})
			})
		}
	}
	for range each {
		wg.Go(func() {
			_, err := stores[0].Query(ctx, Query{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := queryAll(t, stores[1], Query{Limit: MaxPageSize}); len(got) != 2*each {
		t.Errorf("%d entries, want %d", len(got), 2*each)
	}
}

func TestIsSQLiteBusy(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{errors.New("database is locked (5) (SQLITE_BUSY)"), true},
		{fmt.Errorf("wrapped: %w", errors.New("database table is locked")), true},
		{codeErr(5), true},
		{codeErr(517), true}, // SQLITE_BUSY_SNAPSHOT
		{codeErr(6), true},
		{codeErr(19), false}, // a constraint
		{errors.New("sql: database is closed"), false},
		{context.DeadlineExceeded, false},
	} {
		if got := isSQLiteBusy(c.err); got != c.want {
			t.Errorf("isSQLiteBusy(%v) = %v", c.err, got)
		}
	}
}

type codeErr int

func (c codeErr) Error() string { return "sqlite code " + strconv.Itoa(int(c)) }
func (c codeErr) Code() int     { return int(c) }
