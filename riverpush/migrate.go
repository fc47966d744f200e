package riverpush

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrationLock is the advisory lock key that serializes River's
// migrations between processes; rivermigrate takes none itself.
const migrationLock = 0x73667470_72697672 // "sftp" "rivr"

// MigratePostgres brings River's tables in pool's database up to date. It
// is safe to call from many processes at once: one migrates, holding an
// advisory lock on a connection of its own, and the others wait for the
// lock and then find nothing to do. (River's migrations cannot share one
// transaction: a later one uses an enum value an earlier one adds.)
func MigratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("riverpush: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("riverpush: migrating: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLock)); err != nil {
		return fmt.Errorf("riverpush: migrating: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLock))
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverpush: migrating: %w", err)
	}
	return nil
}

// MigrateSQLite brings River's tables in db up to date. db should come from
// OpenSQLite, whose transactions take SQLite's write lock at once, so that
// processes migrating one file at once run one after another.
func MigrateSQLite(ctx context.Context, db *sql.DB) error {
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return fmt.Errorf("riverpush: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("riverpush: migrating: %w", err)
	}
	defer tx.Rollback()
	// One transaction, unlike PostgreSQL's: River's SQLite migrations
	// share one fine, and it is what makes a second process wait (the
	// transaction takes the write lock at once) and then find nothing to
	// do.
	//lint:ignore SA1019 see above; Migrate would let two processes race
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverpush: migrating: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("riverpush: migrating: %w", err)
	}
	return nil
}
