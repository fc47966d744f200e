// Command bench compares Push with the tools a customer would otherwise
// script — OpenSSH sftp and scp, rclone, curl — against a private OpenSSH
// sshd on loopback, and prints one table.
//
//	go run ./internal/bench            # full run: 1 GiB, setup x50, group, 64 at once, 4 GiB flatness
//	go run ./internal/bench -smoke     # small files, one round (CI)
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
//	go run ./internal/bench -wan           # full: 256 MiB, 4 RTTs x 3 windows = 12 rows + 4 snapshots, 5 rounds (about an hour)
//	go run ./internal/bench -wan -rtts 100 -windows 6M,0 -contenders sftp,push -rounds 3
//	go run ./internal/bench -smoke -wan    # 32 MiB, 0 and 50 ms, 3 MiB and unlimited, one round (CI)
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
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sftppush/sftppush/internal/sshdtest"
	"github.com/sftppush/sftppush/internal/wanproxy"
	"github.com/sftppush/sftppush/sftptest"
)

// remoteFolder is the folder, relative to the test user's home, that this
// run's uploads go to; the benchmark mounts a tmpfs on it. The home is
// shared by every run on the machine, so each run has a folder (and a
// mount) of its own: two runs at once neither shadow each other's mount
// nor empty each other's folder.
func remoteFolder() string { return fmt.Sprintf("bench-%d", os.Getpid()) }

type kind int

const (
	kindSingle   kind = iota // one file, one connection
	kindSetup                // a tiny file, pushed N times in a row, one connection each
	kindGroup                // several files over one connection
	kindParallel             // N pushes at once
)

// dataFile is one local file and the name it gets on the server.
type dataFile struct {
	local, remote string
	size          int64
	sum           [32]byte
}

type workload struct {
	name     string
	kind     kind
	files    []dataFile
	pushes   int  // setup: pushes in a row; parallel: pushes at once
	pushOnly bool // only Push takes part (the RSS flatness check)
	rounds   int

	// WAN mode
	only     []string         // when set, only these contenders take part
	link     *wanproxy.Config // the emulated link the uploads cross; nil: loopback
	snapshot bool             // the snapshot row: figures in ms, not MB/s
}

// bytes is what one run uploads.
func (w *workload) bytes() int64 {
	var n int64
	for _, f := range w.files {
		n += f.size
	}
	if w.kind == kindSetup || w.kind == kindParallel {
		n *= int64(w.pushes)
	}
	return n
}

// each turns a per-push command into the workload's batches.
func (w *workload) each(one func(files []dataFile, suffix string) *exec.Cmd) [][]*exec.Cmd {
	if w.pushOnly {
		return nil
	}
	switch w.kind {
	case kindSetup:
		var b [][]*exec.Cmd
		for i := 0; i < w.pushes; i++ {
			b = append(b, []*exec.Cmd{one(w.files, fmt.Sprintf("-%d", i))})
		}
		return b
	case kindParallel:
		var b []*exec.Cmd
		for i := 0; i < w.pushes; i++ {
			b = append(b, one(w.files, fmt.Sprintf("-%d", i)))
		}
		return [][]*exec.Cmd{b}
	}
	return [][]*exec.Cmd{{one(w.files, "")}}
}

// expected lists the remote names and sums a run must leave on the server.
func (w *workload) expected() map[string][32]byte {
	m := map[string][32]byte{}
	for _, f := range w.files {
		switch w.kind {
		case kindSetup, kindParallel:
			for i := 0; i < w.pushes; i++ {
				m[fmt.Sprintf("%s-%d", f.remote, i)] = f.sum
			}
		default:
			m[f.remote] = f.sum
		}
	}
	return m
}

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
	// file, and why a striped upload fell back to one session.
	sessions int
	fallback string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-child" {
		os.Exit(runChild(os.Args[2:]))
	}
	os.Exit(run())
}

