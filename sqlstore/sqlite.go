package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// write runs one write statement: on SQLite, under the store's write lock
// and retried while the database is busy, until ctx ends.
func (s *Store) write(ctx context.Context, f func() error) error {
	if s.dialect == DialectSQLite {
		select {
		case s.writeLock <- struct{}{}:
			defer func() { <-s.writeLock }()
		case <-ctx.Done():
			return fmt.Errorf("waiting for the write lock: %w", ctx.Err())
		}
	}
	return s.retryBusy(ctx, f)
}

// retryBusy calls f until it succeeds, fails other than with SQLite's "busy"
// or "locked", or ctx ends. Another connection or process writing to the
// same SQLite file makes statements fail at once with SQLITE_BUSY unless the
// connection has a busy timeout, which the store cannot set on the caller's
// pool.
func (s *Store) retryBusy(ctx context.Context, f func() error) error {
	delay := time.Millisecond
	for {
		err := f()
		if err == nil || s.dialect != DialectSQLite || !isSQLiteBusy(err) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (database busy: %v)", ctx.Err(), err)
		case <-t.C:
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// isSQLiteBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (with any
// extended code). It asks the error for its code (modernc.org/sqlite's
// errors have a Code method) and otherwise matches SQLite's own messages.
func isSQLiteBusy(err error) bool {
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		switch coder.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "database table is locked") ||
		strings.Contains(msg, "SQLITE_BUSY")
}
