package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"
)

// migrations[i] brings the schema from version i to i+1. The version is
// recorded in the table's "_schema" companion table.
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
	// The server's pre-login banner and the negotiated algorithms.
	func(d Dialect, t string) []string {
		return []string{
			`ALTER TABLE ` + t + ` ADD COLUMN banner TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE ` + t + ` ADD COLUMN algorithms TEXT NOT NULL DEFAULT ''`,
		}
	},
}

// migrate brings the table to the latest schema, in one transaction that
// other processes migrating the same table wait for. On SQLite a busy
// database anywhere in it (opening a connection may already need a lock,
// e.g. to switch to WAL) rolls back and starts over.
func (s *Store) migrate(ctx context.Context) error {
	return s.retryBusy(ctx, func() error { return s.migrateOnce(ctx) })
}

// migrateOnce runs one attempt of migrate on a connection of its own.
func (s *Store) migrateOnce(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()

	begin, lock := s.migrationLock()
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
	if err := s.applyMigrations(ctx, conn); err != nil {
		return err
	}
	if err := s.retryBusy(ctx, func() error { _, err := conn.ExecContext(ctx, "COMMIT"); return err }); err != nil {
		return err
	}
	committed = true
	return nil
}

// migrationLock returns the statement that begins the migration's
// transaction and, on PostgreSQL, the one that then takes its lock.
func (s *Store) migrationLock() (begin, lock string) {
	switch s.dialect {
	case DialectSQLite:
		// IMMEDIATE takes the write lock at once: two processes cannot both
		// read version 0 and then both create the table.
		return "BEGIN IMMEDIATE", ""
	case DialectPostgres:
		// CREATE TABLE IF NOT EXISTS is not safe against a concurrent
		// creator in PostgreSQL (a unique violation in pg_type); a
		// transaction-scoped advisory lock on the table's name is. The key
		// must stay the same across versions of the package, so that an old
		// and a new process migrating one table exclude each other.
		h := fnv.New64a()
		h.Write([]byte("sftppush log table " + s.table))
		return "BEGIN", "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(int64(h.Sum64()), 10) + ")"
	}
	return "BEGIN", ""
}

// applyMigrations reads the schema version inside the migration's
// transaction and runs the migrations after it.
func (s *Store) applyMigrations(ctx context.Context, conn *sql.Conn) error {
	vt := s.table + "_schema"
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+vt+` (version INTEGER PRIMARY KEY, applied_ns BIGINT NOT NULL)`); err != nil {
		return err
	}
	var v int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM `+vt).Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this version of sqlstore knows (%d): upgrade github.com/sftppush/sftppush", v, len(migrations))
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
	return nil
}
