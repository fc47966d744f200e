package sftppush

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush/sftptest"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// postgresEnv names the variable holding a PostgreSQL DSN for the store's
// tests, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const postgresEnv = "SFTPPUSH_TEST_POSTGRES"

// A testDB is one backend's fresh database for one test: a new SQLite file,
// or a new table name in the PostgreSQL test database.
type testDB struct {
	dialect Dialect
	table   string
	// open opens another *sql.DB on the same database, as another process
	// would; it is closed when the test ends.
	open func(t *testing.T) *sql.DB
	db   *sql.DB
}

// forEachBackend runs f as a subtest against SQLite, and against PostgreSQL
// when postgresEnv is set.
func forEachBackend(t *testing.T, f func(t *testing.T, tdb *testDB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newSQLiteDB(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, newPostgresDB(t)) })
}

// uniqueTable returns a table name no other test run uses.
func uniqueTable() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "log_test_" + hex.EncodeToString(b)
}

func newSQLiteDB(t *testing.T) *testDB {
	// A file: connections to ":memory:" do not share a database. WAL and
	// synchronous=NORMAL, as the docs recommend, spare each commit its
	// fsyncs, which stall for seconds on a busy CI disk. No busy timeout:
	// the store must cope without one (TestSQLStoreSQLiteDefaults tries
	// SQLite's defaults alone).
	dsn := "file:" + filepath.Join(t.TempDir(), "logs.sqlite") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	tdb := &testDB{dialect: DialectSQLite, table: uniqueTable()}
	tdb.open = func(t *testing.T) *sql.DB {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	tdb.db = tdb.open(t)
	return tdb
}

func newPostgresDB(t *testing.T) *testDB {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skip(postgresEnv + " is not set (a PostgreSQL DSN); .ci/run sets it")
	}
	tdb := &testDB{dialect: DialectPostgres, table: uniqueTable()}
	tdb.open = func(t *testing.T) *sql.DB {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	tdb.db = tdb.open(t)
	if err := tdb.db.PingContext(context.Background()); err != nil {
		t.Fatalf("%s is set but PostgreSQL is not reachable: %v", postgresEnv, err)
	}
	t.Cleanup(func() {
		// Registered after db's Close, so it runs before it.
		tdb.db.Exec(`DROP TABLE IF EXISTS ` + tdb.table + `, ` + tdb.table + `_schema`)
	})
	return tdb
}

// store returns a store on tdb's table with the given options, and a write
// timeout of 30 s unless they set one: the tests that are not about the
// timeout must not fail on a machine busy running other packages' tests.
func (tdb *testDB) store(t *testing.T, opts SQLStoreOptions) *SQLStore {
	t.Helper()
	if opts.Table == "" {
		opts.Table = tdb.table
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	s, err := NewSQLStore(context.Background(), tdb.db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// count returns the number of rows in the log table.
func (tdb *testDB) count(t *testing.T) int {
	t.Helper()
	var n int
	err := tdb.retryBusy(func() error {
		return tdb.db.QueryRow(`SELECT COUNT(*) FROM ` + tdb.table).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// retryBusy retries f as the store does while SQLite is busy: the tests
// read and write beside a store that may be writing.
func (tdb *testDB) retryBusy(f func() error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return (&SQLStore{dialect: tdb.dialect}).retryBusy(ctx, f)
}

// queryAll pages through q with small pages and returns every entry.
func queryAll(t *testing.T, s *SQLStore, q LogQuery) []LogEntry {
	t.Helper()
	var all []LogEntry
	for {
		p, err := s.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Entries...)
		if p.Next == "" {
			return all
		}
		q.Cursor = p.Next
	}
}

func fullEntry() LogEntry {
	return LogEntry{
		RecordingID: "rec-1",
		Time:        time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC),
		Host:        "sftp.example.com",
		Username:    "Camera",
		Folder:      "/in/box",
		Port:        2222,
		Files:       []string{"a.mp4", "a_raw.webm", "a.jpg", "a_filmstrip.jpg", "fifth.txt"},
		Status:      StatusUploadFailed,
		Reason:      ReasonNoSpace,
		Error:       "sftppush: upload /in/box/a.mp4: no space (UPLOAD_FAILED/no_space): quota",
		Duration:    1500 * time.Millisecond,
		BytesSent:   123456,
		Account:     "acct-7",
		Attempt:     3,

		RemoteAddr:         "127.0.0.1:2222",
		ServerVersion:      "SSH-2.0-OpenSSH_9.2",
		HostKeyFingerprint: "SHA256:abc",
		ConnectDuration:    300 * time.Millisecond,
		UploadDuration:     1200 * time.Millisecond,
	}
}

// Every field comes back as it went in; text that neither database could
// keep comes back cleaned.
func TestSQLStoreRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, SQLStoreOptions{})
		ctx := context.Background()
		full := fullEntry()
		bare := LogEntry{RecordingID: "rec-2", Time: full.Time.Add(time.Second), Status: StatusOK}
		hostile := LogEntry{
			RecordingID: "rec-3", Time: full.Time.Add(2 * time.Second), Status: StatusConnectionTimeout,
			Host: "<script>alert(1)</script>", Folder: "'; DROP TABLE x; --", Error: "nul\x00byte and bad \xff utf8",
			Files: []string{"\x00"},
		}
		for _, e := range []LogEntry{full, bare, hostile} {
			if err := s.Log(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got := queryAll(t, s, LogQuery{})
		hostile.Error = "nul\uFFFDbyte and bad \uFFFD utf8"
		hostile.Files = []string{"\uFFFD"}
		want := []LogEntry{hostile, bare, full} // newest first
		if len(got) != len(want) {
			t.Fatalf("got %d entries, want %d", len(got), len(want))
		}
		for i := range want {
			if !got[i].Time.Equal(want[i].Time) || got[i].Time.Location() != time.UTC {
				t.Errorf("entry %d: time %v, want %v in UTC", i, got[i].Time, want[i].Time)
			}
			got[i].Time = want[i].Time
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("entry %d:\n got %#v\nwant %#v", i, got[i], want[i])
			}
		}

		// A zero time is stored as the time of the write.
		before := time.Now()
		if err := s.Log(ctx, LogEntry{RecordingID: "no-time", Status: StatusOK}); err != nil {
			t.Fatal(err)
		}
		p, err := s.Query(ctx, LogQuery{RecordingID: "no-time"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 1 || p.Entries[0].Time.Before(before.Add(-time.Millisecond)) || p.Entries[0].Time.After(time.Now()) {
			t.Errorf("zero time stored as %+v", p.Entries)
		}
		if err := s.Log(ctx, LogEntry{RecordingID: "far", Time: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
			t.Error("a time past 2262 was accepted")
		}
	})
}

func TestSQLStoreMigrate(t *testing.T) {
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
				s, err := NewSQLStore(ctx, db, SQLStoreOptions{Table: tdb.table, WriteTimeout: 30 * time.Second})
				if err == nil {
					err = s.Log(ctx, LogEntry{RecordingID: "p" + strconv.Itoa(i), Time: time.Now(), Status: StatusOK})
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
		if got, want := versions(), []int{len(migrations)}; !slices.Equal(got, want) {
			t.Errorf("schema versions %v, want %v", got, want)
		}

		// Again: nothing changes, entries stay.
		tdb.store(t, SQLStoreOptions{})
		if got := tdb.count(t); got != n {
			t.Errorf("after a second migration: %d rows, want %d", got, n)
		}

		// A schema from a newer version of the package is refused.
		if _, err := tdb.db.Exec(`INSERT INTO ` + tdb.table + `_schema (version, applied_ns) VALUES (99, 0)`); err != nil {
			t.Fatal(err)
		}
		if _, err := NewSQLStore(ctx, tdb.db, SQLStoreOptions{Table: tdb.table}); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("schema version 99: got %v, want an error saying it is newer", err)
		}
	})
}

func TestSQLStoreOptions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		ctx := context.Background()
		for _, name := range []string{"Logs", "1logs", "logs;drop", "a-b", "schema.logs", strings.Repeat("a", 41), "lögs", `"x"`} {
			if _, err := NewSQLStore(ctx, tdb.db, SQLStoreOptions{Table: name}); err == nil {
				t.Errorf("table %q accepted", name)
			}
		}
		if _, err := NewSQLStore(ctx, tdb.db, SQLStoreOptions{Dialect: "oracle"}); err == nil {
			t.Error("dialect oracle accepted")
		}
		if _, err := NewSQLStore(ctx, nil, SQLStoreOptions{}); err == nil {
			t.Error("nil db accepted")
		}
		s, err := NewSQLStore(ctx, tdb.db, SQLStoreOptions{Table: tdb.table})
		if err != nil {
			t.Fatal(err)
		}
		if s.Dialect() != tdb.dialect || s.Table() != tdb.table || s.Retention() != DefaultRetention || s.timeout != DefaultWriteTimeout || s.batch != DefaultPruneBatch {
			t.Errorf("detected dialect %q table %q retention %v timeout %v batch %d", s.Dialect(), s.Table(), s.Retention(), s.timeout, s.batch)
		}
	})
}

