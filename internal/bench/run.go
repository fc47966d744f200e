package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// contendersFor lists the contenders that take part in w: those the
// workload admits, who names (all when empty), and whose tools are
// installed.
func (e *env) contendersFor(w *workload, who string) []contender {
	var cs []contender
	for _, c := range contenders {
		if w.only != nil && !slices.Contains(w.only, c.id) {
			continue
		}
		if who != "" && !contains(strings.Split(who, ","), c.id) {
			continue
		}
		if c.plan(e, w) == nil || !installed(c.needs) {
			continue
		}
		cs = append(cs, c)
	}
	return cs
}

// runWorkload runs the contenders in turns for the workload's rounds,
// across its emulated link if it has one, and returns a row per contender
// and how many runs failed.
func (e *env) runWorkload(w *workload, cs []contender) (rows []row, bad int) {
	closeLink, err := e.across(w)
	if err != nil {
		fmt.Printf("bench: FAIL %s: starting the emulated link: %v\n", w.tag(), err)
		return nil, 1
	}
	defer closeLink()
	e.cleanRemote()
	samples := make([][]sample, len(cs))
	for r := 0; r < w.rounds; r++ {
		for i, c := range cs {
			s := e.runOnce(c, w)
			if s.failed != "" {
				fmt.Printf("bench: FAIL %s / %s round %d: %s\n", w.tag(), c.name, r+1, s.failed)
				bad++
			}
			samples[i] = append(samples[i], s)
			fmt.Fprintf(os.Stderr, "  %s / %-32s round %d: %8.1f ms%s\n", w.tag(), c.name, r+1, ms(s.wall), s.note())
		}
	}
	for i, c := range cs {
		rows = append(rows, summarize(w, c.name, samples[i]))
	}
	return rows, bad
}

// runOnce runs one contender once on one workload and checks every file it
// should have left on the server by its sha256, then empties the folder.
func (e *env) runOnce(c contender, w *workload) sample {
	defer e.cleanRemote()
	batches := c.plan(e, w)
	var s sample
	start := time.Now()
	for _, b := range batches {
		var outs []*strings.Builder
		for _, cmd := range b {
			o := new(strings.Builder)
			cmd.Stdout, cmd.Stderr = o, o
			outs = append(outs, o)
			if err := cmd.Start(); err != nil {
				s.failed = err.Error()
				return s
			}
		}
		var pids []int
		for _, cmd := range b {
			pids = append(pids, cmd.Process.Pid)
		}
		sampler := startSampler(pids, 20*time.Millisecond)
		var reported int64
		for i, cmd := range b {
			err := cmd.Wait()
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				s.cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			out := outs[i].String()
			reported += childInt(out, "peak-rss")
			s.sessions = max(s.sessions, int(childInt(out, "sessions")))
			if fb, ok := childLine(out, "fallback"); ok && s.fallback == "" {
				s.fallback = fb
			}
			if s.phases == nil {
				s.phases = childPhases(out)
			}
			if err != nil && s.failed == "" {
				s.failed = fmt.Sprintf("%s: %v: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(outs[i].String()))
			}
		}
		s.rss = max(s.rss, sampler.total(), reported)
	}
	s.wall = time.Since(start)
	if s.failed != "" || c.name == contenders[0].name {
		return s // the transport limit discards what it sends
	}
	for name, sum := range w.expected() {
		got, err := fileSum(filepath.Join(e.remote, name))
		if err != nil {
			s.failed = "check: " + err.Error()
			break
		}
		if got != sum {
			s.failed = fmt.Sprintf("check: %s: sha256 %x, want %x", name, got[:8], sum[:8])
			break
		}
	}
	return s
}

// note is what the progress line adds to a run's time: the Push child's
// report.
func (s sample) note() string {
	n := ""
	if s.sessions > 0 {
		n = fmt.Sprintf(", sessions %d", s.sessions)
	}
	if s.fallback != "" {
		n += ", fell back to one: " + s.fallback
	}
	return n
}

// cleanRemote empties the remote folder, so the tmpfs never holds more than
// one run's files.
func (e *env) cleanRemote() {
	ents, _ := os.ReadDir(e.remote)
	for _, d := range ents {
		os.RemoveAll(filepath.Join(e.remote, d.Name()))
	}
}
