package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Bounds on a worker child's life, as the parent sees it.
const (
	readyLimit = time.Minute      // from its start to its "ready"
	stopGrace  = 20 * time.Second // from SIGTERM to SIGKILL
	killLimit  = 10 * time.Second // from SIGKILL to its exit
)

// worker is one worker child as the parent sees it.
type worker struct {
	id    string
	cmd   *exec.Cmd
	stdin io.WriteCloser // held open: its end tells the child the parent is gone

	ready  chan struct{} // closed when the child printed its "ready" line
	exited chan struct{} // closed when the child exited and was waited for

	// Set before exited is closed.
	waitErr    error
	startCPU   time.Duration // the child's CPU time when it was ready, from its "ready" line
	ok, failed int           // the child's "pushes" line
	reported   bool
}

// startWorker runs this program (self) as the worker child id, with env
// added to its environment. It does not wait for it to be ready.
func startWorker(self, id string, env []string) (*worker, error) {
	cmd := exec.Command(self, childArg)
	cmd.Env = append(append(os.Environ(), env...), envID+"="+id)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting worker %s: %w", id, err)
	}
	w := &worker{id: id, cmd: cmd, stdin: stdin, ready: make(chan struct{}), exited: make(chan struct{})}
	go w.follow(stdout)
	return w, nil
}

// follow reads the child's stdout to its end, then waits for the child:
// the pipe must be read out before Wait.
func (w *worker) follow(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	readySeen := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "ready ") && !readySeen:
			var ns int64
			fmt.Sscanf(line, "ready cpu=%d", &ns)
			w.startCPU = time.Duration(ns)
			readySeen = true
			close(w.ready)
		case strings.HasPrefix(line, "pushes "):
			if _, err := fmt.Sscanf(line, "pushes ok=%d failed=%d", &w.ok, &w.failed); err == nil {
				w.reported = true
			}
		}
	}
	w.waitErr = w.cmd.Wait()
	w.stdin.Close()
	close(w.exited)
}

// running reports whether the child has not exited yet.
func (w *worker) running() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// stop ends the child: SIGTERM, then SIGKILL if it has not exited after
// stopGrace. It returns an error if the child had to be killed, exited
// with an error, or never exited.
func (w *worker) stop() error {
	if !w.running() {
		return w.exitErr()
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.exited:
		return w.exitErr()
	case <-time.After(stopGrace):
	}
	w.cmd.Process.Kill()
	select {
	case <-w.exited:
		return fmt.Errorf("worker %s did not stop within %v of SIGTERM and was killed", w.id, stopGrace)
	case <-time.After(killLimit):
		return fmt.Errorf("worker %s (pid %d) did not exit even after SIGKILL", w.id, w.cmd.Process.Pid)
	}
}

// exitErr describes how an exited child ended, nil for a clean exit.
func (w *worker) exitErr() error {
	if w.waitErr != nil {
		return fmt.Errorf("worker %s: %w", w.id, w.waitErr)
	}
	return nil
}

// cpu is the child's user plus system time; valid once it exited.
func (w *worker) cpu() time.Duration {
	if w.running() {
		return 0
	}
	return childCPU(w.cmd.ProcessState)
}

// workerSet is the worker children of one trial.
type workerSet []*worker

// awaitReady waits until every child said it is ready, one of them exited,
// readyLimit passed or ctx ended.
func (ws workerSet) awaitReady(ctx context.Context) error {
	limit := time.NewTimer(readyLimit)
	defer limit.Stop()
	for _, w := range ws {
		select {
		case <-w.ready:
		case <-w.exited:
			return fmt.Errorf("worker %s exited before it was ready: %v", w.id, w.waitErr)
		case <-limit.C:
			return fmt.Errorf("worker %s was not ready within %v", w.id, readyLimit)
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return nil
}

// dead returns an error naming a child that exited while it should be
// working, or nil.
func (ws workerSet) dead() error {
	for _, w := range ws {
		if !w.running() {
			return fmt.Errorf("worker %s exited during the trial: %v", w.id, w.waitErr)
		}
	}
	return nil
}

// stopAll stops every child at once, and joins what went wrong.
func (ws workerSet) stopAll() error {
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() { errs[i] = w.stop() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// totals sums the children's CPU time, of which startCPU before they were
// ready, and their reported pushes; missing
// names the children that did not report (still running, or exited
// without their "pushes" line).
func (ws workerSet) totals() (cpu, startCPU time.Duration, ok, failed int, missing []string) {
	for _, w := range ws {
		if w.running() {
			missing = append(missing, w.id)
			continue
		}
		cpu += w.cpu()
		startCPU += w.startCPU
		if !w.reported {
			missing = append(missing, w.id)
			continue
		}
		ok += w.ok
		failed += w.failed
	}
	return cpu, startCPU, ok, failed, missing
}