func TestSQLStoreDefaultTable(t *testing.T) {
	tdb := newSQLiteDB(t)
	s, err := NewSQLStore(context.Background(), tdb.db, SQLStoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Table() != DefaultLogTable {
		t.Fatalf("table %q", s.Table())
	}
	var n int
	if err := tdb.db.QueryRow(`SELECT COUNT(*) FROM ` + DefaultLogTable).Scan(&n); err != nil {
		t.Fatal(err)
	}
}

func TestSQLStoreQuery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, SQLStoreOptions{})
		ctx := context.Background()
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		statuses := Statuses()
		var all []LogEntry
		for i := range 30 {
			e := LogEntry{
				RecordingID: "rec-" + strconv.Itoa(i%7),
				Account:     "acct-" + strconv.Itoa(i%3),
				// Pairs of entries share a time: the id breaks the tie.
				Time:   base.Add(time.Duration(i/2) * time.Hour),
				Status: statuses[i%len(statuses)],
				Host:   "h" + strconv.Itoa(i),
			}
			if err := s.Log(ctx, e); err != nil {
				t.Fatal(err)
			}
			all = append(all, e)
		}
		// Newest first: later time, then later insert.
		newestFirst := slices.Clone(all)
		slices.Reverse(newestFirst)
		hosts := func(es []LogEntry) []string {
			var hs []string
			for _, e := range es {
				hs = append(hs, e.Host)
			}
			return hs
		}
		filter := func(keep func(e LogEntry) bool) []string {
			var out []LogEntry
			for _, e := range newestFirst {
				if keep(e) {
					out = append(out, e)
				}
			}
			return hosts(out)
		}
		cases := []struct {
			name string
			q    LogQuery
			keep func(e LogEntry) bool
		}{
			{"all", LogQuery{}, func(LogEntry) bool { return true }},
			{"account", LogQuery{Account: "acct-1"}, func(e LogEntry) bool { return e.Account == "acct-1" }},
			{"recording", LogQuery{RecordingID: "rec-3"}, func(e LogEntry) bool { return e.RecordingID == "rec-3" }},
			{"status", LogQuery{Status: StatusLoginFailed}, func(e LogEntry) bool { return e.Status == StatusLoginFailed }},
			{"time range", LogQuery{Since: base.Add(3 * time.Hour), Until: base.Add(9 * time.Hour)}, func(e LogEntry) bool {
				return !e.Time.Before(base.Add(3*time.Hour)) && e.Time.Before(base.Add(9*time.Hour))
			}},
			{"account and status", LogQuery{Account: "acct-0", Status: StatusOK}, func(e LogEntry) bool { return e.Account == "acct-0" && e.Status == StatusOK }},
			{"no match", LogQuery{Account: "nobody"}, func(LogEntry) bool { return false }},
		}
		for _, c := range cases {
			for _, limit := range []int{1, 4, 0} {
				c.q.Limit = limit
				if got, want := hosts(queryAll(t, s, c.q)), filter(c.keep); !slices.Equal(got, want) {
					t.Errorf("%s, pages of %d: got %v, want %v", c.name, limit, got, want)
				}
			}
		}

		// Pages stay stable while entries arrive: new ones (newer, older, at
		// the same time as the cursor) neither repeat nor hide old ones.
		q := LogQuery{Limit: 4}
		var got []LogEntry
		for i := 0; ; i++ {
			p, err := s.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Entries) > 4 {
				t.Fatalf("page of %d entries, limit 4", len(p.Entries))
			}
			got = append(got, p.Entries...)
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
			last := p.Entries[len(p.Entries)-1]
			for _, e := range []LogEntry{
				{RecordingID: "new", Time: base.Add(100 * time.Hour), Host: "newer"},
				{RecordingID: "new", Time: last.Time, Host: "same-time"},
			} {
				if err := s.Log(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, want := hosts(got), hosts(newestFirst); !slices.Equal(got, want) {
			t.Errorf("paging while inserting: got %v, want %v", got, want)
		}

		// The last page has no cursor, even when it is full.
		p, err := s.Query(ctx, LogQuery{Account: "acct-0", Limit: 10})
		if err != nil || len(p.Entries) != 10 || p.Next != "" {
			t.Errorf("exactly one full page: %d entries, next %q, err %v", len(p.Entries), p.Next, err)
		}
		for _, c := range []string{"x", "1.", ".1", "1.0", "1.-5", "1.2.3", "99999999999999999999.1"} {
			if _, err := s.Query(ctx, LogQuery{Cursor: c}); !errors.Is(err, ErrBadCursor) {
				t.Errorf("cursor %q: got %v, want ErrBadCursor", c, err)
			}
		}
		p, err = s.Query(ctx, LogQuery{Limit: 5000})
		if err != nil || len(p.Entries) > MaxPageSize {
			t.Errorf("limit 5000: %d entries, %v", len(p.Entries), err)
		}
	})
}

