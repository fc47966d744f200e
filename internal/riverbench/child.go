package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/riverpush"
	"github.com/sftppush/sftppush/sftptest"
)

// childArg, as the first argument, makes this program a worker child.
const childArg = "-child"

// The environment of a worker child: what it works on. The DSN travels
// here rather than on the command line, where ps would show it.
const (
	envDSN    = "RIVERBENCH_DSN"
	envSchema = "RIVERBENCH_SCHEMA"
	envWorld  = "RIVERBENCH_WORLD" // the path of a world file
	envID     = "RIVERBENCH_ID"    // the River client's ID
)

// childStopTimeout bounds the child's Queue.Stop; the parent's grace
// before SIGKILL is longer.
const childStopTimeout = 10 * time.Second

// runChild is a worker process: a riverpush queue over the world file's
// destinations, started at once. It prints "ready cpu=NS" when the queue
// has started (NS: its CPU time so far, in nanoseconds), works until SIGTERM, SIGINT or the end of its stdin (the parent
// gone), stops the queue and prints "pushes ok=N failed=M", the attempts
// its Sink saw.
func runChild() int {
	id := os.Getenv(envID)
	w, err := readWorld(os.Getenv(envWorld))
	if err != nil {
		fmt.Fprintf(os.Stderr, "riverbench worker %s: %v\n", id, err)
		return 1
	}
	pool, err := poolFor(context.Background(), os.Getenv(envDSN), os.Getenv(envSchema))
	if err != nil {
		fmt.Fprintf(os.Stderr, "riverbench worker %s: %v\n", id, err)
		return 1
	}
	defer pool.Close()
	var ok, failed atomic.Int64
	var stopping atomic.Bool
	q, err := riverpush.NewPostgres(pool, childConfig(id, w, &ok, &failed, &stopping))
	if err == nil {
		err = q.Start(context.Background())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "riverbench worker %s: %v\n", id, err)
		return 1
	}
	fmt.Printf("ready cpu=%d\n", selfCPU())
	waitForStop()
	stopping.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), childStopTimeout)
	defer cancel()
	code := 0
	if err := q.Stop(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "riverbench worker %s: stopping: %v\n", id, err)
		code = 1
	}
	fmt.Printf("pushes ok=%d failed=%d\n", ok.Load(), failed.Load())
	return code
}

// childConfig is the queue's configuration: the world's lookups, a quick
// schedule (a failed attempt is retried within seconds, and shows in the
// counts), and River polling as often as the world says. ok and failed
// count the attempts by outcome; once stopping is set, the attempts that
// the stop cancels are neither counted nor printed.
func childConfig(id string, w world, ok, failed *atomic.Int64, stopping *atomic.Bool) riverpush.Config {
	sink := sftppush.SinkFunc(func(_ context.Context, e sftppush.LogEntry) error {
		switch {
		case e.Status == sftppush.StatusOK:
			ok.Add(1)
		case !stopping.Load():
			failed.Add(1)
			fmt.Fprintf(os.Stderr, "riverbench worker %s: %s: %s/%s %s\n", id, e.RecordingID, e.Status, e.Reason, e.Error)
		}
		return nil
	})
	return riverpush.Config{
		Credentials: func(_ context.Context, dest string) (sftppush.Credentials, error) {
			c, found := w.Dests[dest]
			if !found {
				return sftppush.Credentials{}, fmt.Errorf("destination %s: %w", dest, riverpush.ErrNotFound)
			}
			return sftppush.Credentials{Host: c.Host, Port: c.Port, Username: c.User, Password: c.Password, Folder: c.Folder}, nil
		},
		Group: func(_ context.Context, a riverpush.Args) (sftppush.Group, error) {
			p, found := w.Files[a.RecordingID]
			if !found {
				return sftppush.Group{}, fmt.Errorf("recording %s: %w", a.RecordingID, riverpush.ErrNotFound)
			}
			return sftppush.Group{Main: sftppush.File{Path: p, RemoteName: remoteName(a.RecordingID)}}, nil
		},
		Push: sftppush.Config{
			// The servers listen on loopback, which the destination
			// policy refuses by default; the machine is shared and
			// noisy, so logins get more than the default 10 s.
			AllowNetworks:  []netip.Prefix{sftptest.Loopback},
			ConnectTimeout: 30 * time.Second,
			Sink:           sink,
		},
		Policy:         &sftppush.RetryPolicy{Delays: []time.Duration{time.Second, time.Second, time.Second}},
		PerDestination: w.PerDestination,
		Workers:        w.Workers,
		River: &river.Config{
			ID:                id,
			FetchPollInterval: w.PollInterval,
			FetchCooldown:     w.Cooldown,
			Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("worker", id),
		},
	}
}

// waitForStop returns on SIGTERM or SIGINT, or when stdin ends: the parent
// holds its other end, so a parent that died stops its workers too.
func waitForStop() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(stop)
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	select {
	case <-stop:
	case <-eof:
	}
}
