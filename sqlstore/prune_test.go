package sqlstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
)

// Pruning 100,000 entries deletes only old ones and lets inserts go on.
//
//	go test -run 'TestStorePrune$' -v ./sqlstore   # prints the figures
func TestStorePrune(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, Options{})
		ctx := context.Background()
		cutoff := time.Now().Add(-DefaultRetention)
		old := 100_000
		if raceEnabled && tdb.dialect == DialectSQLite {
			// 100,000 rows take a minute here; 10,000 are still ten
			// batches. .ci/run measures 100,000 without the race detector.
			old = 10_000
		}
		start := time.Now()
		bulkInsertOld(t, tdb, old, cutoff)
		t.Logf("%s: inserted %d old entries in %v", tdb.dialect, old, time.Since(start).Round(time.Millisecond))
		// Kept: the newest entries, and one exactly at the cutoff.
		for _, e := range []sftppush.LogEntry{
			{RecordingID: "at-cutoff", Time: cutoff, Status: sftppush.StatusOK},
			{RecordingID: "new", Time: time.Now(), Status: sftppush.StatusOK},
		} {
			if err := s.Log(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Log(ctx, sftppush.LogEntry{RecordingID: "just-before", Time: cutoff.Add(-time.Nanosecond), Status: sftppush.StatusOK}); err != nil {
			t.Fatal(err)
		}

		// Meanwhile pushes keep logging: measure how long each waits.
		stop := logMeanwhile(ctx, s)
		start = time.Now()
		n, err := s.Prune(ctx, cutoff)
		took := time.Since(start)
		inserts, maxLat, insErr := stop()
		if err != nil {
			t.Fatal(err)
		}
		if insErr != nil {
			t.Fatalf("insert during prune: %v", insErr)
		}
		t.Logf("%s: pruned %d entries in %v; %d inserts meanwhile, the slowest took %v",
			tdb.dialect, n, took.Round(time.Millisecond), inserts, maxLat.Round(time.Microsecond))
		if n != int64(old)+1 {
			t.Errorf("pruned %d, want %d", n, old+1)
		}
		if inserts == 0 {
			t.Error("no insert finished during the prune")
		}
		// A generous bound against machine noise: what it catches is a
		// prune that holds the table for its whole run.
		if maxLat > 5*time.Second {
			t.Errorf("an insert waited %v during the prune", maxLat)
		}
		if got, want := tdb.count(t), 2+inserts; got != want {
			t.Errorf("%d rows left, want %d", got, want)
		}
		for _, id := range []string{"at-cutoff", "new"} {
			if p, err := s.Query(ctx, Query{RecordingID: id}); err != nil || len(p.Entries) != 1 {
				t.Errorf("%s: %d entries after prune, err %v", id, len(p.Entries), err)
			}
		}
		if n, err := s.Prune(ctx, cutoff); n != 0 || err != nil {
			t.Errorf("second prune: %d, %v", n, err)
		}
	})
}

// logMeanwhile logs entries to s one after another, as pushes would, until
// the returned stop is called. Stop returns how many inserts finished, how
// long the slowest took, and the error that ended them early, if any.
func logMeanwhile(ctx context.Context, s *Store) (stop func() (inserts int, maxLat time.Duration, err error)) {
	done := make(chan struct{})
	var (
		wg      sync.WaitGroup
		inserts int
		maxLat  time.Duration
		insErr  error
	)
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			t0 := time.Now()
			if err := s.Log(ctx, sftppush.LogEntry{RecordingID: "during", Time: time.Now(), Status: sftppush.StatusOK}); err != nil {
				insErr = err
				return
			}
			maxLat = max(maxLat, time.Since(t0))
			inserts++
		}
	})
	return func() (int, time.Duration, error) {
		close(done)
		wg.Wait()
		return inserts, maxLat, insErr
	}
}

func TestStorePruneCanceled(t *testing.T) {
	tdb := newSQLiteDB(t)
	s := tdb.store(t, Options{PruneBatch: 10})
	bulkInsertOld(t, tdb, 100, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := s.Prune(ctx, time.Now()); n != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled prune: %d, %v", n, err)
	}
}

func TestStorePruner(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, Options{Retention: time.Hour, PruneBatch: 7})
		ctx := context.Background()
		bulkInsertOld(t, tdb, 20, time.Now().Add(-time.Hour))
		if err := s.Log(ctx, sftppush.LogEntry{RecordingID: "fresh", Time: time.Now(), Status: sftppush.StatusOK}); err != nil {
			t.Fatal(err)
		}
		stop := s.StartPruner(20 * time.Millisecond)
		defer stop()
		deadline := time.Now().Add(10 * time.Second)
		for tdb.count(t) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("pruner left %d rows, want 1", tdb.count(t))
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Old entries that arrive later go at the next run.
		bulkInsertOld(t, tdb, 5, time.Now().Add(-2*time.Hour))
		for tdb.count(t) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("pruner left %d rows on its next run, want 1", tdb.count(t))
			}
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		stop() // twice is fine
	})
}

func TestStorePrunerErrors(t *testing.T) {
	tdb := newSQLiteDB(t)
	errc := make(chan error, 10)
	s := tdb.store(t, Options{OnPruneError: func(err error) {
		select {
		case errc <- err:
		default:
		}
	}})
	tdb.db.Close()
	stop := s.StartPruner(time.Millisecond)
	defer stop()
	select {
	case err := <-errc:
		if !strings.Contains(err.Error(), "closed") {
			t.Errorf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no prune error reported")
	}
}

func TestStoreDeleteAccount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, Options{PruneBatch: 10})
		ctx := context.Background()
		now := time.Now()
		for i := range 35 {
			acct := "gone"
			if i%5 == 0 {
				acct = "kept"
			}
			if err := s.Log(ctx, sftppush.LogEntry{RecordingID: strconv.Itoa(i), Account: acct, Time: now, Status: sftppush.StatusOK}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Log(ctx, sftppush.LogEntry{RecordingID: "none", Time: now, Status: sftppush.StatusOK}); err != nil {
			t.Fatal(err)
		}
		n, err := s.DeleteAccount(ctx, "gone")
		if n != 28 || err != nil {
			t.Errorf("DeleteAccount: %d, %v; want 28 over several batches", n, err)
		}
		if got := len(queryAll(t, s, Query{Account: "kept"})); got != 7 {
			t.Errorf("%d entries of the other account left, want 7", got)
		}
		if _, err := s.DeleteAccount(ctx, ""); err == nil {
			t.Error("DeleteAccount(\"\") accepted")
		}
		if got := tdb.count(t); got != 8 {
			t.Errorf("%d rows left, want 8", got)
		}
	})
}
