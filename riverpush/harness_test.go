package riverpush

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	goleak.VerifyTestMain(m,
		// pgx's and modernc's pools keep a goroutine or two that end
		// moments after Close; River's notifier likewise.
		goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"),
		goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
	)
}

// testQueue is a Queue of either backend, as the tests use it.
type testQueue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Insert(ctx context.Context, a Args) (*rivertype.JobInsertResult, error)
	RetryDestination(ctx context.Context, destinationID string) (int, error)
	CancelDestination(ctx context.Context, destinationID string) (int, error)
	job(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

type queueOf[TTx any] struct{ *Queue[TTx] }

func (q queueOf[TTx]) job(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return q.Client().JobGet(ctx, id)
}

// backend makes queues on one database kind.
type backend struct {
	name     string
	newQueue func(t *testing.T, cfg Config) testQueue
}

// forEachBackend runs f on SQLite, and on PostgreSQL when
// SFTPPUSH_TEST_POSTGRES holds a DSN (.ci/run sets it).
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) { f(t, sqliteBackend(t)) })
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("SFTPPUSH_TEST_POSTGRES")
		if dsn == "" {
			t.Skip("SFTPPUSH_TEST_POSTGRES is not set (a PostgreSQL DSN); .ci/run sets it")
		}
		f(t, postgresBackend(t, dsn))
	})
}

func sqliteBackend(t *testing.T) backend {
	path := filepath.Join(t.TempDir(), "queue.sqlite")
	db, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := MigrateSQLite(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return backend{name: "sqlite", newQueue: func(t *testing.T, cfg Config) testQueue {
		q, err := NewSQLite(db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return queueOf[*sqlTx]{q}
	}}
}

// postgresBackend gives each test a schema of its own, dropped at the end.
func postgresBackend(t *testing.T, dsn string) backend {
	schema := newSchema(t, dsn)
	pool := schemaPool(t, dsn, schema)
	if err := MigratePostgres(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return backend{name: "postgres", newQueue: func(t *testing.T, cfg Config) testQueue {
		q, err := NewPostgres(pool, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return queueOf[pgxTx]{q}
	}}
}

// newSchema creates a fresh schema and drops it when the test ends.
func newSchema(t *testing.T, dsn string) string {
	var b [4]byte
	rand.Read(b[:])
	schema := "riverpush_test_" + hex.EncodeToString(b[:])
	admin, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return schema
}

// schemaPool is a pool whose connections work in schema.
func schemaPool(t testing.TB, dsn, schema string) *pgxpool.Pool {
	pool, err := poolFor(dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func poolFor(dsn, schema string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return pgxpool.NewWithConfig(context.Background(), cfg)
}

// world is what a queue's lookups see: a server, credentials by
// destination, files by recording, and the sink of every attempt.
type world struct {
	srv   *sftptest.Server
	sink  sftptest.MemorySink
	mu    sync.Mutex
	creds map[string]sftppush.Credentials
	files map[string]sftppush.Group
	dir   string
}

func newWorld(t *testing.T, f sftptest.Faults) *world {
	srv := sftptest.NewUnstartedServer(t)
	srv.Faults = f
	srv.Start()
	srv.MkdirAll("/upload")
	w := &world{srv: srv, creds: map[string]sftppush.Credentials{}, files: map[string]sftppush.Group{}, dir: t.TempDir()}
	w.setCreds("dst-1", srv.Credentials("/upload"))
	return w
}

func (w *world) setCreds(dest string, c sftppush.Credentials) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.creds[dest] = c
}

func (w *world) deleteCreds(dest string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.creds, dest)
}

// recording writes a recording's main file of size bytes.
func (w *world) recording(t *testing.T, id string, size int) Args {
	p := filepath.Join(w.dir, id+".mp4")
	data := make([]byte, size)
	rand.Read(data)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	w.files[id] = sftppush.Group{Main: sftppush.File{Path: p}}
	w.mu.Unlock()
	return Args{DestinationID: "dst-1", RecordingID: id, Account: "acme", TotalBytes: int64(size)}
}

// config is a queue configuration over the world, with a fast schedule.
func (w *world) config() Config {
	push := w.srv.Config()
	push.Sink = &w.sink
	return Config{
		Credentials: func(_ context.Context, dest string) (sftppush.Credentials, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			c, ok := w.creds[dest]
			if !ok {
				return sftppush.Credentials{}, fmt.Errorf("destination %s: %w", dest, ErrNotFound)
			}
			return c, nil
		},
		Group: func(_ context.Context, a Args) (sftppush.Group, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			g, ok := w.files[a.RecordingID]
			if !ok {
				return g, fmt.Errorf("recording %s: %w", a.RecordingID, ErrNotFound)
			}
			return g, nil
		},
		Push:   push,
		Policy: &sftppush.RetryPolicy{Delays: []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}},
		River:  fastRiver(),
	}
}

// fastRiver polls often, so that tests do not wait for River's seconds.
func fastRiver() *river.Config {
	return &river.Config{FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond,
		Logger: quietLogger()}
}

// waitState waits until the job is in one of the states, and returns it.
func waitState(t *testing.T, q testQueue, id int64, limit time.Duration, states ...rivertype.JobState) *rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		j, err := q.job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range states {
			if j.State == s {
				return j
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is %s after %v, want one of %v; errors %v", id, j.State, limit, states, jobErrors(j))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jobErrors(j *rivertype.JobRow) string {
	var b strings.Builder
	for _, e := range j.Errors {
		fmt.Fprintf(&b, "[%d: %s] ", e.Attempt, e.Error)
	}
	return b.String()
}

// startQueue starts q and stops it when the test ends.
func startQueue(t *testing.T, q testQueue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
}

// retryNow makes a waiting job available at once.
func retryNow(t *testing.T, q testQueue, id int64) {
	t.Helper()
	type retrier interface {
		retry(ctx context.Context, id int64) error
	}
	if err := q.(retrier).retry(context.Background(), id); err != nil {
		t.Fatal(err)
	}
}

func (q queueOf[TTx]) retry(ctx context.Context, id int64) error {
	_, err := q.Client().JobRetry(ctx, id)
	return err
}
