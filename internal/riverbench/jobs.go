package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/riverpush"
)

// pollEvery is how often the parent counts the jobs while a trial runs: a
// single GROUP BY on the job table, cheap next to the workers' own queries.
const pollEvery = 100 * time.Millisecond

// newInserter is the parent's queue: it inserts jobs and lists them, and is
// never started (as a service's web process). Its lookups are never called.
func newInserter(pool *pgxpool.Pool) (*riverpush.Queue[pgx.Tx], error) {
	return riverpush.NewPostgres(pool, riverpush.Config{
		Credentials: func(context.Context, string) (sftppush.Credentials, error) {
			return sftppush.Credentials{}, riverpush.ErrNotFound
		},
		Group: func(context.Context, riverpush.Args) (sftppush.Group, error) {
			return sftppush.Group{}, riverpush.ErrNotFound
		},
	})
}

// enqueue inserts one job per planned job, one after another, as a service
// does when recordings finish. A duplicate is an error: every recording ID
// of a run is new.
func enqueue(ctx context.Context, q *riverpush.Queue[pgx.Tx], jobs []plannedJob, size int) error {
	for _, j := range jobs {
		res, err := q.Insert(ctx, riverpush.Args{DestinationID: destID(j.dest), RecordingID: j.id, TotalBytes: int64(size)})
		if err != nil {
			return fmt.Errorf("inserting job %s: %w", j.id, err)
		}
		if res.UniqueSkippedAsDuplicate {
			return fmt.Errorf("inserting job %s: skipped as a duplicate", j.id)
		}
	}
	return nil
}

// countStates counts the jobs in River's table by state.
func countStates(ctx context.Context, pool *pgxpool.Pool) (map[string]int, error) {
	rows, err := pool.Query(ctx, "SELECT state::text, count(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("counting the jobs: %w", err)
	}
	counts := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("counting the jobs: %w", err)
		}
		counts[s] = n
	}
	return counts, rows.Err()
}

// describeCounts lists job counts by state, in a fixed order.
func describeCounts(counts map[string]int) string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
	}
	return strings.Join(parts, ", ")
}

// waitCompleted polls until n jobs are completed. It fails as soon as a
// job was cancelled or discarded (it will never complete), a worker died,
// or ctx ended (the trial's time limit, or an interrupt), and then says how
// far the jobs got.
func waitCompleted(ctx context.Context, pool *pgxpool.Pool, n int, ws workerSet) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		counts, err := countStates(ctx, pool)
		if err != nil && ctx.Err() == nil {
			return err
		}
		switch {
		case counts[string(rivertype.JobStateCompleted)] >= n:
			return nil
		case counts[string(rivertype.JobStateCancelled)] > 0 || counts[string(rivertype.JobStateDiscarded)] > 0:
			return fmt.Errorf("jobs ended without a delivery (%s)", describeCounts(counts))
		}
		if err := ws.dead(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%v: %d of %d jobs completed (%s)", context.Cause(ctx),
				counts[string(rivertype.JobStateCompleted)], n, describeCounts(counts))
		case <-tick.C:
		}
	}
}

// listJobs returns every job row of the queue, page by page.
func listJobs(ctx context.Context, client *river.Client[pgx.Tx]) ([]*rivertype.JobRow, error) {
	const page = 1000
	params := river.NewJobListParams().Kinds(riverpush.Kind).First(page)
	var all []*rivertype.JobRow
	for range 1000 { // at most a million jobs
		res, err := client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("listing the jobs: %w", err)
		}
		all = append(all, res.Jobs...)
		if len(res.Jobs) < page {
			return all, nil
		}
		params = params.After(res.LastCursor)
	}
	return nil, fmt.Errorf("listing the jobs: more than %d pages", 1000)
}

// jobFigures is what a trial's job rows say.
type jobFigures struct {
	completed   int
	latencies   []time.Duration // from insert (created_at) to completion (finalized_at)
	lastDone    time.Time       // the latest finalized_at
	snoozes     int             // River's snoozes: waits for a free slot of the destination
	maxSnoozes  int             // the most snoozes of one job
	extraPushes int             // attempts beyond the first, by riverpush's count
	notDone     []string        // jobs not completed, with their state and errors
}

// figures reads the job rows: latencies and the last completion of the
// completed ones, their snoozes and retries, and what became of the others.
func figures(jobs []*rivertype.JobRow) jobFigures {
	var f jobFigures
	for _, j := range jobs {
		var meta struct {
			Snoozes  int `json:"snoozes"`
			Attempts int `json:"sftppush_attempts"`
		}
		json.Unmarshal(j.Metadata, &meta)
		f.snoozes += meta.Snoozes
		f.maxSnoozes = max(f.maxSnoozes, meta.Snoozes)
		f.extraPushes += max(meta.Attempts-1, 0)
		if j.State != rivertype.JobStateCompleted || j.FinalizedAt == nil {
			if len(f.notDone) < 3 {
				f.notDone = append(f.notDone, fmt.Sprintf("job %d is %s%s", j.ID, j.State, lastError(j)))
			}
			continue
		}
		f.completed++
		f.latencies = append(f.latencies, j.FinalizedAt.Sub(j.CreatedAt))
		if j.FinalizedAt.After(f.lastDone) {
			f.lastDone = *j.FinalizedAt
		}
	}
	return f
}

// lastError is a job's latest error, for a message, or "".
func lastError(j *rivertype.JobRow) string {
	if len(j.Errors) == 0 {
		return ""
	}
	return ": " + j.Errors[len(j.Errors)-1].Error
}
