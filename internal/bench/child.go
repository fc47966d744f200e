package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sftppush/sftppush"
)

// pushConfig is the one place the benchmark builds the library's Config, so
// that a new default (a destination policy that blocks loopback, a host-key
// policy) is a one-line change here.
//
// The connect timeout is raised from the product's 10 s: the benchmark's
// sshd shares the client's cores, and 64 logins at once (each a yescrypt
// password check in sshd) take longer than that here. The command-line
// tools have no connect timeout at all.
//
// maxSessions is Config.MaxSessions: 0 for the library's default, 1 for
// no striping (the WAN mode's "Push, 1 session").
func pushConfig(maxSessions int) sftppush.Config {
	return sftppush.Config{
		ConnectTimeout: time.Minute,
		// The private sshd listens on loopback, which the destination
		// policy refuses by default.
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		MaxSessions:   maxSessions,
	}
}

// runChild is the Push contender, run as a child process of the benchmark so
// that its CPU time and peak RSS are measured exactly like the command-line
// tools' (wait4's rusage). It pushes groups and exits non-zero if any push is
// not OK. The password comes from the environment, not the command line.
//
//	bench -child push -host H -port P -user U -folder F [-repeat N] [-parallel K] [-sessions S] [-phases] local[=remote] ...
//
// -repeat pushes the group N times in a row, each remote name suffixed with
// "-i"; -parallel pushes K copies of the group at once, likewise suffixed;
// -sessions sets Config.MaxSessions; -phases reports the first push's
// phases (phases.go).
//
// At exit it prints "peak-rss N" (its VmHWM in bytes) and "sessions N" (how
// many sessions wrote the first push's main file) on stdout, and on stderr
// "fallback WHY" for each push whose striped upload fell back to one
// session; childInt and childLine read them back.
func runChild(args []string) int {
	fs := flag.NewFlagSet("child", flag.ExitOnError)
	host := fs.String("host", "127.0.0.1", "")
	port := fs.Int("port", 0, "")
	user := fs.String("user", "", "")
	folder := fs.String("folder", "", "")
	repeat := fs.Int("repeat", 1, "")
	parallel := fs.Int("parallel", 1, "")
	sessions := fs.Int("sessions", 0, "")
	phases := fs.Bool("phases", false, "")
	fs.Parse(args)
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		// For finding where Push's CPU goes: go tool pprof <binary> <path>.
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if fs.NArg() == 0 || fs.Arg(0) != "push" {
		fmt.Fprintln(os.Stderr, "bench -child: want 'push'")
		return 2
	}
	c := &child{files: fs.Args()[1:], firstSessions: -1,
		creds: sftppush.Credentials{Host: *host, Port: *port, Username: *user, Password: os.Getenv("BENCH_PASSWORD"), Folder: *folder}}
	if *repeat > 1 || *parallel > 1 {
		c.first = "-0"
	}
	cfg := pushConfig(*sessions)
	if *phases {
		c.clock = newPhaseClock(recordingID(c.first))
		cfg.Progress = c.clock.progress
	}
	c.p = sftppush.New(cfg)
	for r := 0; r < *repeat; r++ {
		if *parallel <= 1 {
			suffix := ""
			if *repeat > 1 {
				suffix = fmt.Sprintf("-%d", r)
			}
			c.push(suffix)
			continue
		}
		var wg sync.WaitGroup
		for k := 0; k < *parallel; k++ {
			wg.Go(func() { c.push(fmt.Sprintf("-%d", k)) })
		}
		wg.Wait()
	}
	fmt.Printf("peak-rss %d\n", selfPeakRSS())
	fmt.Printf("sessions %d\n", max(c.firstSessions, 0))
	if c.failed > 0 {
		return 1
	}
	return 0
}

// child is the Push child's pushes: what they upload and where, and what
// they report.
type child struct {
	p     *sftppush.Pusher
	creds sftppush.Credentials
	files []string    // local[=remote], the main file first
	first string      // the first push's suffix
	clock *phaseClock // with -phases: times the first push

	mu            sync.Mutex
	failed        int
	firstSessions int // -1 until a push has reported
}

// recordingID is the recording ID of the push whose remote names have
// suffix.
func recordingID(suffix string) string { return "bench" + suffix }

// group is the push's group, each remote name suffixed.
func (c *child) group(suffix string) sftppush.Group {
	var g sftppush.Group
	for i, f := range c.files {
		local, remote, _ := strings.Cut(f, "=")
		if remote == "" {
			remote = baseName(local)
		}
		file := sftppush.File{Path: local, RemoteName: remote + suffix}
		if i == 0 {
			g.Main = file
		} else {
			g.Extras = append(g.Extras, file)
		}
	}
	g.RecordingID = recordingID(suffix)
	return g
}

// push pushes the group once, with suffix, and records the outcome.
func (c *child) push(suffix string) {
	start := time.Now()
	res := c.p.Push(context.Background(), c.creds, c.group(suffix))
	end := time.Now()
	ok := res.Status == sftppush.StatusOK && allUploaded(res)
	c.mu.Lock()
	defer c.mu.Unlock()
	if suffix == c.first && c.clock != nil {
		c.clock.report(os.Stdout, res, start, end)
	}
	if len(res.Files) > 0 {
		if c.firstSessions < 0 {
			c.firstSessions = res.Files[0].Sessions
		}
		if err := res.Files[0].StripeErr; err != nil {
			fb := err.Error()
			if suffix != "" {
				fb += " (push" + suffix + ")"
			}
			fmt.Fprintf(os.Stderr, "fallback %s\n", fb)
		}
	}
	if !ok {
		c.failed++
		fmt.Fprintf(os.Stderr, "push%s: %s %s: %v\n", suffix, res.Status, res.Reason, res.Err)
	}
}

// baseName is the last element of a slash-separated path.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// childLine finds the Push child's first output line that starts with key
// and a space, and returns the rest of it.
func childLine(out, key string) (string, bool) {
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, key+" "); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}

// childInt reads a number the Push child reported as "key N"; 0 when it
// did not.
func childInt(out, key string) int64 {
	rest, _ := childLine(out, key)
	n, _ := strconv.ParseInt(rest, 10, 64)
	return n
}

// allUploaded reports whether every file of the push arrived: an extra's
// failure does not fail a push, but a benchmark run with one is void.
func allUploaded(res *sftppush.Result) bool {
	for _, f := range res.Files {
		if f.State != sftppush.FileUploaded {
			return false
		}
	}
	return true
}
