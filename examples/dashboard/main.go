// Command dashboard is the customer's SFTP page of the product: the form
// with the five credentials (host, port, username, password, folder) and
// the library's own validation beside each field, "Test connection"
// (sftppush.Pusher.Check: the status, the reason and what to fix), "Save",
// "Remove credentials" (with the account's pending pushes, and its logs
// when asked), and the SFTP log table. It listens on 127.0.0.1 only.
//
//	go run ./examples/dashboard -demo              # an embedded SFTP server to test against; prints what to type
//	go run ./examples/dashboard                    # public servers only, data in the temp directory
//	go run ./examples/dashboard -db sftp.sqlite -account acme -port 8080
//
// Everything is in one SQLite file (modernc.org/sqlite, pure Go): the
// saved credentials, the log table (package sqlstore) and the durable
// queue of pushes (package riverpush, whose workers run in this process).
//
// The page is plain HTML forms rendered on the server with html/template;
// it has no script, and its Content-Security-Policy forbids any. The
// password is never written into a page: see the README's "The
// customer's SFTP page".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/examples/internal/webserve"
	"github.com/sftppush/sftppush/sftptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

// defaultDB is where the page keeps its data without -db (and without
// -demo, which uses a fresh file each run).
var defaultDB = filepath.Join(os.TempDir(), "sftppush-dashboard.sqlite")

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "start an embedded SFTP server to test against, and keep the data in a fresh temporary file")
	dbPath := fs.String("db", "", "SQLite file of the credentials, the logs and the queue (default "+defaultDB+"; with -demo a temporary one)")
	account := fs.String("account", "acme", "the account the page shows when the URL names none (?account=...)")
	port := fs.Int("port", 0, "port on 127.0.0.1 (0: any free port)")
	allow := fs.String("allow", "", "comma-separated IPv4 networks the destination policy lets through, e.g. 127.0.0.0/8 for a local server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *port < 0 || *port > 65535 {
		return fmt.Errorf("-port %d: want 0 to 65535", *port)
	}
	var push sftppush.Config
	for _, s := range strings.Split(*allow, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("-allow: %w", err)
		}
		push.AllowNetworks = append(push.AllowNetworks, p)
	}

	path := *dbPath
	if *demo {
		env := sftptest.NewEnv()
		defer env.Close()
		srv := startDemoServer(env, out)
		// Loopback allowed, the embedded server's host key trusted (and
		// no other server's).
		allowed := push.AllowNetworks
		push = srv.Config()
		push.AllowNetworks = append(push.AllowNetworks, allowed...)
		if path == "" {
			path = filepath.Join(env.TempDir(), "dashboard.sqlite")
		}
	}
	if path == "" {
		path = defaultDB
	}

	d, err := open(ctx, options{DB: path, Account: *account, Push: push})
	if err != nil {
		return err
	}
	defer func() {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		d.close(stop)
	}()
	if err := d.start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           d.app.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // a Check may take its connect limit and more
		IdleTimeout:       time.Minute,
	}
	fmt.Fprintf(out, "Data: SQLite file %s\n", path)
	fmt.Fprintf(out, "The SFTP page of account %q: http://%s/?account=%s (Ctrl-C to stop)\n", *account, ln.Addr(), url.QueryEscape(*account))
	return webserve.Serve(ctx, srv, ln)
}

// newDemoServer starts the embedded SFTP server with a folder to push
// into, /upload, and a read-only one, /readonly.
func newDemoServer(t sftptest.TB) *sftptest.Server {
	srv := sftptest.NewUnstartedServer(t)
	srv.Faults.ReadOnly = []string{"/readonly"}
	srv.Start()
	srv.MkdirAll("/upload")
	srv.MkdirAll("/readonly")
	return srv
}

// startDemoServer starts the demo's server and prints what to type into
// the form.
func startDemoServer(env *sftptest.Env, out io.Writer) *sftptest.Server {
	srv := newDemoServer(env)
	c := srv.Credentials("/upload")
	fmt.Fprintf(out, "Embedded SFTP server on %s. Type into the form:\n", srv.Addr)
	fmt.Fprintf(out, "  SFTP Host      %s\n", c.Host)
	fmt.Fprintf(out, "  Port           %d\n", c.Port)
	fmt.Fprintf(out, "  SFTP Username  %s\n", c.Username)
	// The embedded server's own password, made up at its start: the demo
	// prints it so that it can be typed. The page never shows it.
	fmt.Fprintf(out, "  SFTP Password  %s\n", c.Password)
	fmt.Fprintf(out, "  SFTP Folder    %s\n", c.Folder)
	fmt.Fprintln(out, "Then try a wrong password (SFTP_LOGIN_FAILED), the folder /missing (INCORRECT_SFTP_FOLDER) or /readonly (UPLOAD_FAILED, permission_denied).")
	return srv
}
