package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
)

func TestStoreMigrate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		ctx := context.Background()
		// Several processes start at once on a database without the table.
		const n = 8
		dbs := make([]*sql.DB, n)
		for i := range dbs {
			dbs[i] = tdb.open(t)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, db := range dbs {
			wg.Go(func() {
				s, err := New(ctx, db, Options{Table: tdb.table, WriteTimeout: 30 * time.Second})
				if err == nil {
					err = s.Log(ctx, sftppush.LogEntry{RecordingID: "p" + strconv.Itoa(i), Time: time.Now(), Status: sftppush.StatusOK})
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("process %d: %v", i, err)
			}
		}
		if got := tdb.count(t); got != n {
			t.Errorf("%d rows, want %d", got, n)
		}
		versions := func() []int {
			rows, err := tdb.db.Query(`SELECT version FROM ` + tdb.table + `_schema ORDER BY version`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var vs []int
			for rows.Next() {
				var v int
				rows.Scan(&v)
				vs = append(vs, v)
			}
			return vs
		}
		var want []int // one row per migration, applied once
		for v := range migrations {
			want = append(want, v+1)
		}
		if got := versions(); !slices.Equal(got, want) {
			t.Errorf("schema versions %v, want %v", got, want)
		}

		// Again: nothing changes, entries stay.
		tdb.store(t, Options{})
		if got := tdb.count(t); got != n {
			t.Errorf("after a second migration: %d rows, want %d", got, n)
		}

		// A schema from a newer version of the package is refused.
		if _, err := tdb.db.Exec(`INSERT INTO ` + tdb.table + `_schema (version, applied_ns) VALUES (99, 0)`); err != nil {
			t.Fatal(err)
		}
		if _, err := New(ctx, tdb.db, Options{Table: tdb.table}); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("schema version 99: got %v, want an error saying it is newer", err)
		}
	})
}

// A table of the first schema, with entries, is brought to the latest:
// the entries stay, with the new columns empty.
func TestStoreMigrateFromTheFirstSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		for _, stmt := range append([]string{`CREATE TABLE ` + tdb.table + `_schema (version INTEGER PRIMARY KEY, applied_ns BIGINT NOT NULL)`,
			`INSERT INTO ` + tdb.table + `_schema (version, applied_ns) VALUES (1, 0)`}, migrations[0](tdb.dialect, tdb.table)...) {
			if _, err := tdb.db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tdb.db.Exec(`INSERT INTO ` + tdb.table + ` (time_ns, recording_id, host, username, folder, protocol, port, files, status, reason, error, duration_ns, bytes_sent)
			VALUES (1000, 'old-1', 'h', 'u', '/f', 'SFTP', 22, '["a.mp4"]', 'OK', '', '', 5, 7)`); err != nil {
			t.Fatal(err)
		}
		s := tdb.store(t, Options{})
		if err := s.Log(context.Background(), sftppush.LogEntry{RecordingID: "new-1", Time: time.Now(), Status: sftppush.StatusOK, Banner: "hello", Algorithms: "kex=x"}); err != nil {
			t.Fatal(err)
		}
		page, err := s.Query(context.Background(), Query{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) != 2 || page.Entries[0].Banner != "hello" || page.Entries[0].Algorithms != "kex=x" ||
			page.Entries[1].RecordingID != "old-1" || page.Entries[1].Banner != "" || page.Entries[1].BytesSent != 7 {
			t.Fatalf("entries after the migration: %+v", page.Entries)
		}
	})
}