func run() int {
	smoke := flag.Bool("smoke", false, "small files, one round: checks that every contender still works")
	rounds := flag.Int("rounds", 5, "rounds of each workload")
	size := flag.Int64("size", 1<<30, "size of the single-file workload, bytes")
	flat := flag.Int64("flat", 4<<30, "size of the Push-only RSS flatness run, bytes (0: skip)")
	setups := flag.Int("setups", 50, "pushes in a row in the setup workload")
	parallel := flag.Int("parallel", 64, "pushes at once in the parallel workload")
	parSize := flag.Int64("parsize", 16<<20, "file size in the parallel workload, bytes")
	only := flag.String("workloads", "", "comma-separated workloads to run (default all): single,setup,group,parallel,flat; with -wan: wan,snapshot")
	who := flag.String("contenders", "", "comma-separated contenders to run (default all): transport,sftp,sftp-tuned,scp,rclone,rclone-nohash,curl,push1 (-wan only),push")
	dataRoot := flag.String("data", "", "directory for the local files (default: a temp directory)")
	baseline := flag.String("baseline", "", "another build of this program (go build -o ... ./internal/bench at an older commit): adds its Push as the contender \"Push (baseline)\", for before/after figures in one run")
	wan := wanFlags()
	flag.Parse()
	if *smoke {
		*rounds, *size, *flat, *setups, *parallel, *parSize = 1, 4<<20, 0, 3, 4, 256<<10
		wan.smoke()
	}

	if ok, why := sshdtest.Available(); !ok {
		fmt.Println("bench: SKIP:", why)
		return 0
	}
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

	tb := sftptest.NewEnv()
	defer tb.Close()
	srv := sshdtest.Start(tb)
	e := &env{host: srv.Host, port: srv.Port, user: sshdtest.User, password: sshdtest.Password, smoke: *smoke}
	defer func() {
		for _, c := range e.closers {
			c.Close()
		}
	}()
	var err error
	if e.self, err = os.Executable(); err != nil {
		fmt.Println("bench:", err)
		return 1
	}
	if e.dataDir, err = os.MkdirTemp(*dataRoot, "sftppush-bench-"); err != nil {
		fmt.Println("bench:", err)
		return 1
	}
	defer os.RemoveAll(e.dataDir)

	e.folder = remoteFolder()
	e.remote = filepath.Join(srv.Home, e.folder)
	need := max(*size, *flat, *parSize*int64(*parallel), 64<<20)
	if wan.on {
		need = max(int64(wan.size), 64<<20)
	}
	tmpfsNote, unmount := mountTmpfs(tb, e.remote, need+need/4+(64<<20))
	defer unmount()

	e.curlConfig = filepath.Join(e.dataDir, "curl.conf")
	os.WriteFile(e.curlConfig, []byte(fmt.Sprintf("user = \"%s:%s\"\n", e.user, e.password)), 0o600)
	e.rcloneConfig = filepath.Join(e.dataDir, "rclone.conf")
	os.WriteFile(e.rcloneConfig, nil, 0o600)
	if _, err := exec.LookPath("rclone"); err == nil {
		out, err := exec.Command("rclone", "obscure", e.password).Output()
		if err != nil {
			fmt.Println("bench: rclone obscure:", err)
			return 1
		}
		e.rclonePass = strings.TrimSpace(string(out))
	}

	if *baseline != "" {
		contenders = append(contenders, pushContender("push-baseline", "Push (baseline)", *baseline, 0))
	}
	var workloads []*workload
	if wan.on {
		workloads = e.makeWANWorkloads(wan, *rounds)
	} else {
		workloads = e.makeWorkloads(*size, *flat, *setups, *parallel, *parSize, *rounds)
	}
	fmt.Printf("bench: %s; %s; remote folder: %s; load %s\n", machine(), runtime.Version(), tmpfsNote, loadavg())

	var rows []row
	bad := 0
	for _, w := range workloads {
		if *only != "" && !contains(strings.Split(*only, ","), w.name) {
			continue
		}
		var cs []contender
		for _, c := range contenders {
			if w.only != nil && !slices.Contains(w.only, c.id) {
				continue
			}
			if *who != "" && !contains(strings.Split(*who, ","), c.id) {
				continue
			}
			if c.plan(e, w) == nil || !installed(c.needs) {
				continue
			}
			cs = append(cs, c)
		}
		closeLink, err := e.across(w)
		if err != nil {
			fmt.Printf("bench: FAIL %s: starting the emulated link: %v\n", w.tag(), err)
			bad++
			continue
		}
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
		closeLink()
		for i, c := range cs {
			rows = append(rows, summarize(w, c.name, samples[i]))
		}
	}
	if wan.on {
		printWANTable(os.Stdout, rows, wanHead(wan, *rounds))
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

// gen writes a local file of n random bytes, dir/name under the data
// folder, to be uploaded as remote.
func (e *env) gen(dir, name, remote string, n int64) dataFile {
	d := filepath.Join(e.dataDir, dir)
	os.MkdirAll(d, 0o755)
	p := filepath.Join(d, name)
	return dataFile{local: p, remote: remote, size: n, sum: writeRandom(p, n)}
}

func (e *env) makeWorkloads(size, flat int64, setups, parallel int, parSize int64, rounds int) []*workload {
	mib := func(n float64) int64 { return int64(n * (1 << 20)) }
	scale := float64(1)
	if e.smoke {
		scale = 0.05
	}
	ws := []*workload{
		{name: "single", kind: kindSingle, rounds: rounds, files: []dataFile{e.gen("single", "big.bin", "big.bin", size)}},
		{name: "setup", kind: kindSetup, rounds: rounds, pushes: setups, files: []dataFile{e.gen("setup", "setup", "setup", 1024)}},
		{name: "group", kind: kindGroup, rounds: rounds, files: []dataFile{
			e.gen("group", "main.mp4", "main.mp4", mib(20*scale)),
			e.gen("group", "raw.webm", "raw.webm", mib(20*scale)),
			e.gen("group", "snapshot.jpg", "snapshot.jpg", 100<<10),
			e.gen("group", "filmstrip.jpg", "filmstrip.jpg", 600<<10),
		}},
		{name: "parallel", kind: kindParallel, rounds: rounds, pushes: parallel, files: []dataFile{e.gen("parallel", "c", "c", parSize)}},
	}
	if flat > 0 {
		ws = append(ws, &workload{name: "flat", kind: kindSingle, rounds: 1, pushOnly: true,
			files: []dataFile{e.gen("flat", "huge.bin", "huge.bin", flat)}})
	}
	return ws
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

// writeRandom writes n pseudo-random bytes (incompressible, fast to make) to
// path and returns their sha256.
func writeRandom(path string, n int64) [32]byte {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24), 's', 'f', 't', 'p'})
	buf := make([]byte, 1<<20)
	for left := n; left > 0; {
		k := min(left, int64(len(buf)))
		src.Read(buf[:k])
		h.Write(buf[:k])
		if _, err := f.Write(buf[:k]); err != nil {
			panic(err)
		}
		left -= k
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func fileSum(path string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, nil
}

func installed(tools []string) bool {
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			return false
		}
	}
	return true
}

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

func contains(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(strings.TrimSpace(l), s) {
			return true
		}
	}
	return false
}