// 50 pushes log at once: every entry is stored once.
func TestSQLStoreConcurrentPushes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, SQLStoreOptions{})
		srv := serverWith(t, sftptest.Faults{})
		p := newTestPusher(Config{Sink: s})
		file := writeLocal(t, t.TempDir(), "rec.mp4", 2000)
		const n = 50
		results := make([]*Result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				g := Group{RecordingID: fmt.Sprintf("rec-%02d", i), Account: "acct", Main: File{Path: file, RemoteName: fmt.Sprintf("rec-%02d.mp4", i)}}
				results[i] = p.Push(context.Background(), loopbackCreds(srv, "/upload"), g)
			})
		}
		wg.Wait()
		var want []string
		for i, r := range results {
			if r.Status != StatusOK || r.LogErr != nil {
				t.Errorf("push %d: %s/%s %v, log error %v", i, r.Status, r.Reason, r.Err, r.LogErr)
			}
			want = append(want, r.Entry.RecordingID)
		}
		if got := tdb.count(t); got != n {
			t.Errorf("%d rows, want %d", got, n)
		}
		var got []string
		for _, e := range queryAll(t, s, LogQuery{Account: "acct", Limit: 7}) {
			got = append(got, e.RecordingID)
			if e.Status != StatusOK || e.Host != "127.0.0.1" || e.Port != srv.Port || len(e.Files) != 1 || e.BytesSent != 2000 {
				t.Errorf("stored entry %+v", e)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("stored recording IDs %v, want %v", got, want)
		}
	})
}

