package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sftppush/sftppush/riverpush"
)

// runner holds what the trials of one run share: the settings, the
// schema and its pool, the inserting queue and the local recordings.
type runner struct {
	o      options
	self   string // this program, run again as the worker children
	dir    string // world files
	schema string
	pool   *pgxpool.Pool
	q      *riverpush.Queue[pgx.Tx]
	recs   []recording
}

// result is what one trial measured: one process count in one round.
type result struct {
	round, procs int
	jobs         int
	inserting    time.Duration // inserting the jobs, one after another, before the workers start
	elapsed      time.Duration // from the first worker's start to the last job's completion
	p50, p95     time.Duration // queue latency: insert to completion
	workerCPU    time.Duration // user+system of the worker processes, whole lives
	startCPU     time.Duration // the part of workerCPU before the workers were ready
	parentCPU    time.Duration // user+system of this process while the workers ran: the SFTP servers
	postgresCPU  time.Duration // user+system of the postgres processes while the workers ran
	busy         float64       // share of the machine's CPU busy while the workers ran, -1 unknown
	snoozes      int           // waits for a free slot of a destination
	maxSnoozes   int           // the most snoozes of one job
	extraPushes  int           // push attempts beyond one per job
	err          error         // why the trial does not count
}

// jobsPerSec is the trial's throughput.
func (r result) jobsPerSec() float64 { return float64(r.jobs) / r.elapsed.Seconds() }

// perJob is d divided by the trial's jobs, in milliseconds.
func (r result) perJob(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond) / float64(r.jobs)
}

// plan spreads a trial's jobs over the destinations in turn, one local
// recording each; the recording IDs name the round and process count.
func (rn *runner) plan(round, procs int) []plannedJob {
	jobs := make([]plannedJob, rn.o.jobs)
	for i := range jobs {
		jobs[i] = plannedJob{id: fmt.Sprintf("r%d-p%d-%05d", round, procs, i), dest: i % rn.o.servers, rec: i}
	}
	return jobs
}

// trial runs one configuration: fresh servers, the jobs inserted, procs
// workers started, and waits, within the trial's time limit, until every
// job completed; then it stops the workers, checks the servers and
// empties the job table. Whatever fails is in the result's err; the
// workers are stopped and the servers closed in every case.
func (rn *runner) trial(ctx context.Context, round, procs int) result {
	res := result{round: round, procs: procs, jobs: rn.o.jobs}
	ctx, cancel := context.WithTimeoutCause(ctx, rn.o.timeout,
		fmt.Errorf("the trial did not finish within its limit of %v (-timeout)", rn.o.timeout))
	defer cancel()
	defer func() {
		if err := clearJobs(ctx, rn.pool); err != nil {
			res.err = errors.Join(res.err, err)
		}
	}()
	f, err := startFleet(rn.o.servers)
	if err != nil {
		res.err = err
		return res
	}
	defer f.close()
	jobs := rn.plan(round, procs)
	worldPath := filepath.Join(rn.dir, fmt.Sprintf("world-r%d-p%d.json", round, procs))
	if err := newWorld(f, jobs, rn.recs, rn.o).write(worldPath); err != nil {
		res.err = err
		return res
	}
	insertStart := time.Now()
	if err := enqueue(ctx, rn.q, jobs, rn.o.size); err != nil {
		res.err = err
		return res
	}
	res.inserting = time.Since(insertStart)
	env := []string{envDSN + "=" + rn.o.dsn, envSchema + "=" + rn.schema, envWorld + "=" + worldPath}
	ws, start, err := rn.work(ctx, round, procs, env, &res)
	if stopErr := ws.stopAll(); stopErr != nil {
		err = errors.Join(err, stopErr)
	}
	if err != nil {
		res.err = err
		return res
	}
	res.err = rn.settle(ctx, &res, start, ws, f, jobs)
	return res
}

// work starts the worker children and waits until every job completed,
// noting the CPU of the parent and of PostgreSQL, and the machine's busy
// share, meanwhile. It
// returns the children, to be stopped, and when the first was started.
func (rn *runner) work(ctx context.Context, round, procs int, env []string, res *result) (workerSet, time.Time, error) {
	cpu0, ticks0, pg0 := selfCPU(), readTicks(), postgresCPU()
	start := time.Now()
	var ws workerSet
	for i := range procs {
		w, err := startWorker(rn.self, fmt.Sprintf("riverbench-r%d-p%d-w%d", round, procs, i), env)
		if err != nil {
			return ws, start, err
		}
		ws = append(ws, w)
	}
	if err := ws.awaitReady(ctx); err != nil {
		return ws, start, err
	}
	if err := waitCompleted(ctx, rn.pool, rn.o.jobs, ws); err != nil {
		return ws, start, err
	}
	res.parentCPU, res.busy, res.postgresCPU = selfCPU()-cpu0, busyShare(ticks0, readTicks()), cpuSince(pg0, postgresCPU())
	return ws, start, nil
}

// settle reads the finished trial's figures from the job rows and the
// stopped workers, and checks it: every job completed, each recording
// pushed once and whole, no server over the limit of connections.
func (rn *runner) settle(ctx context.Context, res *result, start time.Time, ws workerSet, f *fleet, jobs []plannedJob) error {
	rows, err := listJobs(ctx, rn.q.Client())
	if err != nil {
		return err
	}
	fig := figures(rows)
	res.p50, res.p95 = percentile(fig.latencies, 50), percentile(fig.latencies, 95)
	res.elapsed = fig.lastDone.Sub(start)
	res.snoozes, res.maxSnoozes, res.extraPushes = fig.snoozes, fig.maxSnoozes, fig.extraPushes
	cpu, startCPU, ok, failed, missing := ws.totals()
	res.workerCPU, res.startCPU = cpu, startCPU

	var bad []string
	if fig.completed != rn.o.jobs || len(rows) != rn.o.jobs {
		bad = append(bad, fmt.Sprintf("%d of %d jobs completed (%d rows): %s", fig.completed, rn.o.jobs, len(rows), strings.Join(fig.notDone, "; ")))
	}
	if len(missing) > 0 {
		bad = append(bad, "workers that did not report their pushes: "+strings.Join(missing, ", "))
	} else if ok != rn.o.jobs {
		bad = append(bad, fmt.Sprintf("%d pushes delivered for %d jobs", ok, rn.o.jobs))
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "riverbench: round %d, %d process%s: %d failed push attempts (retried)\n", res.round, res.procs, plural(res.procs), failed)
	}
	if res.elapsed <= 0 {
		bad = append(bad, fmt.Sprintf("the last completion (%v) is not after the first worker's start (%v)", fig.lastDone, start))
	}
	bad = append(bad, f.check(jobs, rn.recs, rn.o.perDest)...)
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}
