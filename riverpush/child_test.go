package riverpush

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// The multi-process tests run the test binary again as worker processes:
// childEnv says which part a child plays, the other variables what it
// works on.
const (
	childEnv       = "RIVERPUSH_TEST_CHILD" // "worker" or "migrate"
	childDSNEnv    = "RIVERPUSH_TEST_DSN"
	childSchemaEnv = "RIVERPUSH_TEST_SCHEMA"
	childWorldEnv  = "RIVERPUSH_TEST_WORLD" // a childWorld, as JSON, in a file
	childSinkEnv   = "RIVERPUSH_TEST_SINK"  // where the child's log entries go, as JSON lines
	childIDEnv     = "RIVERPUSH_TEST_ID"    // the River client's ID
)

// childWorld is what a worker process looks up: destinations and files,
// and its tuning.
type childWorld struct {
	Dests      map[string]childCreds `json:"dests"`
	Files      map[string]string     `json:"files"`
	MinTimeout time.Duration         `json:"min_timeout"`
	MinRate    int64                 `json:"min_rate"`
	Stall      time.Duration         `json:"stall"`
	Workers    int                   `json:"workers"`
}

// childCreds carries a password to a child: Credentials would redact it.
type childCreds struct {
	Host, User, Password, Folder string
	Port                         int
}

func runChild() int {
	ctx := context.Background()
	pool, err := poolFor(os.Getenv(childDSNEnv), os.Getenv(childSchemaEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer pool.Close()
	switch os.Getenv(childEnv) {
	case "migrate":
		if err := MigratePostgres(ctx, pool); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "worker":
		return runWorkerChild(ctx, pool)
	}
	return 2
}

func runWorkerChild(ctx context.Context, pool *pgxpool.Pool) int {
	var cw childWorld
	b, err := os.ReadFile(os.Getenv(childWorldEnv))
	if err == nil {
		err = json.Unmarshal(b, &cw)
	}
	sink, serr := os.OpenFile(os.Getenv(childSinkEnv), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil || serr != nil {
		fmt.Fprintln(os.Stderr, err, serr)
		return 1
	}
	defer sink.Close()
	cfg := Config{
		Credentials: func(_ context.Context, dest string) (sftppush.Credentials, error) {
			c, ok := cw.Dests[dest]
			if !ok {
				return sftppush.Credentials{}, ErrNotFound
			}
			return sftppush.Credentials{Host: c.Host, Port: c.Port, Username: c.User, Password: c.Password, Folder: c.Folder}, nil
		},
		Group: func(_ context.Context, a Args) (sftppush.Group, error) {
			return sftppush.Group{Main: sftppush.File{Path: cw.Files[a.RecordingID]}}, nil
		},
		Push: sftppush.Config{AllowNetworks: []netip.Prefix{sftptest.Loopback}, Sink: sftppush.NewJSONSink(sink),
			StallTimeout: cw.Stall, ConnectTimeout: 30 * time.Second},
		Policy:     &sftppush.RetryPolicy{Delays: []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}},
		Workers:    cw.Workers,
		MinTimeout: cw.MinTimeout,
		MinRate:    cw.MinRate,
		River:      &river.Config{ID: os.Getenv(childIDEnv), FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond, Logger: quietLogger()},
	}
	q, err := NewPostgres(pool, cfg)
	if err == nil {
		err = q.Start(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	<-stop
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := q.Stop(sctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// child is a worker or migrate process of a test.
type child struct {
	cmd  *exec.Cmd
	out  *bufio.Scanner
	sink string
}

// startChild runs the test binary as a child; the environment adds the
// child's part. It is stopped when the test ends, if it still runs.
func startChild(t *testing.T, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: bufio.NewScanner(out)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return c
}

// ready waits for a worker child to say it started.
func (c *child) ready(t *testing.T) {
	t.Helper()
	if !c.out.Scan() || strings.TrimSpace(c.out.Text()) != "ready" {
		t.Fatalf("the worker process did not start: %q", c.out.Text())
	}
}

// stop ends a worker child as SIGTERM does, and waits for it.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("worker process: %v", err)
	}
}

// readSink reads a child's log entries.
func readSink(t *testing.T, path string) []sftppush.LogEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var es []sftppush.LogEntry
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var e sftppush.LogEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s: %v: %q", path, err, line)
		}
		es = append(es, e)
	}
	return es
}
