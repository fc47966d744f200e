// Command wanbench measures uploads across emulated long links: it starts
// a private OpenSSH sshd on a free loopback port, puts a wanproxy in front
// of it for each round trip and TCP window asked for, and uploads one file
// with OpenSSH sftp, rclone (if installed) and Push, each checked by
// sha256. It prints a Markdown table of MB/s with Push's ratio to sftp.
//
//	go run ./internal/wanbench                          # the full table: 256 MiB, 12 rows (long)
//	go run ./internal/wanbench -size 64M -rtt 100 -window 3M,0
//
// It needs root (sshd switches to its test user), sshd, sftp and sshpass;
// it says what is missing and installs nothing. The remote folder is a
// tmpfs when mounting one is allowed, so the server's disk is out of the
// measurement. sshd is stopped by PID and the tmpfs unmounted at the end.
//
// This is the WAN mode meant for the comparison program of issue 5; it
// stands alone until that program can take it in.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/internal/sftptest"
	"github.com/sftppush/sftppush/internal/sshdtest"
	"github.com/sftppush/sftppush/internal/wanproxy"
)

func main() {
	var (
		sizeFlag   = flag.String("size", "256M", "file size (K, M, G suffixes are powers of 1024)")
		rttFlag    = flag.String("rtt", "0,50,100,150", "round trips in ms, comma-separated")
		winFlag    = flag.String("window", "3M,6M,0", "emulated TCP receive windows toward the server, 0 = unlimited")
		rateFlag   = flag.Float64("rate", 125e6, "bandwidth cap in bytes/s per direction, 0 = none (125e6 = 1 Gbit/s)")
		rounds     = flag.Int("rounds", 1, "rounds per row; the table shows the median")
		contenders = flag.String("contenders", "sftp,rclone,push1,push", "which uploads to run, in turn")
	)
	flag.Parse()
	size, err := parseSize(*sizeFlag)
	check(err)
	var rtts []time.Duration
	for _, f := range strings.Split(*rttFlag, ",") {
		ms, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		check(err)
		rtts = append(rtts, time.Duration(ms*float64(time.Millisecond)))
	}
	var windows []int64
	for _, f := range strings.Split(*winFlag, ",") {
		w, err := parseSize(f)
		check(err)
		windows = append(windows, w)
	}
	want := strings.Split(*contenders, ",")

	if ok, why := sshdtest.Available(); !ok {
		fail(why)
	}
	for _, tool := range []string{"sftp", "sshpass"} {
		if slices.Contains(want, "sftp") {
			if _, err := exec.LookPath(tool); err != nil {
				fail(tool + " not installed (apt-get install openssh-client sshpass)")
			}
		}
	}
	if slices.Contains(want, "rclone") {
		if _, err := exec.LookPath("rclone"); err != nil {
			logf("rclone not installed: skipped (apt-get install rclone)")
			want = slices.DeleteFunc(want, func(s string) bool { return s == "rclone" })
		}
	}

	env := sftptest.NewEnv()
	defer env.Close()
	srv := sshdtest.Start(env)
	b := &bench{srv: srv, size: size}
	b.setup(env)
	logf("sshd on %s, remote folder %s (%s), file %d bytes, sha256 %x", srv.Addr, b.remoteDir, b.tmpfs, size, b.sum[:8])

	var rows []row
	for _, rtt := range rtts {
		for _, w := range windows {
			r := row{rtt: rtt, window: w, mbps: map[string]float64{}}
			p, err := wanproxy.Start(srv.Addr, wanproxy.Config{RTT: rtt, Rate: *rateFlag, Window: int(w)})
			check(err)
			runs := map[string][]float64{}
			for range *rounds {
				for _, c := range want {
					secs, sessions, err := b.run(c, p)
					if err != nil {
						logf("%v %s %s: %v", rtt, winName(w), c, err)
						continue
					}
					mbps := float64(size) / secs / 1e6
					runs[c] = append(runs[c], mbps)
					if c == "push" {
						r.sessions = sessions
					}
					logf("%v W=%s %-6s %7.1f MB/s (%.2fs)", rtt, winName(w), c, mbps, secs)
				}
			}
			p.Close()
			for c, v := range runs {
				slices.Sort(v)
				r.mbps[c] = v[len(v)/2]
			}
			rows = append(rows, r)
		}
	}
	printTable(os.Stdout, rows, want, size, *rateFlag, *rounds)
}

// bench is the server side and the data of a run.
type bench struct {
	srv       *sshdtest.Server
	size      int64
	local     string   // the file to upload
	sum       [32]byte // its sha256
	remoteDir string   // relative to the test user's home
	tmpfs     string   // says whether the remote folder is a tmpfs
	seq       int
}

func (b *bench) setup(env *sftptest.Env) {
	b.remoteDir = fmt.Sprintf("wanbench-%d", os.Getpid())
	abs := filepath.Join(b.srv.Home, b.remoteDir)
	check(os.MkdirAll(abs, 0o755))
	env.Cleanup(func() { os.RemoveAll(abs) })
	b.tmpfs = "on disk: mounting a tmpfs failed"
	opts := fmt.Sprintf("size=%d", b.size+64<<20)
	if err := syscall.Mount("tmpfs", abs, "tmpfs", 0, opts); err == nil {
		b.tmpfs = "tmpfs"
		env.Cleanup(func() { syscall.Unmount(abs, syscall.MNT_DETACH) })
	}
	uid, gid := sshdtest.UIDGID(env)
	check(os.Chown(abs, uid, gid))

	b.local = filepath.Join(env.TempDir(), "data.bin")
	f, err := os.Create(b.local)
	check(err)
	h := sha256.New()
	rng := rand.NewChaCha8([32]byte{7})
	_, err = io.CopyN(io.MultiWriter(f, h), rng, b.size)
	check(err)
	check(f.Close())
	copy(b.sum[:], h.Sum(nil))
}

