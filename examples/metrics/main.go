// Command metrics shows package metrics end to end with no setup: it
// starts the embedded SFTP server on 127.0.0.1, pushes a few recordings
// through a Pusher whose Sink is a metrics.Sink (two that arrive, a wrong
// password, a missing folder, a missing local file), and serves the
// Prometheus metrics on http://127.0.0.1:9464/metrics, pushing again every
// few seconds so that rate() has something to show, until interrupted.
//
//	go run ./examples/metrics                       # serve on 127.0.0.1:9464
//	go run ./examples/metrics -addr 127.0.0.1:9100  # another port
//	go run ./examples/metrics -once                 # print the sftppush_ lines of one scrape and exit
//
// The pushes are summed up on standard error; with -once, standard output
// is the exposition text alone. It listens on loopback only: the page has
// no authentication.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/metrics"
	"github.com/sftppush/sftppush/sftptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "metrics:", err)
		os.Exit(1)
	}
}

// demoPassword is the embedded server's password. It is fixed so that the
// tests can check that it never shows.
const demoPassword = "metrics-demo-Pa55word"

// defaultAddr is where the demo serves /metrics: the port of OpenTelemetry's
// Prometheus exporter, free on most machines.
const defaultAddr = "127.0.0.1:9464"

// interval is how often the serving demo pushes again; the tests shorten it.
var interval = 5 * time.Second

// run is the program. ready, when not nil, is told the address served on.
func run(ctx context.Context, args []string, out, errOut io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("metrics", flag.ContinueOnError)
	fs.SetOutput(errOut)
	addr := fs.String("addr", defaultAddr, "address to serve /metrics on: 127.0.0.1 and a port (0: any free port)")
	once := fs.Bool("once", false, "print the sftppush_ lines of one scrape of /metrics and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() || !ap.Addr().IsLoopback() {
		return fmt.Errorf("-addr %q: want a loopback IPv4 address and a port, such as %s", *addr, defaultAddr)
	}
	if ap.Port() == 22 {
		return fmt.Errorf("-addr %q: port 22 is SSH's", *addr)
	}

	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewUnstartedServer(env)
	srv.Password = demoPassword
	srv.Start()
	srv.MkdirAll("/upload")
	fmt.Fprintf(errOut, "Embedded SFTP server on %s, user %q\n", srv.Addr, srv.Username)

	reg := prometheus.NewRegistry()
	ms, err := metrics.NewSink(reg)
	if err != nil {
		return err
	}
	cfg := srv.Config() // loopback allowed, the server's host key pinned
	cfg.Sink = ms
	d := &demo{p: sftppush.New(cfg), srv: srv, dir: env.TempDir(), log: errOut}
	if err := d.firstPushes(ctx); err != nil {
		return err
	}

	ln, err := net.Listen("tcp4", ap.String())
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	defer func() {
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shut)
		<-errc
	}()
	url := "http://" + ln.Addr().String() + "/metrics"
	if ready != nil {
		ready(ln.Addr())
	}

	if *once {
		return printScrape(ctx, url, out)
	}
	fmt.Fprintf(errOut, "Metrics at %s (Ctrl-C to stop); pushing again every %v\n", url, interval)
	t := time.NewTicker(interval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := d.again(ctx, n); err != nil {
				return err
			}
		}
	}
}

// demo pushes sample recordings to the embedded server.
type demo struct {
	p   *sftppush.Pusher
	srv *sftptest.Server
	dir string
	log io.Writer
}

// firstPushes makes the demo's first five attempts: two recordings that
// arrive, then a wrong password, a folder that does not exist and a
// recording whose main file is missing.
func (d *demo) firstPushes(ctx context.Context) error {
	rec1, err := d.recording("vs1700000000_abc", 4<<20, 3<<20, 40<<10)
	if err != nil {
		return err
	}
	rec2, err := d.recording("vs1700000100_def", 1<<20, 20<<10)
	if err != nil {
		return err
	}
	creds := d.srv.Credentials("/upload")
	wrong := creds
	wrong.Password = "not-" + demoPassword[:4]
	typo := d.srv.Credentials("/uploads")
	gone := sftppush.Group{RecordingID: "vs1700000200_ghi", Main: sftppush.File{Path: filepath.Join(d.dir, "vs1700000200_ghi.mp4")}}
	for _, push := range []struct {
		creds sftppush.Credentials
		g     sftppush.Group
	}{{creds, rec1}, {creds, rec2}, {wrong, rec2}, {typo, rec2}, {creds, gone}} {
		d.push(ctx, push.creds, push.g)
	}
	return ctx.Err()
}

// again pushes once more, a recording that arrives, and every third time
// one to a folder that does not exist.
func (d *demo) again(ctx context.Context, n int) error {
	g, err := d.recording(fmt.Sprintf("vs17%08d_live", n), 512<<10)
	if err != nil {
		return err
	}
	folder := "/upload"
	if n%3 == 0 {
		folder = "/uploads"
	}
	d.push(ctx, d.srv.Credentials(folder), g)
	return nil
}

func (d *demo) push(ctx context.Context, creds sftppush.Credentials, g sftppush.Group) {
	res := d.p.Push(ctx, creds, g)
	fmt.Fprintf(d.log, "push %-18s folder %-9s %-22s %-16s %9d bytes\n", g.RecordingID, creds.Folder, res.Status, res.Reason, res.Entry.BytesSent)
	if res.LogErr != nil {
		fmt.Fprintf(d.log, "  log: %v\n", res.LogErr)
	}
}

// recording writes a main file and extras of the given sizes into the
// demo's directory.
func (d *demo) recording(id string, mainSize int, extras ...int) (sftppush.Group, error) {
	write := func(name string, size int) (string, error) {
		b := make([]byte, size)
		rand.Read(b)
		p := filepath.Join(d.dir, name)
		return p, os.WriteFile(p, b, 0o644)
	}
	main, err := write(id+".mp4", mainSize)
	if err != nil {
		return sftppush.Group{}, err
	}
	g := sftppush.Group{RecordingID: id, Main: sftppush.File{Path: main}}
	for i, size := range extras {
		name := fmt.Sprintf("%s_%d.jpg", id, i)
		if i == 0 && len(extras) > 1 {
			name = id + "_raw.webm"
		}
		p, err := write(name, size)
		if err != nil {
			return sftppush.Group{}, err
		}
		g.Extras = append(g.Extras, sftppush.File{Path: p})
	}
	return g, nil
}

// printScrape GETs url, as Prometheus would, and prints its sftppush_
// lines (their HELP and TYPE comments too).
func printScrape(ctx context.Context, url string, out io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Close = true // leave no idle connection behind
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("GET " + url + ": " + resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "sftppush_") || strings.HasPrefix(line, "# HELP sftppush_") || strings.HasPrefix(line, "# TYPE sftppush_") {
			if _, err := fmt.Fprintln(out, line); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}
