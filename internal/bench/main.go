// Command bench compares Push with the tools a customer would otherwise
// script — OpenSSH sftp and scp, rclone, curl — against a private OpenSSH
// sshd on loopback, and prints one table.
//
//	go run ./internal/bench            # full run: 1 GiB, setup x50, group, 64 at once, 4 GiB flatness
//	go run ./internal/bench -smoke     # small files, one round (CI)
//
// The group workload is the typical recording, pushed over one connection
// one file after another: main.mp4 20 MiB, raw.webm 5 MiB, snapshot.jpg
// 100 KiB, filmstrip.jpg 600 KiB (in the smoke run the two videos are a
// twentieth of that).
//
// With -wan it runs only the WAN rows instead (wan.go): for each
// round trip (-rtts) and server TCP window (-windows) an internal/wanproxy
// is put in front of the sshd, capped at -rate bytes/s per direction, and
// a -wansize file is uploaded by OpenSSH sftp (defaults), rclone
// --sftp-disable-hashcheck, Push with one session (MaxSessions 1: no
// striping) and Push; per RTT, unless -snapshot=false, a 100 KiB snapshot
// row (window unlimited) follows, uploaded by sftp and both Pushes. The
// table shows MB/s, how many sessions Push used, and Push's speed against
// sftp and against its own single session.
//
// Per RTT a group row (group.go) follows too: the recording group at a
// -groupwindow TCP window (6 MiB), uploaded by sftp, both Pushes and, with
// -baseline, the older build's Push. Its own table, after the WAN table,
// shows each one's ms, Push's time over sftp's and over the floor (the
// group's bytes at min(window/RTT, rate) plus 8 round trips for the TCP,
// SSH and SFTP start) — below 1 Push is faster — and under it Push's round
// trips per phase in its median round: connect, each file, close.
//
//	go run ./internal/bench -wan           # full: 256 MiB, 4 RTTs x 3 windows = 12 rows + 4 snapshots + 4 groups, 5 rounds (about an hour)
//	go run ./internal/bench -wan -rtts 100 -windows 6M,0 -contenders sftp,push -rounds 3
//	go run ./internal/bench -wan -workloads group -rtts 0,50,100,150 -rounds 5 -contenders sftp,push1,push
//	go run ./internal/bench -smoke -wan    # 32 MiB, 0 and 50 ms, 3 MiB and unlimited, the group at full size, one round (CI)
//
// It needs root (sshd switches to its test user; the remote folder,
// bench-<pid> in that user's home so that two runs at once do not collide,
// is a tmpfs mount, sized to hold the largest run's files: in WAN mode the
// -wansize file) and installs nothing: a missing tool is reported and its
// contender skipped. Contenders run in turns, A B C ... A B C ..., for
// -rounds rounds; every uploaded file's sha256 is checked on the server side.
// sshd is stopped by PID, the tmpfs unmounted and the folder removed at the
// end.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sftppush/sftppush/internal/sshdtest"
	"github.com/sftppush/sftppush/sftptest"
)

// remoteFolder is the folder, relative to the test user's home, that this
// run's uploads go to; the benchmark mounts a tmpfs on it. The home is
// shared by every run on the machine, so each run has a folder (and a
// mount) of its own: two runs at once neither shadow each other's mount
// nor empty each other's folder.
func remoteFolder() string { return fmt.Sprintf("bench-%d", os.Getpid()) }

// env is the benchmark's fixture: the sshd, its credentials, the folders.
type env struct {
	host, user, password string
	port                 int
	folder               string // the remote folder, relative to the test user's home
	remote               string // the remote folder's path on this machine
	dataDir              string
	self                 string // this program, for the Push child
	smoke                bool
	curlConfig           string
	rcloneConfig         string
	rclonePass           string
	seq                  int
	closers              []io.Closer
}

// sample is one run of one contender.
type sample struct {
	wall   time.Duration
	cpu    time.Duration // user + system, the whole process tree
	rss    int64         // bytes: the largest batch's summed peak RSS
	failed string

	// What the Push child reports: how many sessions wrote its first
	// file, why a striped upload fell back to one session, and with
	// -phases its first push's phases.
	sessions int
	fallback string
	phases   []phase
}

// main runs the benchmark, or, as "bench -child ...", the Push contender
// (child.go).
func main() {
	if len(os.Args) > 1 && os.Args[1] == "-child" {
		os.Exit(runChild(os.Args[2:]))
	}
	os.Exit(run())
}

// options are the program's flags.
type options struct {
	smoke            bool
	rounds           int
	size, flat       int64
	setups, parallel int
	parSize          int64
	only, who        string
	dataRoot         string
	baseline         string
	wan              *wanOptions
}

// parseFlags reads the command line; -smoke shrinks what it sets.
func parseFlags() *options {
	o := &options{}
	flag.BoolVar(&o.smoke, "smoke", false, "small files, one round: checks that every contender still works")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of each workload")
	flag.Int64Var(&o.size, "size", 1<<30, "size of the single-file workload, bytes")
	flag.Int64Var(&o.flat, "flat", 4<<30, "size of the Push-only RSS flatness run, bytes (0: skip)")
	flag.IntVar(&o.setups, "setups", 50, "pushes in a row in the setup workload")
	flag.IntVar(&o.parallel, "parallel", 64, "pushes at once in the parallel workload")
	flag.Int64Var(&o.parSize, "parsize", 16<<20, "file size in the parallel workload, bytes")
	flag.StringVar(&o.only, "workloads", "", "comma-separated workloads to run (default all): single,setup,group,parallel,flat; with -wan: wan,snapshot,group")
	flag.StringVar(&o.who, "contenders", "", "comma-separated contenders to run (default all): transport,sftp,sftp-tuned,scp,rclone,rclone-nohash,curl,push1 (-wan only),push")
	flag.StringVar(&o.dataRoot, "data", "", "directory for the local files (default: a temp directory)")
	flag.StringVar(&o.baseline, "baseline", "", "another build of this program (go build -o ... ./internal/bench at an older commit): adds its Push as the contender \"Push (baseline)\", for before/after figures in one run")
	o.wan = wanFlags()
	flag.Parse()
	if o.smoke {
		o.rounds, o.size, o.flat, o.setups, o.parallel, o.parSize = 1, 4<<20, 0, 3, 4, 256<<10
		o.wan.smoke()
	}
	return o
}

