package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/internal/textcap"
)

// DefaultTable is the table a Store uses when Options.Table is empty.
const DefaultTable = "sftppush_log"

// DefaultWriteTimeout bounds one Store.Log when Options.WriteTimeout is
// zero, so that a slow database cannot hold a push for long.
const DefaultWriteTimeout = 2 * time.Second

// DefaultRetention is how long a Store's background pruner keeps log
// entries when Options.Retention is zero: 30 days, as the product promises
// its customers.
const DefaultRetention = 30 * 24 * time.Hour

// DefaultPruneBatch is how many rows one delete statement removes when
// Options.PruneBatch is zero.
const DefaultPruneBatch = 1000

// Options configures a Store. The zero value is a valid configuration: the
// dialect detected from the driver, the table "sftppush_log", a 2-second
// write timeout, 30 days of retention and deletes of 1000 rows at a time.
type Options struct {
	// Dialect is the database's SQL dialect. Empty means detect it from the
	// driver's package: modernc.org/sqlite, github.com/mattn/go-sqlite3 and
	// other packages whose path holds "sqlite" are SQLite; pgx and lib/pq
	// are PostgreSQL. Set it for any other driver.
	Dialect Dialect

	// Table is the name of the log table. Its schema-version table is the
	// same name with "_schema" appended, and its indexes start with it too.
	// It must be 1 to 40 lower-case ASCII letters, digits and underscores,
	// not starting with a digit. Empty means DefaultTable. On PostgreSQL
	// the table is created in the first schema of the connection's
	// search_path; put another schema there to keep the table apart.
	Table string

	// WriteTimeout bounds each Log call: waiting for a connection, for
	// SQLite's write lock, and the insert itself. Zero means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration

	// Retention is how old an entry may get before the background pruner
	// deletes it. Zero means DefaultRetention.
	Retention time.Duration

	// PruneBatch is how many rows one delete statement of Prune and
	// DeleteAccount removes, each in its own short transaction, so that
	// inserts wait for one batch at most. Zero means DefaultPruneBatch.
	PruneBatch int

	// OnPruneError receives the errors of the background pruner. Nil means
	// they are logged with slog.Default at level Warn.
	OnPruneError func(error)
}

// Store is an [sftppush.Sink] that keeps log entries in an SQL database
// (SQLite or PostgreSQL, through database/sql) and answers queries over
// them: by account, recording ID, status and time range, newest first, a
// page at a time. It deletes entries older than the retention, on demand
// (Prune) or in the background (StartPruner).
//
// Every field of [sftppush.LogEntry] is stored; Files is kept whole, as a
// JSON array. Text is stored as valid UTF-8 without NUL bytes (PostgreSQL
// accepts no other): invalid bytes and NULs become U+FFFD.
//
// A Store is safe for concurrent use. It does not own the *sql.DB: close
// the DB after the last use of the store and after stopping its pruners.
type Store struct {
	db        *sql.DB
	dialect   Dialect
	table     string
	timeout   time.Duration
	retention time.Duration
	batch     int
	onErr     func(error)

	// writeLock serializes this store's writes on SQLite, which allows one
	// writer at a time: in-process writers queue here, bounded by their
	// context, rather than failing with SQLITE_BUSY. It is a channel so that
	// waiting honours the context.
	writeLock chan struct{}

	insertSQL string
}

// A Store is what a Pusher logs to.
var _ sftppush.Sink = (*Store)(nil)

var tableNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,39}$`)

// New returns a store that keeps log entries in db, after creating or
// migrating its table and indexes. The migration is idempotent and versioned
// (in the table's "_schema" companion table), and safe when several
// processes start at once: on PostgreSQL it runs in a transaction under an
// advisory lock, on SQLite in a BEGIN IMMEDIATE transaction. It fails if the
// table's schema is newer than this version of the package knows.
//
// For SQLite, open the database with a busy timeout and WAL so that a log
// page can be read while pushes write, e.g. with modernc.org/sqlite:
//
//	sql.Open("sqlite", "file:logs.sqlite?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
//
// Use a file: every connection to ":memory:" gets a database of its own.
func New(ctx context.Context, db *sql.DB, opts Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: New with nil *sql.DB")
	}
	s := &Store{
		db:        db,
		dialect:   opts.Dialect,
		table:     opts.Table,
		timeout:   opts.WriteTimeout,
		retention: opts.Retention,
		batch:     opts.PruneBatch,
		onErr:     opts.OnPruneError,
		writeLock: make(chan struct{}, 1),
	}
	if s.table == "" {
		s.table = DefaultTable
	}
	if !tableNameRE.MatchString(s.table) {
		return nil, fmt.Errorf("sqlstore: invalid log table name %q: use 1 to 40 lower-case letters, digits and underscores, not starting with a digit", textcap.Runes(s.table, 60))
	}
	if s.dialect == "" {
		d, err := detectDialect(db)
		if err != nil {
			return nil, err
		}
		s.dialect = d
	}
	if s.dialect != DialectSQLite && s.dialect != DialectPostgres {
		return nil, fmt.Errorf("sqlstore: unknown SQL dialect %q (want %q or %q)", s.dialect, DialectSQLite, DialectPostgres)
	}
	if s.timeout <= 0 {
		s.timeout = DefaultWriteTimeout
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	if s.batch <= 0 {
		s.batch = DefaultPruneBatch
	}
	marks := strings.Repeat("?, ", strings.Count(logColumns, ",")) + "?"
	s.insertSQL = s.rebind(`INSERT INTO ` + s.table + ` (` + logColumns + `) VALUES (` + marks + `)`)
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("sqlstore: migrating log table %s: %w", s.table, err)
	}
	return s, nil
}

// Dialect returns the store's SQL dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// Table returns the name of the store's log table.
func (s *Store) Table() string { return s.table }

// Retention returns how long the background pruner keeps entries.
func (s *Store) Retention() time.Duration { return s.retention }

// Log stores e. It gives up after the write timeout (Options.WriteTimeout),
// so a push waits for a slow or locked database at most that long; the
// error then goes to the push's Result.LogErr. A zero e.Time is stored as
// the time of the write.
func (s *Store) Log(ctx context.Context, e sftppush.LogEntry) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	args, err := insertArgs(e)
	if err != nil {
		return fmt.Errorf("sqlstore: log %s: %w", textcap.Runes(e.RecordingID, 40), err)
	}
	err = s.write(ctx, func() error {
		_, err := s.db.ExecContext(ctx, s.insertSQL, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: log %s: %w", textcap.Runes(e.RecordingID, 40), err)
	}
	return nil
}
