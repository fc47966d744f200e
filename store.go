package sftppush

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultRetention is how long an SQLStore's background pruner keeps log
// entries when SQLStoreOptions.Retention is zero: 30 days, as the product
// promises its customers.
const DefaultRetention = 30 * 24 * time.Hour

// DefaultWriteTimeout bounds one SQLStore.Log when
// SQLStoreOptions.WriteTimeout is zero, so that a slow database cannot hold a
// push for long.
const DefaultWriteTimeout = 2 * time.Second

// DefaultLogTable is the table an SQLStore uses when SQLStoreOptions.Table is
// empty.
const DefaultLogTable = "sftppush_log"

// Defaults of the SQLStore's paging and pruning.
const (
	// DefaultPageSize is the number of entries a query returns when
	// LogQuery.Limit is zero.
	DefaultPageSize = 50
	// MaxPageSize is the most entries a query returns.
	MaxPageSize = 1000
	// DefaultPruneBatch is how many rows one delete statement removes when
	// SQLStoreOptions.PruneBatch is zero.
	DefaultPruneBatch = 1000
	// DefaultPruneInterval is how often the background pruner runs when
	// StartPruner is given no interval.
	DefaultPruneInterval = time.Hour
)

// Dialect names the SQL dialect an SQLStore speaks.
type Dialect string

// The dialects an SQLStore supports.
const (
	// DialectSQLite is SQLite 3, e.g. through modernc.org/sqlite (pure Go).
	DialectSQLite Dialect = "sqlite"
	// DialectPostgres is PostgreSQL 12 or newer, e.g. through
	// github.com/jackc/pgx/v5/stdlib.
	DialectPostgres Dialect = "postgres"
)