// run is the program: it starts the fixture, runs the workloads chosen
// and prints the table; it returns the exit code.
func run() int {
	o := parseFlags()
	if ok, why := sshdtest.Available(); !ok {
		fmt.Println("bench: SKIP:", why)
		return 0
	}
	reportMissing()
	tb := sftptest.NewEnv()
	defer tb.Close()
	e, tmpfsNote, cleanup, err := newEnv(tb, o)
	defer cleanup()
	if err != nil {
		fmt.Println("bench:", err)
		return 1
	}
	if o.baseline != "" {
		contenders = append(contenders, pushContender("push-baseline", "Push (baseline)", o.baseline, 0))
	}
	var workloads []*workload
	if o.wan.on {
		workloads = e.makeWANWorkloads(o.wan, o.rounds)
	} else {
		workloads = e.makeWorkloads(o.size, o.flat, o.setups, o.parallel, o.parSize, o.rounds)
	}
	fmt.Printf("bench: %s; %s; remote folder: %s; load %s\n", machine(), runtime.Version(), tmpfsNote, loadavg())

	var rows []row
	bad := 0
	for _, w := range workloads {
		if o.only != "" && !contains(strings.Split(o.only, ","), w.name) {
			continue
		}
		r, b := e.runWorkload(w, e.contendersFor(w, o.who))
		rows, bad = append(rows, r...), bad+b
	}
	if o.wan.on {
		printWAN(os.Stdout, rows, o.wan, o.rounds)
	} else {
		printTable(os.Stdout, rows)
	}
	fmt.Printf("\nload average at the end: %s\n", loadavg())
	if bad > 0 {
		fmt.Printf("bench: %d failed runs\n", bad)
		return 1
	}
	return 0
}

// reportMissing says which tools are not installed: their contenders are
// skipped.
func reportMissing() {
	var missing []string
	for _, tool := range []string{"ssh", "sftp", "scp", "sshpass", "rclone", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		fmt.Printf("bench: not installed, their contenders are skipped: %s (Debian: apt-get install %s)\n",
			strings.Join(missing, " "), debPackages(missing))
	}
}

// newEnv starts the private sshd and makes the fixture: the local data
// folder, the remote folder's tmpfs, the tools' configurations. cleanup,
// never nil, undoes what was made, also when err is not nil.
func newEnv(tb sftptest.TB, o *options) (e *env, tmpfsNote string, cleanup func(), err error) {
	srv := sshdtest.Start(tb)
	e = &env{host: srv.Host, port: srv.Port, user: sshdtest.User, password: sshdtest.Password, smoke: o.smoke}
	var undo []func()
	cleanup = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	undo = append(undo, func() {
		for _, c := range e.closers {
			c.Close()
		}
	})
	if e.self, err = os.Executable(); err != nil {
		return e, "", cleanup, err
	}
	if e.dataDir, err = os.MkdirTemp(o.dataRoot, "sftppush-bench-"); err != nil {
		return e, "", cleanup, err
	}
	undo = append(undo, func() { os.RemoveAll(e.dataDir) })

	e.folder = remoteFolder()
	e.remote = filepath.Join(srv.Home, e.folder)
	need := max(o.size, o.flat, o.parSize*int64(o.parallel), 64<<20)
	if o.wan.on {
		need = max(int64(o.wan.size), 64<<20)
	}
	tmpfsNote, unmount := mountTmpfs(tb, e.remote, need+need/4+(64<<20))
	undo = append(undo, unmount)

	e.curlConfig = filepath.Join(e.dataDir, "curl.conf")
	os.WriteFile(e.curlConfig, []byte(fmt.Sprintf("user = \"%s:%s\"\n", e.user, e.password)), 0o600)
	e.rcloneConfig = filepath.Join(e.dataDir, "rclone.conf")
	os.WriteFile(e.rcloneConfig, nil, 0o600)
	if _, err := exec.LookPath("rclone"); err == nil {
		out, err := exec.Command("rclone", "obscure", e.password).Output()
		if err != nil {
			return e, tmpfsNote, cleanup, fmt.Errorf("rclone obscure: %w", err)
		}
		e.rclonePass = strings.TrimSpace(string(out))
	}
	return e, tmpfsNote, cleanup, nil
}

// installed reports whether every one of the tools is on PATH.
func installed(tools []string) bool {
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			return false
		}
	}
	return true
}

// debPackages names the Debian packages that install the tools.
func debPackages(tools []string) string {
	pkg := map[string]string{"ssh": "openssh-client", "sftp": "openssh-client", "scp": "openssh-client",
		"sshpass": "sshpass", "rclone": "rclone", "curl": "curl"}
	seen := map[string]bool{}
	var out []string
	for _, t := range tools {
		if p := pkg[t]; !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// contains reports whether list holds s, ignoring case and spaces
// around the list's entries.
func contains(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(strings.TrimSpace(l), s) {
			return true
		}
	}
	return false
}
