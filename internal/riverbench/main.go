// Command riverbench measures the throughput of riverpush's durable queue
// on PostgreSQL: how many push jobs per second 1, 2 and 4 worker processes
// sharing one queue deliver, and what it costs.
//
//	go run ./internal/riverbench            # 600 jobs of 64 KiB, 8 servers, 1, 2 and 4 processes, 3 rounds
//	go run ./internal/riverbench -smoke     # 40 jobs, 1 and 2 processes, 1 round (CI)
//	go run ./internal/riverbench -jobs 300 -procs 1,4 -rounds 5 -per-destination 4
//
// A run makes a fresh PostgreSQL schema (-postgres, default
// $SFTPPUSH_TEST_POSTGRES), migrates River into it and drops it at the
// end. Each trial, one process count in one round, starts -servers
// embedded SFTP servers (package sftptest) in this process, one per
// destination, inserts -jobs jobs of -size bytes spread over them in turn,
// then starts the worker processes: this program again, with the argument
// -child, each a riverpush queue of -workers pushes at once with a limit
// of -per-destination connections per server across all processes. When
// every job completed it stops them (SIGTERM, SIGKILL after a grace) and
// checks that every recording arrived whole and that no server had more
// connections at once than the limit.
//
// Per trial it measures: jobs/s (the jobs over the time from the first
// worker's start to the last job's finalized_at); the queue latency p50
// and p95 (each job's created_at to its finalized_at: the jobs are all
// inserted before the workers start, so this is mostly time waiting behind
// the backlog); the worker processes' CPU per job (user+system from wait4's
// rusage, their whole lives); the parent's CPU per job while the workers
// ran (the SFTP servers, essentially); PostgreSQL's (every process named
// postgres, from /proc, whoever's backend it is); the machine's busy
// share; and River's snoozes, the waits of a job that found every slot of its
// destination taken. The process counts run in turns, 1 2 4 1 2 4 ..., for
// -rounds rounds, and the table shows each figure's median and min-max,
// so that a noisy machine shows as a wide range.
//
// Every wait is bounded: a trial that does not finish within -timeout
// fails with a message saying how far its jobs got, and the run goes on to
// the next; the exit status is 1 if any trial failed.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sftppush/sftppush/riverpush"
)

// River's polling in the worker processes: small, so that waiting for the
// next fetch does not dominate jobs of a few milliseconds.
const (
	pollInterval  = 50 * time.Millisecond
	fetchCooldown = 10 * time.Millisecond
)

// defaultDSN is the PostgreSQL of .ci/run, used without -postgres and
// SFTPPUSH_TEST_POSTGRES.
const defaultDSN = "postgres://postgres:postgres@127.0.0.1:5432/test?sslmode=disable"

// options are the command line's settings.
type options struct {
	jobs, servers, size int
	procs               []int
	rounds              int
	workers, perDest    int
	dsn                 string
	timeout             time.Duration
	smoke               bool
}

// main runs the benchmark, or the worker child when the first argument is
// childArg.
func main() {
	if len(os.Args) > 1 && os.Args[1] == childArg {
		os.Exit(runChild())
	}
	o, err := parseOptions(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "riverbench:", err)
		os.Exit(2)
	}
	os.Exit(run(o))
}

// parseOptions reads the flags and checks their bounds.
func parseOptions(args []string) (options, error) {
	fs := flag.NewFlagSet("riverbench", flag.ContinueOnError)
	var o options
	fs.IntVar(&o.jobs, "jobs", 600, "jobs per trial")
	fs.IntVar(&o.servers, "servers", 8, "embedded SFTP servers, one per destination")
	fs.IntVar(&o.size, "size", 64<<10, "bytes per recording")
	procs := fs.String("procs", "1,2,4", "comma-separated worker process counts, run in turns")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of the process counts")
	fs.IntVar(&o.workers, "workers", riverpush.DefaultWorkers, "pushes at once per process (riverpush Config.Workers)")
	fs.IntVar(&o.perDest, "per-destination", riverpush.DefaultPerDestination, "connections per destination across all processes (Config.PerDestination)")
	fs.StringVar(&o.dsn, "postgres", "", "PostgreSQL DSN (default $SFTPPUSH_TEST_POSTGRES, else "+defaultDSN+")")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "time limit of one trial (one process count in one round)")
	fs.BoolVar(&o.smoke, "smoke", false, "a tiny bounded run for CI: 40 jobs, processes 1,2, one round")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.dsn == "" {
		o.dsn = cmp.Or(os.Getenv("SFTPPUSH_TEST_POSTGRES"), defaultDSN)
	}
	if o.smoke {
		o.jobs, *procs, o.rounds = 40, "1,2", 1
	}
	for _, f := range strings.Split(*procs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 32 {
			return o, fmt.Errorf("-procs: %q is not a process count from 1 to 32", f)
		}
		o.procs = append(o.procs, n)
	}
	return o, o.check()
}

