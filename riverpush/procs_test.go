package riverpush

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// pgOnly skips a test without PostgreSQL: the processes share a queue
// only there.
func pgOnly(t *testing.T) string {
	dsn := os.Getenv("SFTPPUSH_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("SFTPPUSH_TEST_POSTGRES is not set (a PostgreSQL DSN); .ci/run sets it")
	}
	return dsn
}

// procWorld is the parent's side of a multi-process test: servers,
// recordings, the world file the children read and their environment.
type procWorld struct {
	dsn, schema string
	dir         string
	servers     map[string]*sftptest.Server // by destination
	cw          childWorld
	local       map[string][]byte // recording -> contents
	dest        map[string]string // recording -> destination
}

func newProcWorld(t *testing.T, dsn string, servers int) *procWorld {
	p := &procWorld{dsn: dsn, schema: newSchema(t, dsn), dir: t.TempDir(), servers: map[string]*sftptest.Server{},
		cw:    childWorld{Dests: map[string]childCreds{}, Files: map[string]string{}, Workers: 10},
		local: map[string][]byte{}, dest: map[string]string{}}
	for i := range servers {
		s := sftptest.NewServer(t)
		s.MkdirAll("/upload")
		d := fmt.Sprintf("dst-%d", i)
		p.servers[d] = s
		p.setDest(d, s.Host, s.Port)
	}
	return p
}

func (p *procWorld) setDest(d, host string, port int) {
	s := p.servers[d]
	p.cw.Dests[d] = childCreds{Host: host, Port: port, User: s.Username, Password: s.Password, Folder: "/upload"}
}

func (p *procWorld) recording(t *testing.T, rec, dest string, size int) Args {
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(p.dir, rec+".mp4")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p.cw.Files[rec], p.local[rec], p.dest[rec] = path, data, dest
	return Args{DestinationID: dest, RecordingID: rec, TotalBytes: int64(size)}
}

// worker starts a worker process with the world as it is now.
func (p *procWorld) worker(t *testing.T, id string) *child {
	t.Helper()
	world := filepath.Join(p.dir, "world-"+id+".json")
	b, _ := json.Marshal(p.cw)
	if err := os.WriteFile(world, b, 0o600); err != nil {
		t.Fatal(err)
	}
	sink := filepath.Join(p.dir, "sink-"+id+".jsonl")
	c := startChild(t, childEnv+"=worker", childDSNEnv+"="+p.dsn, childSchemaEnv+"="+p.schema,
		childWorldEnv+"="+world, childSinkEnv+"="+sink, childIDEnv+"="+id)
	c.sink = sink
	c.ready(t)
	return c
}

// inserter is a queue that only inserts, as a service's web process.
func (p *procWorld) inserter(t *testing.T) testQueue {
	pool := schemaPool(t, p.dsn, p.schema)
	q, err := NewPostgres(pool, Config{
		Credentials: func(context.Context, string) (sftppush.Credentials, error) {
			return sftppush.Credentials{}, ErrNotFound
		},
		Group: func(context.Context, Args) (sftppush.Group, error) { return sftppush.Group{}, ErrNotFound },
		River: fastRiver(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return queueOf[pgxTx]{q}
}

// sameFile checks the server's copy of a recording.
func (p *procWorld) sameFile(t *testing.T, rec string) {
	t.Helper()
	if got := p.servers[p.dest[rec]].ReadFile("/upload/" + rec + ".mp4"); !bytes.Equal(got, p.local[rec]) {
		t.Errorf("%s on the server: %d bytes, want %d, or different bytes", rec, len(got), len(p.local[rec]))
	}
}

// Many processes migrating one database at once all succeed.
func TestMigrateFromManyProcesses(t *testing.T) {
	dsn := pgOnly(t)
	schema := newSchema(t, dsn)
	var procs []*child
	for range 4 {
		procs = append(procs, startChild(t, childEnv+"=migrate", childDSNEnv+"="+dsn, childSchemaEnv+"="+schema))
	}
	for i, c := range procs {
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("migrating process %d: %v", i, err)
		}
	}
	pool := schemaPool(t, dsn, schema)
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM river_migration").Scan(&n); err != nil || n < 6 {
		t.Errorf("%d migrations applied (%v)", n, err)
	}
}

// Three worker processes share one queue: 300 jobs across 10 destinations
// are each delivered exactly once, and no server ever has more than the
// limit's connections at once.
func TestThreeWorkerProcesses(t *testing.T) {
	dsn := pgOnly(t)
	p := newProcWorld(t, dsn, 10)
	pool := schemaPool(t, dsn, p.schema)
	if err := MigratePostgres(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	q := p.inserter(t)
	var ids []int64
	for i := range 300 {
		res, err := q.Insert(context.Background(), p.recording(t, fmt.Sprintf("rec-%03d", i), fmt.Sprintf("dst-%d", i%10), 20_000+i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Job.ID)
	}
	start := time.Now()
	var workers []*child
	for _, id := range []string{"worker-a", "worker-b", "worker-c"} {
		workers = append(workers, p.worker(t, id))
	}
	for _, id := range ids {
		waitState(t, q, id, 3*time.Minute, rivertype.JobStateCompleted)
	}
	t.Logf("300 jobs delivered by 3 processes in %v", time.Since(start).Round(time.Millisecond))
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { w.stop(t) })
	}
	wg.Wait()

	ok := map[string]int{}
	byWorker := map[string]int{}
	for _, w := range workers {
		for _, e := range readSink(t, w.sink) {
			if e.Status != sftppush.StatusOK {
				t.Errorf("%s: %s/%s %s", e.RecordingID, e.Status, e.Reason, e.Error)
				continue
			}
			ok[e.RecordingID]++
			byWorker[filepath.Base(w.sink)]++
		}
	}
	for rec := range p.local {
		if ok[rec] != 1 {
			t.Errorf("%s delivered %d times, want exactly once", rec, ok[rec])
		}
		p.sameFile(t, rec)
	}
	for d, s := range p.servers {
		if s.PeakConnections() > DefaultPerDestination {
			t.Errorf("%s: %d connections at once, the limit is %d", d, s.PeakConnections(), DefaultPerDestination)
		}
	}
	if len(byWorker) < 2 {
		t.Errorf("deliveries by worker %v: want the work shared", byWorker)
	}
	t.Logf("deliveries by worker: %v", byWorker)
}