// SQLStoreOptions configures an SQLStore. The zero value is a valid
// configuration: the dialect detected from the driver, the table
// "sftppush_log", a 2-second write timeout, 30 days of retention and
// deletes of 1000 rows at a time.
type SQLStoreOptions struct {
	// Dialect is the database's SQL dialect. Empty means detect it from the
	// driver's package: modernc.org/sqlite, github.com/mattn/go-sqlite3 and
	// other packages whose path holds "sqlite" are SQLite; pgx and lib/pq
	// are PostgreSQL. Set it for any other driver.
	Dialect Dialect

	// Table is the name of the log table. Its schema-version table is the
	// same name with "_schema" appended, and its indexes start with it too.
	// It must be 1 to 40 lower-case ASCII letters, digits and underscores,
	// not starting with a digit. Empty means DefaultLogTable. On PostgreSQL
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

// SQLStore is a Sink that keeps log entries in an SQL database (SQLite or
// PostgreSQL, through database/sql) and answers queries over them: by
// account, recording ID, status and time range, newest first, a page at a
// time. It deletes entries older than the retention, on demand (Prune) or in
// the background (StartPruner).
//
// Every field of LogEntry is stored; Files is kept whole, as a JSON array.
// Text is stored as valid UTF-8 without NUL bytes (PostgreSQL accepts no
// other): invalid bytes and NULs become U+FFFD.
//
// An SQLStore is safe for concurrent use. It does not own the *sql.DB: close
// the DB after the last use of the store and after stopping its pruners.
type SQLStore struct {
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

// Query texts use "?" placeholders; PostgreSQL's are rewritten to $n.
const logColumns = `time_ns, recording_id, account, host, username, folder, protocol, port, files,
	status, reason, error, duration_ns, bytes_sent, attempt,
	remote_addr, server_version, host_key_fingerprint, connect_duration_ns, upload_duration_ns`

var tableNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,39}$`)

// NewSQLStore returns a store that keeps log entries in db, after creating or
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
func NewSQLStore(ctx context.Context, db *sql.DB, opts SQLStoreOptions) (*SQLStore, error) {
	if db == nil {
		return nil, errors.New("sftppush: NewSQLStore with nil *sql.DB")
	}
	s := &SQLStore{
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
		s.table = DefaultLogTable
	}
	if !tableNameRE.MatchString(s.table) {
		return nil, fmt.Errorf("sftppush: invalid log table name %q: use 1 to 40 lower-case letters, digits and underscores, not starting with a digit", truncate(s.table, 60))
	}
	if s.dialect == "" {
		d, err := detectDialect(db)
		if err != nil {
			return nil, err
		}
		s.dialect = d
	}
	if s.dialect != DialectSQLite && s.dialect != DialectPostgres {
		return nil, fmt.Errorf("sftppush: unknown SQL dialect %q (want %q or %q)", s.dialect, DialectSQLite, DialectPostgres)
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
	s.insertSQL = s.rebind(`INSERT INTO ` + s.table + ` (` + logColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("sftppush: migrating log table %s: %w", s.table, err)
	}
	return s, nil
}

// detectDialect tells the dialect from the package path of db's driver.
func detectDialect(db *sql.DB) (Dialect, error) {
	t := reflect.TypeOf(db.Driver())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pkg := t.PkgPath()
	switch {
	case strings.Contains(pkg, "sqlite"):
		return DialectSQLite, nil
	case strings.Contains(pkg, "pgx"), strings.HasSuffix(pkg, "lib/pq"), strings.Contains(pkg, "postgres"):
		return DialectPostgres, nil
	}
	return "", fmt.Errorf("sftppush: cannot tell the SQL dialect of driver %s.%s: set SQLStoreOptions.Dialect", pkg, t.Name())
}

// Dialect returns the store's SQL dialect.
func (s *SQLStore) Dialect() Dialect { return s.dialect }

// Table returns the name of the store's log table.
func (s *SQLStore) Table() string { return s.table }

// Retention returns how long the background pruner keeps entries.
func (s *SQLStore) Retention() time.Duration { return s.retention }

// rebind turns "?" placeholders into PostgreSQL's $1, $2... Queries here hold
// no "?" inside literals.
func (s *SQLStore) rebind(q string) string {
	if s.dialect != DialectPostgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrations[i] brings the schema from version i to i+1.
var migrations = []func(d Dialect, t string) []string{
	func(d Dialect, t string) []string {
		id := "id INTEGER PRIMARY KEY" // SQLite: an alias of the rowid
		if d == DialectPostgres {
			id = "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
		}
		// Times and durations are integers (nanoseconds since the Unix epoch,
		// UTC), the same in both dialects and exact; text columns hold ""
		// rather than NULL for an empty field.
		return []string{
			`CREATE TABLE ` + t + ` (
				` + id + `,
				time_ns BIGINT NOT NULL,
				recording_id TEXT NOT NULL,
				account TEXT NOT NULL DEFAULT '',
				host TEXT NOT NULL,
				username TEXT NOT NULL,
				folder TEXT NOT NULL,
				protocol TEXT NOT NULL,
				port INTEGER NOT NULL,
				files TEXT NOT NULL,
				status TEXT NOT NULL,
				reason TEXT NOT NULL,
				error TEXT NOT NULL,
				duration_ns BIGINT NOT NULL,
				bytes_sent BIGINT NOT NULL,
				attempt INTEGER NOT NULL DEFAULT 0,
				remote_addr TEXT NOT NULL DEFAULT '',
				server_version TEXT NOT NULL DEFAULT '',
				host_key_fingerprint TEXT NOT NULL DEFAULT '',
				connect_duration_ns BIGINT NOT NULL DEFAULT 0,
				upload_duration_ns BIGINT NOT NULL DEFAULT 0
			)`,
			// Every query pages on (time_ns, id) newest first, after at most
			// one equality filter: each filter has its index.
			`CREATE INDEX ` + t + `_time_idx ON ` + t + ` (time_ns, id)`,
			`CREATE INDEX ` + t + `_account_idx ON ` + t + ` (account, time_ns, id)`,
			`CREATE INDEX ` + t + `_recording_idx ON ` + t + ` (recording_id, time_ns, id)`,
			`CREATE INDEX ` + t + `_status_idx ON ` + t + ` (status, time_ns, id)`,
		}
	},
}

// migrate brings the table to the latest schema, in one transaction that
// other processes migrating the same table wait for. On SQLite a busy
// database anywhere in it (opening a connection may already need a lock,
// e.g. to switch to WAL) rolls back and starts over.
func (s *SQLStore) migrate(ctx context.Context) error {
	return s.retryBusy(ctx, func() error { return s.migrateOnce(ctx) })
}

func (s *SQLStore) migrateOnce(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()

	var begin, lock string
	switch s.dialect {
	case DialectSQLite:
		// IMMEDIATE takes the write lock at once: two processes cannot both
		// read version 0 and then both create the table.
		begin = "BEGIN IMMEDIATE"
	case DialectPostgres:
		// CREATE TABLE IF NOT EXISTS is not safe against a concurrent
		// creator in PostgreSQL (a unique violation in pg_type); a
		// transaction-scoped advisory lock on the table's name is.
		begin = "BEGIN"
		h := fnv.New64a()
		h.Write([]byte("sftppush log table " + s.table))
		lock = "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(int64(h.Sum64()), 10) + ")"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			// A fresh context: ctx may be what failed.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			conn.ExecContext(rctx, "ROLLBACK")
			cancel()
		}
	}()
	if lock != "" {
		if _, err := conn.ExecContext(ctx, lock); err != nil {
			return err
		}
	}
	vt := s.table + "_schema"
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+vt+` (version INTEGER PRIMARY KEY, applied_ns BIGINT NOT NULL)`); err != nil {
		return err
	}
	var v int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM `+vt).Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this version of sftppush knows (%d): upgrade sftppush", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		for _, stmt := range migrations[v](s.dialect, s.table) {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("to version %d: %w", v+1, err)
			}
		}
		if _, err := conn.ExecContext(ctx, s.rebind(`INSERT INTO `+vt+` (version, applied_ns) VALUES (?, ?)`), v+1, time.Now().UnixNano()); err != nil {
			return err
		}
	}
	if err := s.retryBusy(ctx, func() error { _, err := conn.ExecContext(ctx, "COMMIT"); return err }); err != nil {
		return err
	}
	committed = true
	return nil
}