// A store that cannot write makes a push report the error in LogErr, within
// the write timeout, and leaves its Status alone.
func TestSQLStoreFailedWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		srv := serverWith(t, sftptest.Faults{})
		creds := loopbackCreds(srv, "/upload")

		t.Run("closed database", func(t *testing.T) {
			db := tdb.open(t)
			s, err := NewSQLStore(context.Background(), db, SQLStoreOptions{Table: tdb.table})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			res := newTestPusher(Config{Sink: s}).Push(context.Background(), creds, okGroup(t, 1000))
			if res.Status != StatusOK || res.Err != nil {
				t.Errorf("got %s/%s %v, want OK", res.Status, res.Reason, res.Err)
			}
			if res.LogErr == nil || !strings.Contains(res.LogErr.Error(), "closed") {
				t.Errorf("LogErr %v, want the closed database", res.LogErr)
			}
		})

		t.Run("locked table", func(t *testing.T) {
			const timeout = 300 * time.Millisecond
			s := tdb.store(t, SQLStoreOptions{WriteTimeout: timeout})
			// Another process holds the write lock for longer than the
			// timeout.
			other := tdb.open(t)
			ctx := context.Background()
			conn, err := other.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			lock := "BEGIN IMMEDIATE"
			if tdb.dialect == DialectPostgres {
				lock = "BEGIN; LOCK TABLE " + tdb.table + " IN ACCESS EXCLUSIVE MODE"
			}
			if _, err := conn.ExecContext(ctx, lock); err != nil {
				t.Fatal(err)
			}
			defer conn.ExecContext(ctx, "ROLLBACK")

			var sink MemorySink
			start := time.Now()
			res := newTestPusher(Config{Sink: MultiSink(s, &sink)}).Push(ctx, creds, okGroup(t, 1000))
			took := time.Since(start)
			if res.Status != StatusOK {
				t.Errorf("got %s/%s %v, want OK", res.Status, res.Reason, res.Err)
			}
			if !errors.Is(res.LogErr, context.DeadlineExceeded) {
				t.Errorf("LogErr %v, want the write timeout", res.LogErr)
			}
			if took > timeout+5*time.Second {
				t.Errorf("push took %v with a write timeout of %v", took, timeout)
			}
			if sink.Len() != 1 {
				t.Errorf("the other sink got %d entries", sink.Len())
			}
		})
	})
}

