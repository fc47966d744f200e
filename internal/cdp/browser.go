package cdp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"golang.org/x/net/websocket"
)

// Browser is a headless Chromium started by Launch. Its methods are safe
// for concurrent use.
type Browser struct {
	cmd    *exec.Cmd
	dir    string // the profile, HOME and TMPDIR of the browser
	stderr *tail
	conn   *conn

	closeOnce sync.Once
	closeErr  error
}

// origin is the Origin the websocket handshake sends (x/net/websocket
// always sends one); Chromium refuses DevTools connections from origins it
// was not told to allow.
const origin = "http://127.0.0.1"

var listeningRE = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// Launch starts the Chromium binary bin headless, with a fresh profile,
// remote debugging on a free loopback port, and the extra command-line
// flags args; it connects to the browser and returns once it is ready.
// ctx bounds the start only. Close the Browser when done, also when a test
// fails: that is what ends its processes.
func Launch(ctx context.Context, bin string, args ...string) (*Browser, error) {
	dir, err := os.MkdirTemp("", "cdp-chromium-")
	if err != nil {
		return nil, fmt.Errorf("cdp: %w", err)
	}
	for _, sub := range []string{"profile", "home", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("cdp: %w", err)
		}
	}
	flags := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-default-apps", "--password-store=basic",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--remote-allow-origins=" + origin,
		"--user-data-dir=" + filepath.Join(dir, "profile"),
	}
	cmd := exec.Command(bin, append(append(flags, args...), "about:blank")...)
	// Whatever the browser writes outside its profile (NSS's database in
	// HOME, its singleton socket in TMPDIR) lands in dir too.
	cmd.Env = append(os.Environ(), "HOME="+filepath.Join(dir, "home"), "TMPDIR="+filepath.Join(dir, "tmp"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "home", ".config"), "XDG_CACHE_HOME="+filepath.Join(dir, "home", ".cache"))
	setGroup(cmd)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cdp: %w", err)
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cdp: starting %s: %w", bin, err)
	}
	b := &Browser{cmd: cmd, dir: dir, stderr: newTail(pipe)}

	wsURL, err := b.stderr.find(ctx, listeningRE)
	if err == nil {
		b.conn, err = dial(ctx, wsURL)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("%w\nchromium's stderr:\n%s", err, b.stderr.String())
	}
	return b, nil
}

func dial(ctx context.Context, wsURL string) (*conn, error) {
	cfg, err := websocket.NewConfig(wsURL, origin)
	if err != nil {
		return nil, fmt.Errorf("cdp: %w", err)
	}
	ws, err := cfg.DialContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("cdp: connecting to %s: %w", wsURL, err)
	}
	return newConn(ws), nil
}

// PID returns the process ID of the browser, which is also the ID of the
// process group holding every process it started.
func (b *Browser) PID() int { return b.cmd.Process.Pid }

// Dir returns the temporary directory holding the browser's profile, HOME
// and TMPDIR; Close removes it.
func (b *Browser) Dir() string { return b.dir }

// Stderr returns the last lines the browser wrote to its standard error,
// for a failing test's message.
func (b *Browser) Stderr() string { return b.stderr.String() }

// Close asks the browser to quit, then kills what is left of its process
// group, waits until none of its processes remains, and removes its
// directory. It may be called more than once; later calls return the
// first one's result.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() {
		if b.conn != nil {
			// A browser that quits by itself removes what it keeps
			// outside the profile; the kill below is for one that does
			// not in time. Its standard error ends when every process
			// of it has exited.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			b.conn.call(ctx, "", "Browser.close", nil, nil)
			select {
			case <-b.stderr.eof:
			case <-ctx.Done():
			}
			cancel()
			b.conn.ws.Close()
		}
		pid := b.cmd.Process.Pid
		killGroup(pid)
		select {
		case <-b.stderr.eof:
		case <-time.After(10 * time.Second): // a process outside the group holds the pipe
		}
		b.cmd.Wait() // a killed browser's exit status says only that
		err := waitGroupGone(pid, 10*time.Second)
		b.closeErr = errors.Join(err, os.RemoveAll(b.dir))
	})
	return b.closeErr
}

// tail keeps the last lines of a stream and finds the first line matching
// a pattern.
type tail struct {
	mu    sync.Mutex
	lines []string
	found map[*regexp.Regexp]chan string
	eof   chan struct{}
}

const tailLines = 60

func newTail(r io.Reader) *tail {
	t := &tail{found: map[*regexp.Regexp]chan string{}, eof: make(chan struct{})}
	go func() {
		defer close(t.eof)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			t.mu.Lock()
			t.lines = append(t.lines, line)
			if len(t.lines) > tailLines {
				t.lines = t.lines[len(t.lines)-tailLines:]
			}
			for re, ch := range t.found {
				if m := re.FindStringSubmatch(line); m != nil {
					ch <- m[1]
					delete(t.found, re)
				}
			}
			t.mu.Unlock()
		}
		io.Copy(io.Discard, r) // a line too long for the scanner: keep the pipe flowing
	}()
	return t
}

// find waits for the first line matching re, among those kept and those
// to come, and returns its first submatch.
func (t *tail) find(ctx context.Context, re *regexp.Regexp) (string, error) {
	ch := make(chan string, 1)
	t.mu.Lock()
	for _, l := range t.lines {
		if m := re.FindStringSubmatch(l); m != nil {
			t.mu.Unlock()
			return m[1], nil
		}
	}
	t.found[re] = ch
	t.mu.Unlock()
	select {
	case s := <-ch:
		return s, nil
	case <-t.eof:
		select {
		case s := <-ch:
			return s, nil
		default:
		}
		return "", errors.New("cdp: chromium exited before its DevTools endpoint was up")
	case <-ctx.Done():
		return "", fmt.Errorf("cdp: waiting for chromium's DevTools endpoint: %w", ctx.Err())
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var s string
	for _, l := range t.lines {
		s += l + "\n"
	}
	return s
}
