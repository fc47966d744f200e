package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// DefaultPruneInterval is how often the background pruner runs when
// StartPruner is given no interval.
const DefaultPruneInterval = time.Hour

// Prune deletes the entries whose Time is before the given time, in batches
// of Options.PruneBatch rows, each its own statement, so that no lock is
// held for long and Log calls go on meanwhile. It returns how many entries
// it deleted, also when ctx ends it early.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	ns, err := timeToNS(before)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: prune: %w", err)
	}
	n, err := s.deleteBatches(ctx, "time_ns < ?", ns)
	if err != nil {
		return n, fmt.Errorf("sqlstore: prune: %w", err)
	}
	return n, nil
}

// DeleteAccount deletes every entry of the account, in batches as Prune
// does, and returns how many it deleted. It refuses the empty account,
// which would be every entry logged without one.
func (s *Store) DeleteAccount(ctx context.Context, account string) (int64, error) {
	if account == "" {
		return 0, errors.New("sqlstore: DeleteAccount with an empty account")
	}
	n, err := s.deleteBatches(ctx, "account = ?", cleanText(account))
	if err != nil {
		return n, fmt.Errorf("sqlstore: delete account: %w", err)
	}
	return n, nil
}

// deleteBatches deletes the rows matching cond, batch rows per statement,
// until a statement deletes fewer.
func (s *Store) deleteBatches(ctx context.Context, cond string, arg any) (int64, error) {
	// Selecting ids first through the filter's index keeps each statement
	// short; LIMIT in DELETE itself is not standard SQL.
	stmt := s.rebind(`DELETE FROM ` + s.table + ` WHERE id IN (SELECT id FROM ` + s.table + ` WHERE ` + cond + ` LIMIT ?)`)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int64
		err := s.write(ctx, func() error {
			r, err := s.db.ExecContext(ctx, stmt, arg, s.batch)
			if err != nil {
				return err
			}
			n, err = r.RowsAffected()
			return err
		})
		total += n
		if err != nil {
			return total, err
		}
		if n < int64(s.batch) {
			return total, nil
		}
	}
}

// StartPruner starts a goroutine that deletes the entries older than the
// store's retention now and then every interval (DefaultPruneInterval when
// interval is not positive), and returns the function that stops it. Stop
// cancels a prune in progress, waits for the goroutine to end, and may be
// called more than once. Errors go to Options.OnPruneError.
func (s *Store) StartPruner(interval time.Duration) (stop func()) {
	if interval <= 0 {
		interval = DefaultPruneInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if _, err := s.Prune(ctx, time.Now().Add(-s.retention)); err != nil && ctx.Err() == nil {
				s.pruneError(err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

// pruneError reports an error of the background pruner.
func (s *Store) pruneError(err error) {
	if s.onErr != nil {
		s.onErr(err)
		return
	}
	slog.Default().Warn("sqlstore: pruning old log entries failed", "table", s.table, "error", err)
}