// Log stores e. It gives up after the write timeout (SQLStoreOptions), so a
// push waits for a slow or locked database at most that long; the error then
// goes to Result.LogErr. A zero e.Time is stored as the time of the write.
func (s *SQLStore) Log(ctx context.Context, e LogEntry) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	args, err := s.insertArgs(e)
	if err != nil {
		return fmt.Errorf("sftppush: sql store: log %s: %w", truncate(e.RecordingID, 40), err)
	}
	err = s.write(ctx, func() error {
		_, err := s.db.ExecContext(ctx, s.insertSQL, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("sftppush: sql store: log %s: %w", truncate(e.RecordingID, 40), err)
	}
	return nil
}

// insertArgs returns the values of the insert statement's columns.
func (s *SQLStore) insertArgs(e LogEntry) ([]any, error) {
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	ns, err := timeToNS(t)
	if err != nil {
		return nil, err
	}
	files := make([]string, len(e.Files))
	for i, f := range e.Files {
		files[i] = cleanText(f)
	}
	fj, err := json.Marshal(files)
	if err != nil {
		return nil, err
	}
	return []any{
		ns, cleanText(e.RecordingID), cleanText(e.Account),
		cleanText(e.Host), cleanText(e.Username), cleanText(e.Folder), "SFTP", int64(e.Port),
		string(fj), cleanText(string(e.Status)), cleanText(string(e.Reason)), cleanText(e.Error),
		int64(e.Duration), e.BytesSent, int64(e.Attempt),
		cleanText(e.RemoteAddr), cleanText(e.ServerVersion), cleanText(e.HostKeyFingerprint),
		int64(e.ConnectDuration), int64(e.UploadDuration),
	}, nil
}

// Nanoseconds since the epoch fit an int64 between these years.
var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

func timeToNS(t time.Time) (int64, error) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("time %s out of the storable range (years 1678 to 2262)", t.UTC().Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// cleanText makes s storable in both dialects: valid UTF-8 without NUL.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return s
}

// write runs one write statement: on SQLite, under the store's write lock
// and retried while the database is busy, until ctx ends.
func (s *SQLStore) write(ctx context.Context, f func() error) error {
	if s.dialect == DialectSQLite {
		select {
		case s.writeLock <- struct{}{}:
			defer func() { <-s.writeLock }()
		case <-ctx.Done():
			return fmt.Errorf("waiting for the write lock: %w", ctx.Err())
		}
	}
	return s.retryBusy(ctx, f)
}

// retryBusy calls f until it succeeds, fails other than with SQLite's "busy"
// or "locked", or ctx ends. Another connection or process writing to the
// same SQLite file makes statements fail at once with SQLITE_BUSY unless the
// connection has a busy timeout, which the store cannot set on the caller's
// pool.
func (s *SQLStore) retryBusy(ctx context.Context, f func() error) error {
	delay := time.Millisecond
	for {
		err := f()
		if err == nil || s.dialect != DialectSQLite || !isSQLiteBusy(err) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (database busy: %v)", ctx.Err(), err)
		case <-t.C:
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// isSQLiteBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (with any
// extended code). It asks the error for its code (modernc.org/sqlite's
// errors have a Code method) and otherwise matches SQLite's own messages.
func isSQLiteBusy(err error) bool {
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		switch coder.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "database table is locked") ||
		strings.Contains(msg, "SQLITE_BUSY")
}

// LogQuery selects log entries. Empty fields select everything; the entries
// are newest first, by Time and then by insertion order.
type LogQuery struct {
	// Account, if set, selects one tenant's entries. A service showing logs
	// to a customer must set it.
	Account string
	// RecordingID, if set, selects one recording's entries.
	RecordingID string
	// Status, if set, selects entries with that status.
	Status Status
	// Since and Until, if not zero, select entries whose Time is in
	// [Since, Until).
	Since, Until time.Time
	// Limit is the page size: zero means DefaultPageSize; at most
	// MaxPageSize.
	Limit int
	// Cursor, if set, continues after the page that returned it as
	// LogPage.Next. Pages stay stable while entries are added: an entry
	// never shows twice nor is skipped, and entries newer than the first
	// page appear only when paging starts over.
	Cursor string
}

// LogPage is one page of a query's entries.
type LogPage struct {
	// Entries are newest first.
	Entries []LogEntry
	// Next is the LogQuery.Cursor of the next page; empty on the last page.
	Next string
}

// ErrBadCursor is returned (wrapped) by Query for a cursor it did not make.
var ErrBadCursor = errors.New("sftppush: bad log cursor")

// A cursor is the (time_ns, id) of the last entry of a page.
func makeCursor(ns, id int64) string {
	return strconv.FormatInt(ns, 10) + "." + strconv.FormatInt(id, 10)
}

func parseCursor(c string) (ns, id int64, err error) {
	a, b, ok := strings.Cut(c, ".")
	if ok {
		ns, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			id, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil || id <= 0 {
		return 0, 0, fmt.Errorf("%w %q", ErrBadCursor, truncate(c, 40))
	}
	return ns, id, nil
}

// Query returns one page of the entries q selects, newest first.
func (s *SQLStore) Query(ctx context.Context, q LogQuery) (*LogPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.Account != "" {
		add("account = ?", cleanText(q.Account))
	}
	if q.RecordingID != "" {
		add("recording_id = ?", cleanText(q.RecordingID))
	}
	if q.Status != "" {
		add("status = ?", cleanText(string(q.Status)))
	}
	for _, b := range []struct {
		t  time.Time
		op string
	}{{q.Since, ">="}, {q.Until, "<"}} {
		if b.t.IsZero() {
			continue
		}
		ns, err := timeToNS(b.t)
		if err != nil {
			return nil, fmt.Errorf("sftppush: sql store: query: %w", err)
		}
		add("time_ns "+b.op+" ?", ns)
	}
	if q.Cursor != "" {
		ns, id, err := parseCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		add("(time_ns < ? OR (time_ns = ? AND id < ?))", ns, ns, id)
	}
	query := `SELECT id, ` + logColumns + ` FROM ` + s.table
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	// One more than the page, to know whether there is a next page.
	query += ` ORDER BY time_ns DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	query = s.rebind(query)

	var page *LogPage
	err := s.retryBusy(ctx, func() error {
		var err error
		page, err = s.queryPage(ctx, query, args, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sftppush: sql store: query: %w", err)
	}
	return page, nil
}

func (s *SQLStore) queryPage(ctx context.Context, query string, args []any, limit int) (*LogPage, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &LogPage{}
	var lastNS, lastID int64
	for rows.Next() {
		if len(page.Entries) == limit {
			page.Next = makeCursor(lastNS, lastID)
			break
		}
		var (
			e                                    LogEntry
			id, ns, port, dur, attempt, cdur, ud int64
			files, status, reason, protocol      string
		)
		err := rows.Scan(&id, &ns, &e.RecordingID, &e.Account, &e.Host, &e.Username, &e.Folder, &protocol, &port,
			&files, &status, &reason, &e.Error, &dur, &e.BytesSent, &attempt,
			&e.RemoteAddr, &e.ServerVersion, &e.HostKeyFingerprint, &cdur, &ud)
		if err != nil {
			return nil, err
		}
		e.Time = time.Unix(0, ns).UTC()
		e.Port, e.Attempt = int(port), int(attempt)
		e.Status, e.Reason = Status(status), Reason(reason)
		e.Duration, e.ConnectDuration, e.UploadDuration = time.Duration(dur), time.Duration(cdur), time.Duration(ud)
		if err := json.Unmarshal([]byte(files), &e.Files); err != nil {
			return nil, fmt.Errorf("entry %d: files: %w", id, err)
		}
		if len(e.Files) == 0 {
			e.Files = nil
		}
		page.Entries = append(page.Entries, e)
		lastNS, lastID = ns, id
	}
	return page, rows.Err()
}

// Prune deletes the entries whose Time is before the given time, in batches
// of SQLStoreOptions.PruneBatch rows, each its own statement, so that no
// lock is held for long and Log calls go on meanwhile. It returns how many
// entries it deleted, also when ctx ends it early.
func (s *SQLStore) Prune(ctx context.Context, before time.Time) (int64, error) {
	ns, err := timeToNS(before)
	if err != nil {
		return 0, fmt.Errorf("sftppush: sql store: prune: %w", err)
	}
	n, err := s.deleteBatches(ctx, "time_ns < ?", ns)
	if err != nil {
		return n, fmt.Errorf("sftppush: sql store: prune: %w", err)
	}
	return n, nil
}

// DeleteAccount deletes every entry of the account, in batches as Prune
// does, and returns how many it deleted. It refuses the empty account,
// which would be every entry logged without one.
func (s *SQLStore) DeleteAccount(ctx context.Context, account string) (int64, error) {
	if account == "" {
		return 0, errors.New("sftppush: sql store: DeleteAccount with an empty account")
	}
	n, err := s.deleteBatches(ctx, "account = ?", cleanText(account))
	if err != nil {
		return n, fmt.Errorf("sftppush: sql store: delete account: %w", err)
	}
	return n, nil
}

// deleteBatches deletes the rows matching cond, batch rows per statement,
// until a statement deletes fewer.
func (s *SQLStore) deleteBatches(ctx context.Context, cond string, arg any) (int64, error) {
	// Selecting ids first through the filter's index keeps each statement
	// short; LIMIT in DELETE itself is not standard SQL.
	stmt := s.rebind(`DELETE FROM ` + s.table + ` WHERE id IN (SELECT id FROM ` + s.table + ` WHERE ` + cond + ` LIMIT ?)`)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int64
		err := s.write(ctx, func() error {
			r, err := s.db.ExecContext(ctx, stmt, arg, s.batch)
			if err != nil {
				return err
			}
			n, err = r.RowsAffected()
			return err
		})
		total += n
		if err != nil {
			return total, err
		}
		if n < int64(s.batch) {
			return total, nil
		}
	}
}

// StartPruner starts a goroutine that deletes the entries older than the
// store's retention now and then every interval (DefaultPruneInterval when
// interval is not positive), and returns the function that stops it. Stop
// cancels a prune in progress, waits for the goroutine to end, and may be
// called more than once. Errors go to SQLStoreOptions.OnPruneError.
func (s *SQLStore) StartPruner(interval time.Duration) (stop func()) {
	if interval <= 0 {
		interval = DefaultPruneInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if _, err := s.Prune(ctx, time.Now().Add(-s.retention)); err != nil && ctx.Err() == nil {
				s.pruneError(err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

func (s *SQLStore) pruneError(err error) {
	if s.onErr != nil {
		s.onErr(err)
		return
	}
	slog.Default().Warn("sftppush: pruning old log entries failed", "table", s.table, "error", err)
}
