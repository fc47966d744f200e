package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// schemaPrefix starts the name of every schema the benchmark creates.
const schemaPrefix = "riverbench_"

// newSchema creates a fresh schema for one run, so that the queue starts
// empty and nothing of another run or of the tests is seen. drop removes
// it with everything in it; it is bounded in time and works after ctx
// ended.
func newSchema(ctx context.Context, dsn string) (schema string, drop func() error, err error) {
	var b [4]byte
	rand.Read(b[:])
	schema = schemaPrefix + hex.EncodeToString(b[:])
	admin, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("creating schema %s: %w", schema, err)
	}
	drop = func() error {
		defer admin.Close()
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(dctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("dropping schema %s: %w", schema, err)
		}
		return nil
	}
	return schema, drop, nil
}

// poolFor is a pool whose connections work in schema (their search_path),
// where River's tables are made and used.
func poolFor(ctx context.Context, dsn, schema string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("the PostgreSQL DSN: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	return pool, nil
}

// clearJobs empties River's job table between trials, so that each starts
// on an empty table (and the recording IDs of one never meet another's).
func clearJobs(ctx context.Context, pool *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := pool.Exec(ctx, "TRUNCATE river_job"); err != nil {
		return fmt.Errorf("emptying the job table: %w", err)
	}
	return nil
}

// serverVersion is PostgreSQL's version, for the machine line.
func serverVersion(ctx context.Context, pool *pgxpool.Pool) string {
	var v string
	if err := pool.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "?"
	}
	return v
}
