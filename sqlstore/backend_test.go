package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sftppush/sftppush"

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
	// the store must cope without one (TestStoreSQLiteDefaults tries
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
func (tdb *testDB) store(t *testing.T, opts Options) *Store {
	t.Helper()
	if opts.Table == "" {
		opts.Table = tdb.table
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	s, err := New(context.Background(), tdb.db, opts)
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
	return (&Store{dialect: tdb.dialect}).retryBusy(ctx, f)
}

// bulkInsertOld inserts n entries older than before in one statement (one
// transaction), far faster than n calls of Log.
func bulkInsertOld(t *testing.T, tdb *testDB, n int, before time.Time) {
	t.Helper()
	cols := `(` + logColumns + `)`
	vals := `'old-' || i, 'acct', 'h', 'u', '/f', 'SFTP', 22, '["a.mp4"]', 'OK', '', '', 1000, 1000, 0, '', '', '', 0, 0, '', ''`
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

// queryAll pages through q with small pages and returns every entry.
func queryAll(t *testing.T, s *Store, q Query) []sftppush.LogEntry {
	t.Helper()
	var all []sftppush.LogEntry
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
