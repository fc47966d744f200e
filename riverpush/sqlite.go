package riverpush

import (
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// OpenSQLite opens the SQLite file at path for a queue, as River needs it:
// one connection (River's own pool; give other users of the file, such as
// sqlstore, a *sql.DB of their own), WAL so that readers do not block the
// writer, a busy timeout so that another process's write makes this one
// wait instead of fail, and transactions that take the write lock at once.
func OpenSQLite(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)") // a machine that dies loses no job
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("riverpush: opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}
