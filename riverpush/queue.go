package riverpush

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// Queue is a durable push queue: a River client with the push worker,
// and the limit of connections per destination. TTx is the transaction
// type of its database: pgx.Tx for PostgreSQL, *sql.Tx for SQLite.
//
// Run its migrations first (MigratePostgres, MigrateSQLite). A Queue is
// safe for concurrent use; every process of a service may run one on the
// same database.
type Queue[TTx any] struct {
	client *river.Client[TTx]
	s      *settings
	limit  limiter
}

// NewPostgres returns a queue in the PostgreSQL database of pool. The limit
// per destination holds across every process on that database: each
// process takes one connection of pool for its advisory locks.
func NewPostgres(pool *pgxpool.Pool, cfg Config) (*Queue[pgx.Tx], error) {
	return newQueue(riverpgxv5.New(pool), newPGLimiter(pool), cfg)
}

// NewSQLite returns a queue in the SQLite database db, which should come
// from OpenSQLite. The limit per destination holds within this process
// only: run one worker process per SQLite file.
func NewSQLite(db *sql.DB, cfg Config) (*Queue[*sql.Tx], error) {
	return newQueue(riversqlite.New(db), newLocalLimiter(), cfg)
}

func newQueue[TTx any](driver riverdriver.Driver[TTx], l limiter, cfg Config) (*Queue[TTx], error) {
	s, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(driver, s.riverConfig(newWorker(s, l)))
	if err != nil {
		l.close()
		return nil, fmt.Errorf("riverpush: %w", err)
	}
	return &Queue[TTx]{client: c, s: s, limit: l}, nil
}

// Client returns the River client, for what the queue does not wrap
// (listing jobs, subscriptions, River's UI).
func (q *Queue[TTx]) Client() *river.Client[TTx] { return q.client }

// Start starts working jobs in the background. A queue that only inserts
// (a web process) need not start.
func (q *Queue[TTx]) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop ends the work: running pushes are cancelled, their connections
// closed, and their jobs go back to the queue as they were, the attempt not
// used. It waits for them until ctx ends. Call it on SIGTERM.
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	err := q.client.StopAndCancel(ctx)
	q.limit.close()
	return err
}

// Insert adds a push job. A job of the same destination and recording (and
// PushID) still waiting or running makes it a duplicate: nothing is added,
// and the result says so (UniqueSkippedAsDuplicate).
func (q *Queue[TTx]) Insert(ctx context.Context, a Args) (*rivertype.JobInsertResult, error) {
	if err := a.validate(); err != nil {
		return nil, err
	}
	return q.client.Insert(ctx, a, q.s.insertOpts(a))
}

// InsertTx is Insert within the caller's transaction, so that a recording
// marked processed and its push job commit together.
func (q *Queue[TTx]) InsertTx(ctx context.Context, tx TTx, a Args) (*rivertype.JobInsertResult, error) {
	if err := a.validate(); err != nil {
		return nil, err
	}
	return q.client.InsertTx(ctx, tx, a, q.s.insertOpts(a))
}

// RetryDestination puts the destination's stopped jobs (those that ended
// for a failure the customer must fix, or with their schedule used up)
// back in the queue at once, each with a fresh schedule: call it when the
// customer saved the form again, or a Check passed. It returns how many
// jobs it put back.
func (q *Queue[TTx]) RetryDestination(ctx context.Context, destinationID string) (int, error) {
	jobs, err := q.destinationJobs(ctx, destinationID, rivertype.JobStateCancelled, rivertype.JobStateDiscarded)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jobs {
		st := readState(j.Metadata)
		if st.Stopped == "" && j.State != rivertype.JobStateDiscarded {
			continue // cancelled for another reason: gone, or by hand
		}
		var a Args
		if err := decodeArgs(j, &a); err != nil {
			return n, err
		}
		// A fresh job: its own count of attempts, from one. It is
		// added before the old one goes, so that a failure between the
		// two loses nothing; a second call finds the new one waiting and
		// adds no other.
		res, err := q.Insert(ctx, a)
		if err != nil {
			return n, fmt.Errorf("riverpush: retrying job %d: %w", j.ID, err)
		}
		if _, err := q.client.JobDelete(ctx, j.ID); err != nil && !errors.Is(err, river.ErrNotFound) {
			return n, fmt.Errorf("riverpush: retrying job %d: %w", j.ID, err)
		}
		if !res.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// CancelDestination deletes the destination's jobs that are waiting or
// scheduled, and cancels those running: call it when the customer removed
// the credentials. It returns how many jobs it deleted or cancelled.
func (q *Queue[TTx]) CancelDestination(ctx context.Context, destinationID string) (int, error) {
	jobs, err := q.destinationJobs(ctx, destinationID, rivertype.JobStateAvailable, rivertype.JobStateScheduled,
		rivertype.JobStateRetryable, rivertype.JobStatePending, rivertype.JobStateRunning)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jobs {
		var err error
		if j.State == rivertype.JobStateRunning {
			_, err = q.client.JobCancel(ctx, j.ID)
		} else {
			_, err = q.client.JobDelete(ctx, j.ID)
		}
		if err != nil && !errors.Is(err, river.ErrNotFound) {
			return n, fmt.Errorf("riverpush: cancelling job %d: %w", j.ID, err)
		}
		n++
	}
	return n, nil
}

// destinationJobs lists the destination's push jobs in the given states.
func (q *Queue[TTx]) destinationJobs(ctx context.Context, dest string, states ...rivertype.JobState) ([]*rivertype.JobRow, error) {
	params := river.NewJobListParams().Kinds(Kind).States(states...).
		Where("args ->> 'destination_id' = @dest", river.NamedArgs{"dest": dest}).First(10000)
	var all []*rivertype.JobRow
	for {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("riverpush: listing the jobs of destination %s: %w", dest, err)
		}
		all = append(all, res.Jobs...)
		if len(res.Jobs) < 10000 {
			return all, nil
		}
		params = params.After(res.LastCursor)
	}
}
