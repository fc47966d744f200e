// Command logviewer serves the push log entries of an sqlstore.Store as a
// web page like the product's SFTP logs table: recording ID, date and time,
// SFTP details, files and status, newest first, with filters by status,
// recording ID and date, a page at a time. It listens on 127.0.0.1 only.
//
//	go run ./examples/logviewer                    # the quickstart's SQLite file
//	go run ./examples/logviewer -db logs.sqlite    # another SQLite file
//	go run ./examples/logviewer -postgres 'postgres://user@127.0.0.1:5432/db?sslmode=disable'
//
// The page is plain HTML rendered on the server with html/template: hosts,
// folders and error texts come from strangers and are escaped; the page has
// no script, and its Content-Security-Policy forbids any.
package main

import (
	"context"
	"database/sql"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sftppush/sftppush/examples/internal/logtable"
	"github.com/sftppush/sftppush/examples/internal/webserve"
	"github.com/sftppush/sftppush/sqlstore"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL, registered as "pgx"
	_ "modernc.org/sqlite"             // SQLite in pure Go, registered as "sqlite"
)

// defaultDB is where examples/quickstart writes its entries.
var defaultDB = filepath.Join(os.TempDir(), "sftppush-quickstart.sqlite")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "logviewer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("logviewer", flag.ContinueOnError)
	dbPath := fs.String("db", defaultDB, "SQLite file to read")
	pgDSN := fs.String("postgres", "", "PostgreSQL DSN to read instead of an SQLite file")
	table := fs.String("table", sqlstore.DefaultTable, "log table name")
	port := fs.Int("port", 0, "port on 127.0.0.1 (0: any free port)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var db *sql.DB
	var err error
	if *pgDSN != "" {
		db, err = sql.Open("pgx", *pgDSN)
	} else {
		// Opening a missing file would create an empty database.
		if _, err := os.Stat(*dbPath); err != nil {
			return fmt.Errorf("%w (run go run ./examples/quickstart first, or give -db)", err)
		}
		db, err = sql.Open("sqlite", "file:"+*dbPath+"?_pragma=busy_timeout(5000)")
	}
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := sqlstore.New(ctx, db, sqlstore.Options{Table: *table})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newHandler(store), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "SFTP logs at http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	return webserve.Serve(ctx, srv, ln)
}

//go:embed page.html
var pageHTML string

var pageTmpl = logtable.MustParse("page", pageHTML)

// page is what page.html shows.
type page struct {
	Table logtable.Table
}

// newHandler returns the viewer's HTTP handler, reading from store.
func newHandler(store *sqlstore.Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		serveLogs(w, r, store)
	})
	return mux
}

func serveLogs(w http.ResponseWriter, r *http.Request, store *sqlstore.Store) {
	table, code := logtable.Load(r.Context(), store, "/", logtable.FilterFrom(r), r.FormValue("cursor"))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// No script at all, whatever a stranger managed to put in a log entry.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(code)
	if err := pageTmpl.Execute(w, page{Table: table}); err != nil {
		log.Printf("logviewer: rendering: %v", err)
	}
}
