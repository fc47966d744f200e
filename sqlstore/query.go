package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sftppush/sftppush"
)

// DefaultPageSize is the number of entries a query returns when Query.Limit
// is zero.
const DefaultPageSize = 50

// MaxPageSize is the most entries a query returns.
const MaxPageSize = 1000

// Query selects log entries. Empty fields select everything; the entries
// are newest first, by Time and then by insertion order.
type Query struct {
	// Account, if set, selects one tenant's entries. A service showing logs
	// to a customer must set it.
	Account string
	// RecordingID, if set, selects one recording's entries.
	RecordingID string
	// Status, if set, selects entries with that status.
	Status sftppush.Status
	// Since and Until, if not zero, select entries whose Time is in
	// [Since, Until).
	Since, Until time.Time
	// Limit is the page size: zero means DefaultPageSize; at most
	// MaxPageSize.
	Limit int
	// Cursor, if set, continues after the page that returned it as
	// Page.Next. Pages stay stable while entries are added: an entry never
	// shows twice nor is skipped, and entries newer than the first page
	// appear only when paging starts over.
	Cursor string
}

// Page is one page of a query's entries.
type Page struct {
	// Entries are newest first.
	Entries []sftppush.LogEntry
	// Next is the Query.Cursor of the next page; empty on the last page.
	Next string
}

// Query returns one page of the entries q selects, newest first.
func (s *Store) Query(ctx context.Context, q Query) (*Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	query, args, err := s.selectSQL(q, limit)
	if err != nil {
		return nil, err
	}
	var page *Page
	err = s.retryBusy(ctx, func() error {
		var err error
		page, err = s.queryPage(ctx, query, args, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: query: %w", err)
	}
	return page, nil
}

// selectSQL returns the statement and arguments that select q's entries,
// one more than the page of limit entries, to know whether there is a next
// page.
func (s *Store) selectSQL(q Query, limit int) (string, []any, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.Account != "" {
		add("account = ?", cleanText(q.Account))
	}
	if q.RecordingID != "" {
		add("recording_id = ?", cleanText(q.RecordingID))
	}
	if q.Status != "" {
		add("status = ?", cleanText(string(q.Status)))
	}
	for _, b := range []struct {
		t  time.Time
		op string
	}{{q.Since, ">="}, {q.Until, "<"}} {
		if b.t.IsZero() {
			continue
		}
		ns, err := timeToNS(b.t)
		if err != nil {
			return "", nil, fmt.Errorf("sqlstore: query: %w", err)
		}
		add("time_ns "+b.op+" ?", ns)
	}
	if q.Cursor != "" {
		ns, id, err := parseCursor(q.Cursor)
		if err != nil {
			return "", nil, err
		}
		add("(time_ns < ? OR (time_ns = ? AND id < ?))", ns, ns, id)
	}
	query := `SELECT id, ` + logColumns + ` FROM ` + s.table
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY time_ns DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	return s.rebind(query), args, nil
}

// queryPage runs a statement of selectSQL and makes the page of its rows.
func (s *Store) queryPage(ctx context.Context, query string, args []any, limit int) (*Page, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &Page{}
	var lastNS, lastID int64
	for rows.Next() {
		if len(page.Entries) == limit {
			page.Next = makeCursor(lastNS, lastID)
			break
		}
		e, id, ns, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		page.Entries = append(page.Entries, e)
		lastNS, lastID = ns, id
	}
	return page, rows.Err()
}
