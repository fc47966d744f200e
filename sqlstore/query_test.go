package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
)

// queryBase is the time of the oldest entry of logQueryFixture.
var queryBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// logQueryFixture logs 30 entries to s, an hour apart in pairs (the id
// breaks the tie), over 3 accounts, 7 recordings and every status, each
// with a host of its own, and returns them newest first: later time, then
// later insert.
func logQueryFixture(t *testing.T, s *Store) []sftppush.LogEntry {
	t.Helper()
	ctx := context.Background()
	base := queryBase
	statuses := sftppush.Statuses()
	var all []sftppush.LogEntry
	for i := range 30 {
		e := sftppush.LogEntry{
			RecordingID: "rec-" + strconv.Itoa(i%7),
			Account:     "acct-" + strconv.Itoa(i%3),
			// Pairs of entries share a time: the id breaks the tie.
			Time:   base.Add(time.Duration(i/2) * time.Hour),
			Status: statuses[i%len(statuses)],
			Host:   "h" + strconv.Itoa(i),
		}
		if err := s.Log(ctx, e); err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	newestFirst := slices.Clone(all)
	slices.Reverse(newestFirst)
	return newestFirst
}

// hosts returns the entries' hosts, which tell them apart.
func hosts(es []sftppush.LogEntry) []string {
	var hs []string
	for _, e := range es {
		hs = append(hs, e.Host)
	}
	return hs
}

// Each filter, alone and together, selects its entries newest first, in
// pages of any size.
func TestStoreQuery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, Options{})
		base := queryBase
		newestFirst := logQueryFixture(t, s)
		filter := func(keep func(e sftppush.LogEntry) bool) []string {
			var out []sftppush.LogEntry
			for _, e := range newestFirst {
				if keep(e) {
					out = append(out, e)
				}
			}
			return hosts(out)
		}
		cases := []struct {
			name string
			q    Query
			keep func(e sftppush.LogEntry) bool
		}{
			{"all", Query{}, func(sftppush.LogEntry) bool { return true }},
			{"account", Query{Account: "acct-1"}, func(e sftppush.LogEntry) bool { return e.Account == "acct-1" }},
			{"recording", Query{RecordingID: "rec-3"}, func(e sftppush.LogEntry) bool { return e.RecordingID == "rec-3" }},
			{"status", Query{Status: sftppush.StatusLoginFailed}, func(e sftppush.LogEntry) bool { return e.Status == sftppush.StatusLoginFailed }},
			{"time range", Query{Since: base.Add(3 * time.Hour), Until: base.Add(9 * time.Hour)}, func(e sftppush.LogEntry) bool {
				return !e.Time.Before(base.Add(3*time.Hour)) && e.Time.Before(base.Add(9*time.Hour))
			}},
			{"account and status", Query{Account: "acct-0", Status: sftppush.StatusOK}, func(e sftppush.LogEntry) bool { return e.Account == "acct-0" && e.Status == sftppush.StatusOK }},
			{"no match", Query{Account: "nobody"}, func(sftppush.LogEntry) bool { return false }},
		}
		for _, c := range cases {
			for _, limit := range []int{1, 4, 0} {
				c.q.Limit = limit
				if got, want := hosts(queryAll(t, s, c.q)), filter(c.keep); !slices.Equal(got, want) {
					t.Errorf("%s, pages of %d: got %v, want %v", c.name, limit, got, want)
				}
			}
		}

	})
}

// Cursors page through the entries while more arrive, the last page has
// none, and the store refuses the cursors it did not make.
func TestStoreQueryPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, Options{})
		ctx := context.Background()
		base := queryBase
		newestFirst := logQueryFixture(t, s)

		// Pages stay stable while entries arrive: new ones (newer, and at
		// the same time as the cursor) neither repeat nor hide old ones.
		// A broken cursor would page forever; the bound makes it fail.
		q := Query{Limit: 4}
		var got []sftppush.LogEntry
		for i := 0; ; i++ {
			if i > len(newestFirst) {
				t.Fatalf("still paging after %d pages of 4 for %d entries: the cursor does not advance", i, len(newestFirst))
			}
			p, err := s.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Entries) > 4 {
				t.Fatalf("page of %d entries, limit 4", len(p.Entries))
			}
			got = append(got, p.Entries...)
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
			last := p.Entries[len(p.Entries)-1]
			for _, e := range []sftppush.LogEntry{
				{RecordingID: "new", Time: base.Add(100 * time.Hour), Host: "newer"},
				{RecordingID: "new", Time: last.Time, Host: "same-time"},
			} {
				if err := s.Log(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, want := hosts(got), hosts(newestFirst); !slices.Equal(got, want) {
			t.Errorf("paging while inserting: got %v, want %v", got, want)
		}

		// The last page has no cursor, even when it is full.
		p, err := s.Query(ctx, Query{Account: "acct-0", Limit: 10})
		if err != nil || len(p.Entries) != 10 || p.Next != "" {
			t.Errorf("exactly one full page: %d entries, next %q, err %v", len(p.Entries), p.Next, err)
		}
		for _, c := range []string{"x", "1.", ".1", "1.0", "1.-5", "1.2.3", "99999999999999999999.1"} {
			if _, err := s.Query(ctx, Query{Cursor: c}); !errors.Is(err, ErrBadCursor) {
				t.Errorf("cursor %q: got %v, want ErrBadCursor", c, err)
			}
		}
		p, err = s.Query(ctx, Query{Limit: 5000})
		if err != nil || len(p.Entries) > MaxPageSize {
			t.Errorf("limit 5000: %d entries, %v", len(p.Entries), err)
		}
	})
}
