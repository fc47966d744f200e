package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush/riverpush"
)

// pgQueue and sqliteQueue give the demo one view of both kinds of queue.
type (
	pgQueue     struct{ *riverpush.Queue[pgx.Tx] }
	sqliteQueue struct{ *riverpush.Queue[*sql.Tx] }
)

func (q pgQueue) job(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return q.Client().JobGet(ctx, id)
}

func (q sqliteQueue) job(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return q.Client().JobGet(ctx, id)
}

// quietLogger drops River's own log lines: the demo prints the attempts.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
