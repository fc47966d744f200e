// Package logtable is the product's SFTP log table as the examples' pages
// show it (examples/logviewer, examples/dashboard): recording ID, date and
// time, SFTP details, up to 4 files, status and reason, newest first, with
// filters by status, recording ID and date, and paging, read through
// sqlstore.Store.Query.
//
// A page parses its own template with MustParse, which adds the "logtable"
// template (the filter form, the table, the page links) and the
// logtableCSS function (the table's styles); it fills a Table with Load
// and executes {{template "logtable" .Table}}.
package logtable

import (
	"context"
	_ "embed"
	"errors"
	"html/template"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sqlstore"
)

// PageSize is the number of entries a page of the table shows.
const PageSize = 25

// ShownFiles is how many file names a row shows, as the product's log
// table does; a push logs at most that many, but a store may hold entries
// written by others.
const ShownFiles = 4

//go:embed table.html
var tableHTML string

// CSS is the table's style sheet, for pages that serve their styles as a
// file; MustParse's logtableCSS gives it to pages that inline them.
//
//go:embed table.css
var CSS string

// MustParse returns the template name parsed from text, with the
// "logtable" template and the logtableCSS function defined for it. It
// panics if text does not parse, as template.Must does.
func MustParse(name, text string) *template.Template {
	t := template.New(name).Funcs(template.FuncMap{
		"logtableCSS": func() template.CSS { return template.CSS(CSS) },
	})
	template.Must(t.Parse(tableHTML))
	return template.Must(t.Parse(text))
}

// Filter is what the table's filter form asks for.
type Filter struct {
	Status    string
	Recording string // spaces trimmed
	Date      string // YYYY-MM-DD, UTC
	// Account scopes the table to one customer; the form keeps it in a
	// hidden field, and Clear keeps it.
	Account string
}

// FilterFrom reads a Filter from r's query (or form): status, recording,
// date and account.
func FilterFrom(r *http.Request) Filter {
	return Filter{
		Status:    r.FormValue("status"),
		Recording: strings.TrimSpace(r.FormValue("recording")),
		Date:      r.FormValue("date"),
		Account:   r.FormValue("account"),
	}
}

// Table is one page of a filtered log, as the "logtable" template shows it.
type Table struct {
	// Action is the path the filter form and the page links go to.
	Action   string
	Statuses []sftppush.Status
	Filter   Filter
	// Filtered is whether the reader chose a filter (the account is a
	// scope, not a filter).
	Filtered bool
	// Problem says what is wrong with the filter, or that the log cannot
	// be read.
	Problem string
	Rows    []Row
	// Paged is whether this is not the first page.
	Paged                       bool
	FirstURL, NextURL, ClearURL string
}

// Row is one entry as the table shows it.
type Row struct {
	RecordingID, Account, Time       string
	Host, Username, Folder, Protocol string
	Port                             int
	Files                            []string
	MoreFiles                        int
	Status, Reason, Error            string
	OK                               bool
}

// Load reads the page of f's entries that starts at cursor ("" for the
// first), for a page served at action (such as "/"). It returns the
// table and the HTTP status to answer with: 400 when the filter or the
// cursor is bad, 500 when the store fails (the error is logged, the page
// says only that the logs cannot be read), else 200.
func Load(ctx context.Context, store *sqlstore.Store, action string, f Filter, cursor string) (Table, int) {
	t := Table{
		Action: action, Statuses: sftppush.Statuses(), Filter: f,
		Filtered: f.Status != "" || f.Recording != "" || f.Date != "",
		ClearURL: pageURL(action, Filter{Account: f.Account}, ""),
	}
	q := sqlstore.Query{Limit: PageSize, Account: f.Account, RecordingID: f.Recording, Cursor: cursor}
	if f.Status != "" {
		var st sftppush.Status
		if err := st.UnmarshalText([]byte(f.Status)); err != nil {
			t.Problem = "Unknown status: pick one from the list."
			return t, http.StatusBadRequest
		}
		q.Status = st
	}
	if f.Date != "" {
		day, err := time.Parse(time.DateOnly, f.Date)
		if err != nil {
			t.Problem = "The date must look like 2024-05-06."
			return t, http.StatusBadRequest
		}
		q.Since, q.Until = day, day.AddDate(0, 0, 1)
	}
	res, err := store.Query(ctx, q)
	switch {
	case errors.Is(err, sqlstore.ErrBadCursor):
		t.Problem = "This page link is broken: start again from the first page."
		return t, http.StatusBadRequest
	case err != nil:
		log.Printf("logtable: %v", err)
		t.Problem = "The logs cannot be read right now."
		return t, http.StatusInternalServerError
	}
	for _, e := range res.Entries {
		t.Rows = append(t.Rows, ToRow(e))
	}
	t.Paged = cursor != ""
	if res.Next != "" {
		t.NextURL = pageURL(action, f, res.Next)
	}
	t.FirstURL = pageURL(action, f, "")
	return t, http.StatusOK
}

// ToRow formats e for the table; like the product it lists up to
// ShownFiles files, and says how many more there are.
func ToRow(e sftppush.LogEntry) Row {
	rw := Row{
		RecordingID: e.RecordingID, Account: e.Account,
		Time: e.Time.UTC().Format(time.DateTime),
		Host: e.Host, Username: e.Username, Folder: e.Folder, Protocol: "SFTP", Port: e.Port,
		Status: string(e.Status), OK: e.Status == sftppush.StatusOK, Error: e.Error,
	}
	if e.Reason != sftppush.ReasonNone {
		rw.Reason = e.Reason.String()
	}
	rw.Files = e.Files
	if n := len(e.Files); n > ShownFiles {
		rw.Files, rw.MoreFiles = e.Files[:ShownFiles], n-ShownFiles
	}
	return rw
}

// pageURL is the link to the page of f's entries that starts at cursor.
func pageURL(action string, f Filter, cursor string) string {
	v := url.Values{}
	for _, kv := range [...][2]string{
		{"status", f.Status}, {"recording", f.Recording}, {"date", f.Date}, {"account", f.Account}, {"cursor", cursor},
	} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if len(v) == 0 {
		return action
	}
	return action + "?" + v.Encode()
}