// run uploads the file once with contender c through proxy p and returns
// the wall time and, for Push, how many sessions wrote the file. The
// upload counts only if the remote file's sha256 matches.
func (b *bench) run(c string, p *wanproxy.Proxy) (secs float64, sessions int, err error) {
	b.seq++
	name := fmt.Sprintf("%s-%d.bin", c, b.seq)
	remote := filepath.Join(b.srv.Home, b.remoteDir, name)
	defer os.Remove(remote)
	port := strings.TrimPrefix(p.Addr, "127.0.0.1:")
	start := time.Now()
	switch c {
	case "sftp":
		batch := filepath.Join(os.TempDir(), fmt.Sprintf("wanbench-%d.batch", os.Getpid()))
		check(os.WriteFile(batch, []byte(fmt.Sprintf("put %s %s/%s\n", b.local, b.remoteDir, name)), 0o600))
		defer os.Remove(batch)
		err = command("sshpass", "-e", "sftp", "-q", "-P", port, "-o", "BatchMode=no",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
			"-b", batch, sshdtest.User+"@127.0.0.1")
	case "rclone":
		var obscured []byte
		obscured, err = exec.Command("rclone", "obscure", sshdtest.Password).Output()
		if err != nil {
			return 0, 0, err
		}
		start = time.Now()
		err = command("rclone", "--config", "/dev/null", "-q", "copyto", b.local, ":sftp:"+b.remoteDir+"/"+name,
			"--sftp-host", "127.0.0.1", "--sftp-port", port, "--sftp-user", sshdtest.User,
			"--sftp-pass", strings.TrimSpace(string(obscured)), "--sftp-disable-hashcheck")
	case "push", "push1":
		// The private sshd is on loopback, which the destination policy
		// refuses by default.
		cfg := sftppush.Config{AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
		if c == "push1" {
			cfg.MaxSessions = 1
		}
		pt, _ := strconv.Atoi(port)
		res := sftppush.New(cfg).Push(context.Background(),
			sftppush.Credentials{Host: "127.0.0.1", Port: pt, Username: sshdtest.User, Password: sshdtest.Password, Folder: b.remoteDir},
			sftppush.Group{RecordingID: name, Main: sftppush.File{Path: b.local, RemoteName: name}})
		if res.Status != sftppush.StatusOK {
			return 0, 0, fmt.Errorf("%s/%s: %v", res.Status, res.Reason, res.Err)
		}
		sessions = res.Files[0].Sessions
		if fb := res.Files[0].Fallback; fb != "" {
			logf("fell back: %s", fb)
		}
	default:
		return 0, 0, fmt.Errorf("unknown contender %q", c)
	}
	secs = time.Since(start).Seconds()
	if err != nil {
		return 0, 0, err
	}
	if err := b.verify(remote); err != nil {
		return 0, 0, err
	}
	return secs, sessions, nil
}

func (b *bench) verify(remote string) error {
	f, err := os.Open(remote)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if [32]byte(h.Sum(nil)) != b.sum {
		return fmt.Errorf("sha256 mismatch on %s", remote)
	}
	return nil
}

func command(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "SSHPASS="+sshdtest.Password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

type row struct {
	rtt      time.Duration
	window   int64
	mbps     map[string]float64
	sessions int
}

var titles = map[string]string{"sftp": "OpenSSH `sftp`", "rclone": "rclone", "push1": "Push, 1 session", "push": "Push"}

func printTable(w io.Writer, rows []row, cols []string, size int64, rate float64, rounds int) {
	fmt.Fprintf(w, "\n%s file, bandwidth cap %s, median of %d; MB/s, and Push's ratio to sftp and to its own single session.\n\n",
		sizeName(size), rateName(rate), rounds)
	fmt.Fprint(w, "| RTT | TCP window |")
	for _, c := range cols {
		fmt.Fprintf(w, " %s |", titles[c])
	}
	fmt.Fprintln(w, " Push sessions | Push / sftp | Push / 1 session |")
	fmt.Fprint(w, "|---|---|")
	for range cols {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w, "---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d ms | %s |", r.rtt.Milliseconds(), winName(r.window))
		for _, c := range cols {
			if v, ok := r.mbps[c]; ok {
				fmt.Fprintf(w, " %.1f |", v)
			} else {
				fmt.Fprint(w, " - |")
			}
		}
		fmt.Fprintf(w, " %d | %s | %s |\n", r.sessions, ratio(r.mbps["push"], r.mbps["sftp"]), ratio(r.mbps["push"], r.mbps["push1"]))
	}
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func winName(w int64) string {
	if w == 0 {
		return "unlimited"
	}
	return sizeName(w)
}

func sizeName(n int64) string {
	switch {
	case n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func rateName(r float64) string {
	if r == 0 {
		return "none"
	}
	return fmt.Sprintf("%.0f Mbit/s", r*8/1e6)
}

// parseSize reads "256M", "3M", "512K", "1G" or a plain byte count.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for suffix, m := range map[string]int64{"K": 1 << 10, "M": 1 << 20, "G": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "wanbench: "+format+"\n", args...)
}

func fail(why string) {
	logf("%s", why)
	os.Exit(2)
}

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}
