// Package sqlstore keeps sftppush's push log in an SQL database, SQLite or
// PostgreSQL through database/sql, and reads it back for a log page.
//
// A [Store] is an [sftppush.Sink]: give it to a Pusher as Config.Sink (or
// beside other sinks with [sftppush.MultiSink]) and every push attempt's
// [sftppush.LogEntry] lands in one table. [Store.Query] answers a log page's
// questions: by account, recording ID, status and time range, newest first,
// a page at a time, with cursors that stay stable while entries arrive.
// [Store.Prune] and [Store.StartPruner] delete the entries older than the
// retention (30 days unless [Options] say otherwise), and
// [Store.DeleteAccount] deletes one customer's entries.
//
// The caller opens the *sql.DB with the driver of its choice. For SQLite,
// e.g. modernc.org/sqlite (pure Go), open a file (every connection to
// ":memory:" gets a database of its own) with a busy timeout and WAL, so
// that a log page can be read while pushes write:
//
//	import _ "modernc.org/sqlite" // registers the driver "sqlite"
//
//	db, err := sql.Open("sqlite", "file:logs.sqlite?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
//	// ...
//	store, err := sqlstore.New(ctx, db, sqlstore.Options{}) // creates or migrates its table
//	// ...
//	stop := store.StartPruner(time.Hour) // deletes entries older than 30 days, every hour
//	defer stop()
//	p := sftppush.New(sftppush.Config{Sink: store})
//	res := p.Push(ctx, creds, group)
//	// ...
//	page, err := store.Query(ctx, sqlstore.Query{Account: "acme", Status: sftppush.StatusUploadFailed})
//	// page.Entries are newest first; page.Next is the Query.Cursor of the next page.
//
// For PostgreSQL 12 or newer, e.g. through pgx's database/sql driver:
//
//	import _ "github.com/jackc/pgx/v5/stdlib" // registers the driver "pgx"
//
//	db, err := sql.Open("pgx", "postgres://user@db.example.com:5432/app")
//	// ...
//	store, err := sqlstore.New(ctx, db, sqlstore.Options{})
//
// The dialect is told from the driver; [Options].Dialect names it for
// other drivers. A Store does not own the *sql.DB: stop its pruners, then
// close the DB.
package sqlstore
