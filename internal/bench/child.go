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
//	bench -child push -host H -port P -user U -folder F [-repeat N] [-parallel K] [-sessions S] local[=remote] ...
//
// -repeat pushes the group N times in a row, each remote name suffixed with
// "-i"; -parallel pushes K copies of the group at once, likewise suffixed;
// -sessions sets Config.MaxSessions.
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
	files := fs.Args()[1:]
	creds := sftppush.Credentials{Host: *host, Port: *port, Username: *user, Password: os.Getenv("BENCH_PASSWORD"), Folder: *folder}
	p := sftppush.New(pushConfig(*sessions))

	group := func(suffix string) sftppush.Group {
		var g sftppush.Group
		for i, f := range files {
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
		g.RecordingID = "bench" + suffix
		return g
	}
	var mu sync.Mutex
	failed := 0
	firstSessions := -1
	push := func(suffix string) {
		res := p.Push(context.Background(), creds, group(suffix))
		ok := res.Status == sftppush.StatusOK && allUploaded(res)
		mu.Lock()
		defer mu.Unlock()
		if len(res.Files) > 0 {
			if firstSessions < 0 {
				firstSessions = res.Files[0].Sessions
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
			failed++
			fmt.Fprintf(os.Stderr, "push%s: %s %s: %v\n", suffix, res.Status, res.Reason, res.Err)
		}
	}
	for r := 0; r < *repeat; r++ {
		if *parallel <= 1 {
			suffix := ""
			if *repeat > 1 {
				suffix = fmt.Sprintf("-%d", r)
			}
			push(suffix)
			continue
		}
		var wg sync.WaitGroup
		for k := 0; k < *parallel; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				push(fmt.Sprintf("-%d", k))
			}()
		}
		wg.Wait()
	}
	fmt.Printf("peak-rss %d\n", selfPeakRSS())
	fmt.Printf("sessions %d\n", max(firstSessions, 0))
	if failed > 0 {
		return 1
	}
	return 0
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