// check bounds the settings, so that every loop of a run is bounded.
func (o options) check() error {
	var errs []error
	for _, b := range []struct {
		name      string
		v, lo, hi int
	}{
		{"-jobs", o.jobs, 1, 100_000}, {"-servers", o.servers, 1, 256}, {"-size", o.size, 1, 64 << 20},
		{"-rounds", o.rounds, 1, 100}, {"-workers", o.workers, 1, 1000}, {"-per-destination", o.perDest, 1, 1000},
	} {
		if b.v < b.lo || b.v > b.hi {
			errs = append(errs, fmt.Errorf("%s must be from %d to %d, not %d", b.name, b.lo, b.hi, b.v))
		}
	}
	if o.timeout <= 0 {
		errs = append(errs, errors.New("-timeout must be positive"))
	}
	return errors.Join(errs...)
}

// run runs every trial and prints the table. The schema is dropped and
// the temporary files removed however it ends, an interrupt included.
func run(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rn, cleanup, err := setup(ctx, o)
	defer cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "riverbench:", err)
		return 1
	}
	m := machineNow(ctx, rn.pool)
	printHeader(os.Stdout, o, m)
	var results []result
	failed := 0
	for round := 1; round <= o.rounds && ctx.Err() == nil; round++ {
		for _, p := range o.procs {
			if ctx.Err() != nil {
				break
			}
			r := rn.trial(ctx, round, p)
			results = append(results, r)
			progress(os.Stderr, o, r)
			if r.err != nil {
				failed++
			}
		}
	}
	m.loadAfter = loadavg()
	printTable(os.Stdout, o, results)
	printMachine(os.Stdout, m)
	if ctx.Err() != nil {
		fmt.Println("riverbench: interrupted")
		return 1
	}
	if failed > 0 {
		fmt.Printf("riverbench: FAIL: %d of %d trials failed (see above)\n", failed, len(results))
		return 1
	}
	return 0
}

// setup makes what every trial shares: the local recordings, the schema
// with River's tables, the pool and the inserting queue. cleanup undoes
// whatever of it was made, in reverse, and is never nil.
func setup(ctx context.Context, o options) (rn *runner, cleanup func(), err error) {
	var undo []func()
	cleanup = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	rn = &runner{o: o}
	if rn.self, err = os.Executable(); err != nil {
		return nil, cleanup, err
	}
	if rn.dir, err = os.MkdirTemp("", "riverbench-"); err != nil {
		return nil, cleanup, err
	}
	dir := rn.dir // rn is nil after a failure below
	undo = append(undo, func() { os.RemoveAll(dir) })
	if rn.recs, err = makeRecordings(rn.dir, o.jobs, o.size); err != nil {
		return nil, cleanup, fmt.Errorf("writing the recordings: %w", err)
	}
	schema, drop, err := newSchema(ctx, o.dsn)
	if err != nil {
		return nil, cleanup, err
	}
	rn.schema = schema
	undo = append(undo, func() {
		if err := drop(); err != nil {
			fmt.Fprintln(os.Stderr, "riverbench:", err)
		}
	})
	if rn.pool, err = poolFor(ctx, o.dsn, schema); err != nil {
		return nil, cleanup, err
	}
	undo = append(undo, rn.pool.Close)
	if err := riverpush.MigratePostgres(ctx, rn.pool); err != nil {
		return nil, cleanup, err
	}
	if rn.q, err = newInserter(rn.pool); err != nil {
		return nil, cleanup, err
	}
	return rn, cleanup, nil
}
