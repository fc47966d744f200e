package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/riverqueue/river"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/riverpush"
	"github.com/sftppush/sftppush/sqlstore"

	_ "modernc.org/sqlite" // SQLite in pure Go, registered as "sqlite"
)

// options configure a dashboard.
type options struct {
	// DB is the SQLite file holding everything: the saved credentials, the
	// log table and the queue. It is created, readable by its owner only,
	// when missing.
	DB string
	// Account is the account a request names none.
	Account string
	// Push configures Check and the pushes (its Sink is set to the log
	// store): the destination policy, the host-key policy.
	Push sftppush.Config
	// River, if set, is the queue's River configuration to start from.
	River *river.Config
}

// dashboard is the page with its data: the stores and the queue in one
// SQLite file.
type dashboard struct {
	app     *app
	queue   *riverpush.Queue[*sql.Tx]
	queueDB *sql.DB // River's own pool of one connection
	db      *sql.DB // the credentials and the log store
	sample  sample
}

// open opens (or creates) the dashboard's file and makes its page. Its
// queue is not started: call start for the pushes to run.
func open(ctx context.Context, o options) (d *dashboard, err error) {
	d = &dashboard{}
	defer func() {
		if err != nil {
			d.close(context.Background())
		}
	}()
	if err := createPrivate(o.DB); err != nil {
		return nil, err
	}
	if d.queueDB, err = riverpush.OpenSQLite(o.DB); err != nil {
		return nil, err
	}
	if err := riverpush.MigrateSQLite(ctx, d.queueDB); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	if d.db, err = sql.Open("sqlite", "file:"+o.DB+"?"+q.Encode()); err != nil {
		return nil, err
	}
	logs, err := sqlstore.New(ctx, d.db, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	creds, err := newCredStore(ctx, d.db)
	if err != nil {
		return nil, err
	}
	if d.sample, err = newSample(); err != nil {
		return nil, err
	}
	push := o.Push
	push.Sink = logs
	rc := &river.Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if o.River != nil {
		rc = o.River
	}
	d.queue, err = riverpush.NewSQLite(d.queueDB, riverpush.Config{
		Credentials: creds.lookup,
		Group:       d.sample.group,
		Push:        push,
		River:       rc,
	})
	if err != nil {
		return nil, err
	}
	d.app = &app{
		account: o.Account, creds: creds, logs: logs, queue: d.queue,
		pusher: sftppush.New(o.Push), sample: d.sample, checks: make(chan struct{}, maxChecks),
	}
	return d, nil
}

// start starts the queue's workers (one process per SQLite file).
func (d *dashboard) start(ctx context.Context) error { return d.queue.Start(ctx) }

// close stops the queue, waiting for running pushes until ctx ends, and
// closes the file.
func (d *dashboard) close(ctx context.Context) error {
	var errs []error
	if d.queue != nil {
		errs = append(errs, d.queue.Stop(ctx)) // nil for a queue never started
	}
	for _, db := range []*sql.DB{d.queueDB, d.db} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	if d.sample.dir != "" {
		errs = append(errs, os.RemoveAll(d.sample.dir))
	}
	return errors.Join(errs...)
}

// createPrivate creates the file at path, readable and writable by its
// owner only, unless it exists. SQLite gives its -wal and -shm files the
// same mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// sample is the recording that "Push a sample recording" pushes: a small
// mp4 and its snapshot, of random bytes, in a temporary directory.
type sample struct {
	dir  string
	size int64
}

const sampleBytes, snapshotBytes = 256 << 10, 16 << 10

func newSample() (sample, error) {
	dir, err := os.MkdirTemp("", "sftppush-dashboard-sample-")
	if err != nil {
		return sample{}, err
	}
	s := sample{dir: dir, size: sampleBytes + snapshotBytes}
	for name, n := range map[string]int{"sample.mp4": sampleBytes, "sample.jpg": snapshotBytes} {
		data := make([]byte, n)
		rand.Read(data)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			os.RemoveAll(dir)
			return sample{}, err
		}
	}
	return s, nil
}

// group is the queue's Config.Group: every recording named "sample-..."
// is the sample, pushed under the recording's name.
func (s sample) group(_ context.Context, a riverpush.Args) (sftppush.Group, error) {
	if !strings.HasPrefix(a.RecordingID, "sample-") {
		return sftppush.Group{}, fmt.Errorf("recording %s: %w", a.RecordingID, riverpush.ErrNotFound)
	}
	return sftppush.Group{
		Main:   sftppush.File{Path: filepath.Join(s.dir, "sample.mp4"), RemoteName: a.RecordingID + ".mp4"},
		Extras: []sftppush.File{{Path: filepath.Join(s.dir, "sample.jpg"), RemoteName: a.RecordingID + ".jpg"}},
	}, nil
}
