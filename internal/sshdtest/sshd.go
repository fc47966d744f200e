// Package sshdtest starts private OpenSSH sshd instances for tests and
// benchmarks: each on a free loopback port, with its own config file, host
// key, pid file and log in a temp directory, stopped by PID. It never touches
// port 22 or the system's ssh service.
//
// sshd must run as root (it switches to the logged-in user), and a test user
// with a password is created once, idempotently. Tests call Skip-worthy
// Available first: on a machine without sshd or without root they skip with
// its reason.
package sshdtest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// User and Password are the test account the servers log in. The home
// directory holds a writable "upload" folder.
const (
	User     = "sftppush-test"
	Password = "sftppush-Test-pw1"
)

// Available reports whether private sshd instances can be started here; if
// not, the reason says what is missing, in one line.
//
// Setting SFTPPUSH_SSHD=skip in the environment turns the OpenSSH tests off
// even where they could run.
func Available() (ok bool, reason string) {
	if os.Getenv("SFTPPUSH_SSHD") == "skip" {
		return false, "OpenSSH tests turned off (SFTPPUSH_SSHD=skip)"
	}
	if _, err := exec.LookPath(sshdPath()); err != nil {
		return false, "OpenSSH sshd not installed (apt-get install openssh-server)"
	}
	if os.Geteuid() != 0 {
		return false, "sshd tests need root (sshd switches to the test user)"
	}
	return true, ""
}

func sshdPath() string {
	if p, err := exec.LookPath("sshd"); err == nil {
		return p
	}
	return "/usr/sbin/sshd"
}

var userOnce sync.Once
var userErr error

// EnsureUser creates the test user with its password and an "upload" folder
// in its home, once per process; it is idempotent across runs. It returns the
// home directory.
func EnsureUser(t TB) string {
	t.Helper()
	userOnce.Do(func() { userErr = ensureUser() })
	if userErr != nil {
		t.Fatalf("sshdtest: creating user %s: %v", User, userErr)
	}
	u, err := user.Lookup(User)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	return u.HomeDir
}

func ensureUser() error {
	if _, err := user.Lookup(User); err != nil {
		if out, err := exec.Command("useradd", "--create-home", "--shell", "/bin/sh", User).CombinedOutput(); err != nil {
			return fmt.Errorf("useradd: %v: %s", err, out)
		}
	}
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(User + ":" + Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("chpasswd: %v: %s", err, out)
	}
	u, err := user.Lookup(User)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	up := filepath.Join(u.HomeDir, "upload")
	if err := os.MkdirAll(up, 0o755); err != nil {
		return err
	}
	return os.Chown(up, uid, gid)
}

// UIDGID returns the test user's numeric ids.
func UIDGID(t TB) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup(User)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// Server is one running sshd.
type Server struct {
	Addr string // "127.0.0.1:port"
	Host string // "127.0.0.1"
	Port int
	Dir  string // config, host key, pid file and log
	Home string // the test user's home directory

	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
	mu   sync.Mutex
}

// Start starts sshd with the base configuration (password login only,
// UsePAM no, Subsystem sftp internal-sftp) followed by the given
// sshd_config lines, e.g. "ForceCommand internal-sftp -P remove,rmdir" or
// a "Match User ..." block. Lines given later override nothing earlier in
// sshd (the first value of a keyword wins), so keywords set here are kept
// out of the base when they appear in lines. It is stopped on t.Cleanup.
func Start(t TB, lines ...string) *Server {
	t.Helper()
	home := EnsureUser(t)
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // privilege separation directory
		t.Fatalf("sshdtest: %v", err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	key := filepath.Join(dir, "ssh_host_ed25519_key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("sshdtest: ssh-keygen: %v: %s", err, out)
	}
	var lastErr error
	for try := 0; try < 5; try++ {
		s, err := start(dir, key, home, lines)
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		lastErr = err
	}
	t.Fatalf("sshdtest: starting sshd: %v", lastErr)
	return nil
}

func start(dir, key, home string, lines []string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 {
			set[strings.ToLower(f[0])] = true
		}
	}
	var cfg strings.Builder
	base := [][2]string{
		{"Port", strconv.Itoa(port)},
		{"ListenAddress", "127.0.0.1"},
		{"HostKey", key},
		{"PidFile", filepath.Join(dir, "sshd.pid")},
		{"UsePAM", "no"},
		{"PasswordAuthentication", "yes"},
		{"KbdInteractiveAuthentication", "no"},
		{"PubkeyAuthentication", "no"},
		{"PermitRootLogin", "no"},
		{"StrictModes", "no"},
		{"AllowUsers", User},
		{"MaxStartups", "200"},
		{"MaxSessions", "10"},
		{"LogLevel", "VERBOSE"},
		{"Subsystem", "sftp internal-sftp"},
	}
	// Global keywords first; "Match" blocks, which run to the end of the
	// file, come last.
	var match []string
	for _, l := range lines {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(l)), "match ") || len(match) > 0 {
			match = append(match, l)
			continue
		}
		cfg.WriteString(l + "\n")
	}
	for _, kv := range base {
		if !set[strings.ToLower(kv[0])] {
			fmt.Fprintf(&cfg, "%s %s\n", kv[0], kv[1])
		}
	}
	for _, l := range match {
		cfg.WriteString(l + "\n")
	}
	conf := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(conf, []byte(cfg.String()), 0o644); err != nil {
		return nil, err
	}
	if out, err := exec.Command(sshdPath(), "-t", "-f", conf).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("sshd -t: %v: %s\n%s", err, out, cfg.String())
	}
	// -D: stay in the foreground, so the process is ours to stop; -e: log to
	// stderr. The config path must be absolute: sshd re-executes itself for
	// every connection and a relative -f would not be found.
	cmd := exec.Command(sshdPath(), "-D", "-e", "-f", conf)
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Host: "127.0.0.1", Port: port, Dir: dir, Home: home,
		cmd: cmd, done: make(chan struct{}), log: new(bytes.Buffer)}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	listening := make(chan struct{})
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			if strings.Contains(line, "Server listening on") {
				once.Do(func() { close(listening) })
			}
		}
		cmd.Wait()
	}()
	select {
	case <-listening:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("sshd exited: %s", s.Log())
	case <-time.After(10 * time.Second):
		s.Stop()
		return nil, fmt.Errorf("sshd did not start listening within 10s: %s", s.Log())
	}
}

// Stop kills sshd and every process it started (sshd puts each connection's
// processes in a session of their own, so they are found by parentage), and
// waits for it. It is idempotent.
func (s *Server) Stop() {
	if s.cmd.Process == nil {
		return
	}
	pids := Descendants(s.cmd.Process.Pid)
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	<-s.done
}

// Descendants returns the ids of every live process below pid, children
// first. It reads /proc.
func Descendants(pid int) []int {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name is in parentheses and may hold spaces.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			parent[p] = pp
		}
	}
	var out []int
	frontier := []int{pid}
	for len(frontier) > 0 {
		var next []int
		for p, pp := range parent {
			for _, f := range frontier {
				if pp == f {
					next = append(next, p)
				}
			}
		}
		out = append(out, next...)
		frontier = next
	}
	return out
}

// Log returns what sshd has logged so far.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// PID returns sshd's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

func freePort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// TB is the part of testing.TB this package uses; *testing.T and
// *testing.B satisfy it, and so does sftptest.Env for programs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}
