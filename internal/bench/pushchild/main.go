// Command pushchild is a minimal Push child for the comparison program's
// -baseline flag, built at an older commit to measure "before" beside
// "after" in one run. It speaks the child protocol of internal/bench
// (bench -child push -host H -port P -user U -folder F [-repeat N]
// [-parallel K] local[=remote] ..., the password in BENCH_PASSWORD) and uses
// only API every commit since the destination policy has, so it
// builds there unchanged:
//
//	git worktree add /tmp/before <commit>
//	mkdir -p /tmp/before/internal/bench
//	cp -r internal/bench/pushchild /tmp/before/internal/bench/
//	(cd /tmp/before && go build -o /tmp/push-before ./internal/bench/pushchild)
//	go run ./internal/bench -wan -baseline /tmp/push-before ...
//
// It reports "sessions 1" (older commits write over one session) and its
// peak RSS, like the bench's own child. Its push loop repeats that child's
// on purpose: it is copied into older trees, where internal/bench is not.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sftppush/sftppush"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv("BENCH_PASSWORD"), os.Stdout, os.Stderr))
}

// run is the program with its arguments (after the program name), the
// password and its outputs; it returns the exit code.
func run(args []string, password string, stdout, stderr io.Writer) int {
	if len(args) < 1 || args[0] != "-child" {
		fmt.Fprintln(stderr, "pushchild: run by internal/bench -baseline, as: pushchild -child push ...")
		return 2
	}
	fs := flag.NewFlagSet("child", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "")
	port := fs.Int("port", 0, "")
	user := fs.String("user", "", "")
	folder := fs.String("folder", "", "")
	repeat := fs.Int("repeat", 1, "")
	parallel := fs.Int("parallel", 1, "")
	fs.Int("sessions", 0, "ignored: older commits write over one session")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() == 0 || fs.Arg(0) != "push" {
		fmt.Fprintln(stderr, "pushchild: want 'push'")
		return 2
	}
	creds := sftppush.Credentials{Host: *host, Port: *port, Username: *user, Password: password, Folder: *folder}
	// As internal/bench's pushConfig: loopback allowed, one minute to connect.
	p := sftppush.New(sftppush.Config{ConnectTimeout: time.Minute,
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})

	var mu sync.Mutex
	failed := 0
	push := func(suffix string) {
		var g sftppush.Group
		for i, f := range fs.Args()[1:] {
			local, remote, _ := strings.Cut(f, "=")
			if remote == "" {
				remote = filepath.Base(local)
			}
			file := sftppush.File{Path: local, RemoteName: remote + suffix}
			if i == 0 {
				g.Main = file
			} else {
				g.Extras = append(g.Extras, file)
			}
		}
		g.RecordingID = "bench" + suffix
		res := p.Push(context.Background(), creds, g)
		// Every file must arrive; an extra's failure does not fail a push
		// (in older commits it set Err, here it sets the file's State).
		bad := res.Status != sftppush.StatusOK || res.Err != nil
		for _, f := range res.Files {
			bad = bad || f.State != sftppush.FileUploaded
		}
		if bad {
			mu.Lock()
			failed++
			fmt.Fprintf(stderr, "push%s: %s %s: %v\n", suffix, res.Status, res.Reason, res.Err)
			mu.Unlock()
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
	fmt.Fprintf(stdout, "peak-rss %d\nsessions 1\n", peakRSS())
	if failed > 0 {
		return 1
	}
	return 0
}

// peakRSS is this process's VmHWM in bytes.
func peakRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range bytes.Split(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(l, []byte("VmHWM:")); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			return kib << 10
		}
	}
	return 0
}
