// Command pushservice shows durable pushes with no setup: a queue on River
// in an SQLite file, the embedded SFTP server whose first connections drop
// mid-upload (a flaky link), a few recordings enqueued, and each attempt's
// log line as it happens, until every recording is delivered: a failed
// attempt, its retry on the schedule, the delivery.
//
//	go run ./examples/pushservice
//	go run ./examples/pushservice -postgres 'postgres://user@127.0.0.1:5432/db?sslmode=disable'
//
// With -postgres (or SFTPPUSH_POSTGRES) the queue lives in PostgreSQL
// instead, where every process of a service on every machine shares it.
// SIGINT or SIGTERM stops it: running pushes go back to the queue as they
// were.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/riverpush"
	"github.com/sftppush/sftppush/sftptest"
)

func main() {
	dsn := flag.String("postgres", os.Getenv("SFTPPUSH_POSTGRES"), "PostgreSQL DSN; empty means an SQLite file in a temp directory")
	recordings := flag.Int("recordings", 3, "how many recordings to push")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, *dsn, *recordings); err != nil {
		fmt.Fprintln(os.Stderr, "pushservice:", err)
		os.Exit(1)
	}
}

// queue is the part of a riverpush.Queue the demo uses, whichever database
// holds it.
type queue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Insert(ctx context.Context, a riverpush.Args) (*rivertype.JobInsertResult, error)
	job(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

func run(ctx context.Context, out io.Writer, dsn string, n int) error {
	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewUnstartedServer(env)
	// The first two connections break after 100 KB, as a flaky link would.
	srv.Faults = sftptest.Faults{DropAfterBytes: 100_000, DropConnections: 2}
	srv.Start()
	srv.MkdirAll("/upload")
	dir := env.TempDir()
	fmt.Fprintf(out, "Embedded SFTP server on %s; its first 2 connections drop mid-upload.\n", srv.Addr)

	files := map[string]string{}
	var args []riverpush.Args
	// Each run pushes its recordings anew, even into a PostgreSQL queue
	// that still holds an earlier run's jobs.
	batch := time.Now().UTC().Format("20060102T150405.000")
	for i := range n {
		id := fmt.Sprintf("rec-%d", i+1)
		path := filepath.Join(dir, id+".mp4")
		data := make([]byte, 1<<20)
		rand.Read(data)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		files[id] = path
		args = append(args, riverpush.Args{DestinationID: "customer-1", RecordingID: id, PushID: batch, Account: "acme", TotalBytes: int64(len(data))})
	}

	// The queue's workers push, and so log, concurrently: one writer
	// shared by them needs a lock, as every Sink must be safe for
	// concurrent use.
	out = &lockedWriter{w: out}
	cfg := config(srv, files, out)
	q, where, err := open(ctx, dsn, dir, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Queue: River on %s. Each attempt's log line:\n\n", where)
	if err := q.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		q.Stop(sctx)
	}()
	var ids []int64
	for _, a := range args {
		res, err := q.Insert(ctx, a)
		if err != nil {
			return err
		}
		ids = append(ids, res.Job.ID)
	}
	return waitDelivered(ctx, q, ids, out)
}

// config is the queue's configuration: the lookups of the demo's one
// customer and its files, a sink that prints each attempt, and a schedule
// of seconds instead of the product's hours.
func config(srv *sftptest.Server, files map[string]string, out io.Writer) riverpush.Config {
	push := srv.Config() // loopback allowed, the server's key trusted
	push.Sink = sftppush.SinkFunc(func(_ context.Context, e sftppush.LogEntry) error {
		fmt.Fprintf(out, "  %s  %-6s attempt %d  %-13s %-15s %s\n", e.Time.Format("15:04:05.000"), e.RecordingID, e.Attempt, e.Status, e.Reason, shorten(e.Error))
		return nil
	})
	return riverpush.Config{
		Credentials: func(_ context.Context, dest string) (sftppush.Credentials, error) {
			if dest != "customer-1" {
				return sftppush.Credentials{}, riverpush.ErrNotFound
			}
			return srv.Credentials("/upload"), nil
		},
		Group: func(_ context.Context, a riverpush.Args) (sftppush.Group, error) {
			path, ok := files[a.RecordingID]
			if !ok {
				return sftppush.Group{}, riverpush.ErrNotFound
			}
			return sftppush.Group{Main: sftppush.File{Path: path}}, nil
		},
		Push:   push,
		Policy: &sftppush.RetryPolicy{Delays: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, Jitter: 0.2},
		River:  &river.Config{FetchPollInterval: 100 * time.Millisecond, Logger: quietLogger()},
	}
}

// open makes the queue: in PostgreSQL when dsn is set, else in an SQLite
// file in dir. Its migrations are run first.
func open(ctx context.Context, dsn, dir string, cfg riverpush.Config) (queue, string, error) {
	if dsn != "" {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return nil, "", err
		}
		if err := riverpush.MigratePostgres(ctx, pool); err != nil {
			return nil, "", err
		}
		q, err := riverpush.NewPostgres(pool, cfg)
		return pgQueue{q}, "PostgreSQL", err
	}
	path := filepath.Join(dir, "queue.sqlite")
	db, err := riverpush.OpenSQLite(path)
	if err != nil {
		return nil, "", err
	}
	if err := riverpush.MigrateSQLite(ctx, db); err != nil {
		return nil, "", err
	}
	q, err := riverpush.NewSQLite(db, cfg)
	return sqliteQueue{q}, "SQLite (" + path + ")", err
}

// waitDelivered waits until every job completed, and says so.
func waitDelivered(ctx context.Context, q queue, ids []int64, out io.Writer) error {
	deadline := time.Now().Add(2 * time.Minute)
	for done := 0; done < len(ids); {
		done = 0
		for _, id := range ids {
			j, err := q.job(ctx, id)
			if err != nil {
				return err
			}
			switch j.State {
			case rivertype.JobStateCompleted:
				done++
			case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
				return fmt.Errorf("job %d stopped: %s", id, j.State)
			}
		}
		if err := ctx.Err(); err != nil {
			return errors.New("stopped before every recording was delivered; the queue keeps the rest")
		}
		if time.Now().After(deadline) {
			return errors.New("not every recording was delivered within 2 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(out, "\nAll %d recordings delivered.\n", len(ids))
	return nil
}

func shorten(s string) string {
	if len(s) > 70 {
		return s[:67] + "..."
	}
	return s
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
