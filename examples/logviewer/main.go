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
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sqlstore"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL, registered as "pgx"
	_ "modernc.org/sqlite"             // SQLite in pure Go, registered as "sqlite"
)

// defaultDB is where examples/quickstart writes its entries.
var defaultDB = filepath.Join(os.TempDir(), "sftppush-quickstart.sqlite")

// pageSize is the number of entries per page.
const pageSize = 25

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
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// filter is what the page's form asks for.
type filter struct {
	Status    string
	Recording string
	Date      string // YYYY-MM-DD, UTC
	Account   string
}

// row is one entry as the table shows it.
type row struct {
	RecordingID, Account, Time       string
	Host, Username, Folder, Protocol string
	Port                             int
	Files                            []string
	MoreFiles                        int
	Status, Reason, Error            string
	OK                               bool
}

type page struct {
	Statuses          []sftppush.Status
	Filter            filter
	Filtered          bool
	Problem           string
	Rows              []row
	Paged             bool
	FirstURL, NextURL string
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
	f := filter{
		Status:    r.FormValue("status"),
		Recording: strings.TrimSpace(r.FormValue("recording")),
		Date:      r.FormValue("date"),
		Account:   r.FormValue("account"),
	}
	p := page{Statuses: sftppush.Statuses(), Filter: f, Filtered: f != filter{}}
	code := http.StatusOK
	q := sqlstore.Query{Limit: pageSize, Account: f.Account, RecordingID: f.Recording, Cursor: r.FormValue("cursor")}
	if f.Status != "" {
		var st sftppush.Status
		if err := st.UnmarshalText([]byte(f.Status)); err != nil {
			p.Problem, code = "Unknown status: pick one from the list.", http.StatusBadRequest
		}
		q.Status = st
	}
	if f.Date != "" {
		day, err := time.Parse(time.DateOnly, f.Date)
		if err != nil {
			p.Problem, code = "The date must look like 2024-05-06.", http.StatusBadRequest
		}
		q.Since, q.Until = day, day.AddDate(0, 0, 1)
	}
	if p.Problem == "" {
		res, err := store.Query(r.Context(), q)
		switch {
		case errors.Is(err, sqlstore.ErrBadCursor):
			p.Problem, code = "This page link is broken: start again from the first page.", http.StatusBadRequest
		case err != nil:
			log.Printf("logviewer: %v", err)
			p.Problem, code = "The logs cannot be read right now.", http.StatusInternalServerError
		default:
			for _, e := range res.Entries {
				p.Rows = append(p.Rows, toRow(e))
			}
			p.Paged = q.Cursor != ""
			if res.Next != "" {
				p.NextURL = pageURL(f, res.Next)
			}
			p.FirstURL = pageURL(f, "")
		}
	}

	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// No script at all, whatever a stranger managed to put in a log entry.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(code)
	if err := pageTmpl.Execute(w, p); err != nil {
		log.Printf("logviewer: rendering: %v", err)
	}
}

// toRow formats e for the table; like the product it lists up to 4 files.
// shownFiles is how many file names a row shows, as the product's log
// table does; a push logs at most that many, but a store may hold entries
// written by others.
const shownFiles = 4

func toRow(e sftppush.LogEntry) row {
	rw := row{
		RecordingID: e.RecordingID, Account: e.Account,
		Time: e.Time.UTC().Format(time.DateTime),
		Host: e.Host, Username: e.Username, Folder: e.Folder, Protocol: "SFTP", Port: e.Port,
		Status: string(e.Status), OK: e.Status == sftppush.StatusOK, Error: e.Error,
	}
	if e.Reason != sftppush.ReasonNone {
		rw.Reason = e.Reason.String()
	}
	rw.Files = e.Files
	if n := len(e.Files); n > shownFiles {
		rw.Files, rw.MoreFiles = e.Files[:shownFiles], n-shownFiles
	}
	return rw
}

// pageURL is the link to the page of f's entries that starts at cursor.
func pageURL(f filter, cursor string) string {
	v := url.Values{}
	for _, kv := range [...][2]string{
		{"status", f.Status}, {"recording", f.Recording}, {"date", f.Date}, {"account", f.Account}, {"cursor", cursor},
	} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}