// bulkInsertOld inserts n entries older than before in one statement (one
// transaction), far faster than n calls of Log.
func bulkInsertOld(t *testing.T, tdb *testDB, n int, before time.Time) {
	t.Helper()
	cols := `(` + logColumns + `)`
	vals := `'old-' || i, 'acct', 'h', 'u', '/f', 'SFTP', 22, '["a.mp4"]', 'OK', '', '', 1000, 1000, 0, '', '', '', 0, 0`
	var q string
	switch tdb.dialect {
	case DialectSQLite:
		q = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO ` + tdb.table + ` ` + cols + ` SELECT ? - i * 1000000, ` + vals + ` FROM n`
	case DialectPostgres:
		q = `INSERT INTO ` + tdb.table + ` ` + cols + ` SELECT $2::bigint - i::bigint * 1000000, ` + vals + ` FROM generate_series(1, $1::int) AS i`
	}
	err := tdb.retryBusy(func() error {
		_, err := tdb.db.Exec(q, n, before.UnixNano())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Pruning 100,000 entries deletes only old ones and lets inserts go on.
//
//	go test -run TestSQLStorePrune -v .   # prints the figures
func TestSQLStorePrune(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, SQLStoreOptions{})
		ctx := context.Background()
		cutoff := time.Now().Add(-DefaultRetention)
		old := 100_000
		if storeTestRace && tdb.dialect == DialectSQLite {
			// 100,000 rows take a minute here; 10,000 are still ten
			// batches. .ci/run measures 100,000 without the race detector.
			old = 10_000
		}
		start := time.Now()
		bulkInsertOld(t, tdb, old, cutoff)
		t.Logf("%s: inserted %d old entries in %v", tdb.dialect, old, time.Since(start).Round(time.Millisecond))
		// Kept: the newest entries, and one exactly at the cutoff.
		for _, e := range []LogEntry{
			{RecordingID: "at-cutoff", Time: cutoff, Status: StatusOK},
			{RecordingID: "new", Time: time.Now(), Status: StatusOK},
		} {
			if err := s.Log(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Log(ctx, LogEntry{RecordingID: "just-before", Time: cutoff.Add(-time.Nanosecond), Status: StatusOK}); err != nil {
			t.Fatal(err)
		}

		// Meanwhile pushes keep logging: measure how long each waits.
		stop := make(chan struct{})
		var (
			wg      sync.WaitGroup
			inserts int
			maxLat  time.Duration
			insErr  error
		)
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				if err := s.Log(ctx, LogEntry{RecordingID: "during", Time: time.Now(), Status: StatusOK}); err != nil {
					insErr = err
					return
				}
				maxLat = max(maxLat, time.Since(t0))
				inserts++
			}
		})
		start = time.Now()
		n, err := s.Prune(ctx, cutoff)
		took := time.Since(start)
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if insErr != nil {
			t.Fatalf("insert during prune: %v", insErr)
		}
		t.Logf("%s: pruned %d entries in %v; %d inserts meanwhile, the slowest took %v",
			tdb.dialect, n, took.Round(time.Millisecond), inserts, maxLat.Round(time.Microsecond))
		if n != int64(old)+1 {
			t.Errorf("pruned %d, want %d", n, old+1)
		}
		if inserts == 0 {
			t.Error("no insert finished during the prune")
		}
		// A generous bound against machine noise: what it catches is a
		// prune that holds the table for its whole run.
		if maxLat > 5*time.Second {
			t.Errorf("an insert waited %v during the prune", maxLat)
		}
		if got, want := tdb.count(t), 2+inserts; got != want {
			t.Errorf("%d rows left, want %d", got, want)
		}
		for _, id := range []string{"at-cutoff", "new"} {
			if p, err := s.Query(ctx, LogQuery{RecordingID: id}); err != nil || len(p.Entries) != 1 {
				t.Errorf("%s: %d entries after prune, err %v", id, len(p.Entries), err)
			}
		}
		if n, err := s.Prune(ctx, cutoff); n != 0 || err != nil {
			t.Errorf("second prune: %d, %v", n, err)
		}
	})
}

// With SQLite's defaults (no busy timeout, rollback journal), two processes
// and a reader share a file: writes wait for each other instead of failing.
func TestSQLStoreSQLiteDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bare.sqlite")
	ctx := context.Background()
	var stores []*SQLStore
	for range 2 {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := NewSQLStore(ctx, db, SQLStoreOptions{WriteTimeout: 30 * time.Second})
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
				errs <- s.Log(ctx, LogEntry{RecordingID: fmt.Sprintf("%d-%d", i, j), Time: time.Now(), Status: StatusOK})
			})
		}
	}
	for range each {
		wg.Go(func() {
			_, err := stores[0].Query(ctx, LogQuery{})
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
	if got := queryAll(t, stores[1], LogQuery{Limit: MaxPageSize}); len(got) != 2*each {
		t.Errorf("%d entries, want %d", len(got), 2*each)
	}
}

func TestSQLStorePruneCanceled(t *testing.T) {
	tdb := newSQLiteDB(t)
	s := tdb.store(t, SQLStoreOptions{PruneBatch: 10})
	bulkInsertOld(t, tdb, 100, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := s.Prune(ctx, time.Now()); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled prune: %d, %v", n, err)
	}
}

func TestSQLStorePruner(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, SQLStoreOptions{Retention: time.Hour, PruneBatch: 7})
		ctx := context.Background()
		bulkInsertOld(t, tdb, 20, time.Now().Add(-time.Hour))
		if err := s.Log(ctx, LogEntry{RecordingID: "fresh", Time: time.Now(), Status: StatusOK}); err != nil {
			t.Fatal(err)
		}
		stop := s.StartPruner(20 * time.Millisecond)
		defer stop()
		deadline := time.Now().Add(10 * time.Second)
		for tdb.count(t) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("pruner left %d rows, want 1", tdb.count(t))
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Old entries that arrive later go at the next run.
		bulkInsertOld(t, tdb, 5, time.Now().Add(-2*time.Hour))
		for tdb.count(t) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("pruner left %d rows on its next run, want 1", tdb.count(t))
			}
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		stop() // twice is fine
	})
}

func TestSQLStorePrunerErrors(t *testing.T) {
	tdb := newSQLiteDB(t)
	errc := make(chan error, 10)
	s := tdb.store(t, SQLStoreOptions{OnPruneError: func(err error) {
		select {
		case errc <- err:
		default:
		}
	}})
	tdb.db.Close()
	stop := s.StartPruner(time.Millisecond)
	defer stop()
	select {
	case err := <-errc:
		if !strings.Contains(err.Error(), "closed") {
			t.Errorf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no prune error reported")
	}
}

func TestSQLStoreDeleteAccount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, SQLStoreOptions{PruneBatch: 10})
		ctx := context.Background()
		now := time.Now()
		for i := range 35 {
			acct := "gone"
			if i%5 == 0 {
				acct = "kept"
			}
			if err := s.Log(ctx, LogEntry{RecordingID: strconv.Itoa(i), Account: acct, Time: now, Status: StatusOK}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Log(ctx, LogEntry{RecordingID: "none", Time: now, Status: StatusOK}); err != nil {
			t.Fatal(err)
		}
		n, err := s.DeleteAccount(ctx, "gone")
		if n != 28 || err != nil {
			t.Errorf("DeleteAccount: %d, %v; want 28 over several batches", n, err)
		}
		if got := len(queryAll(t, s, LogQuery{Account: "kept"})); got != 7 {
			t.Errorf("%d entries of the other account left, want 7", got)
		}
		if _, err := s.DeleteAccount(ctx, ""); err == nil {
			t.Error("DeleteAccount(\"\") accepted")
		}
		if got := tdb.count(t); got != 8 {
			t.Errorf("%d rows left, want 8", got)
		}
	})
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
