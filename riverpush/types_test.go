package riverpush

import (
	"database/sql"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5"
)

type (
	sqlTx = sql.Tx
	pgxTx = pgx.Tx
)

// quietLogger drops River's own log lines; the tests say what matters.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
