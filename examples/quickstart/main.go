// Command quickstart shows sftppush end to end with no setup: it starts the
// embedded SFTP server on 127.0.0.1, makes a sample recording (a few-MB main
// file, the raw recording, a snapshot and a filmstrip), pushes it, shows a
// push that fails (a wrong folder), and prints the log entries as a table.
// It also keeps the entries in an SQLite file (sqlstore.Store) and prints
// the command that shows them in a browser.
//
//	go run ./examples/quickstart
//
// With -serve it only starts the embedded server, with a sample recording
// on disk, prints the command lines that try it with the command-line tool
// (cmd/sftppush), and stays up until interrupted:
//
//	go run ./examples/quickstart -serve
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
	"github.com/sftppush/sftppush/sqlstore"

	_ "modernc.org/sqlite" // SQLite in pure Go, registered as "sqlite"
)

// logDB is the SQLite file the entries are kept in; examples/logviewer reads
// it by default. Tests point it elsewhere.
var logDB = filepath.Join(os.TempDir(), "sftppush-quickstart.sqlite")

func main() {
	serveOnly := flag.Bool("serve", false, "only start the embedded server, print how to try it with cmd/sftppush, and stay up until interrupted")
	flag.Parse()
	var err error
	if *serveOnly {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = serve(ctx, os.Stdout, nil)
		stop()
	} else {
		err = run(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// demoPassword is the embedded server's password. It is fixed so that the
// test can check that it never shows in the output.
const demoPassword = "quickstart-Pa55word"

func run(out io.Writer) error {
	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewUnstartedServer(env)
	srv.Password = demoPassword
	srv.Start()
	srv.MkdirAll("/upload")
	fmt.Fprintf(out, "Embedded SFTP server on %s, user %q, files land in %s\n\n", srv.Addr, srv.Username, srv.Path("/upload"))

	g, remove, err := sampleRecording()
	if err != nil {
		return err
	}
	defer remove()

	ctx := context.Background()
	// WAL lets the viewer read while pushes write; the busy timeout lets
	// processes share the file.
	db, err := sql.Open("sqlite", "file:"+logDB+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := sqlstore.New(ctx, db, sqlstore.Options{})
	if err != nil {
		return err
	}

	var sink sftptest.MemorySink
	p := sftppush.New(sftppush.Config{
		Sink: sftppush.MultiSink(&sink, store), ConnectTimeout: 10 * time.Second,
		// The embedded server is on loopback, which pushes may not reach
		// by default: strangers must not reach the service's own machine.
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	creds := sftppush.Credentials{
		Host: srv.Host, Port: srv.Port,
		Username: srv.Username, Password: srv.Password,
		Folder: "/upload",
	}

	res := p.Push(ctx, creds, g)
	logErr := res.LogErr // the store's error, if any
	fmt.Fprintf(out, "Push 1: %s (reason %s)\n", res.Status, res.Reason)
	for _, f := range res.Files {
		fmt.Fprintf(out, "  %-32s %-10s %9d bytes\n", f.Remote, f.State, f.Bytes)
	}

	bad := creds
	bad.Folder = "/uploads" // a typo: the folder does not exist
	res = p.Push(ctx, bad, g)
	fmt.Fprintf(out, "Push 2: %s (reason %s)\n  %v\n\n", res.Status, res.Reason, res.Err)

	if err := errors.Join(logErr, res.LogErr); err != nil {
		return err
	}

	fmt.Fprintln(out, "SFTP logs:")
	if err := writeTable(out, sink.Entries()); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nThe entries are also kept in %s; to see them in a browser:\n  go run ./examples/logviewer -db %s\n", logDB, logDB)
	return nil
}

// sampleRecording writes a recording's four files into a new temporary
// directory; remove deletes it.
func sampleRecording() (g sftppush.Group, remove func(), err error) {
	dir, err := os.MkdirTemp("", "sftppush-quickstart-")
	if err != nil {
		return g, nil, err
	}
	g, err = sampleRecordingIn(dir)
	if err != nil {
		os.RemoveAll(dir)
		return g, nil, err
	}
	return g, func() { os.RemoveAll(dir) }, nil
}

// sampleRecordingIn writes a recording's four files into dir.
func sampleRecordingIn(dir string) (sftppush.Group, error) {
	files := []struct {
		name string
		size int
	}{
		{"vs1700000000_abc.mp4", 4 << 20},
		{"vs1700000000_abc_raw.webm", 3 << 20},
		{"vs1700000000_abc.jpg", 40 << 10},
		{"vs1700000000_abc_filmstrip.jpg", 200 << 10},
	}
	var paths []string
	for _, f := range files {
		b := make([]byte, f.size)
		rand.Read(b)
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return sftppush.Group{}, err
		}
		paths = append(paths, p)
	}
	g := sftppush.Group{RecordingID: "vs1700000000_abc", Main: sftppush.File{Path: paths[0]}}
	for _, p := range paths[1:] {
		g.Extras = append(g.Extras, sftppush.File{Path: p})
	}
	return g, nil
}

// writeTable prints log entries as the product's SFTP log table.
func writeTable(out io.Writer, entries []sftppush.LogEntry) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RECORDING ID\tDATE & TIME (UTC)\tSFTP DETAILS\tFILE(S)\tSTATUS\tREASON")
	for _, e := range entries {
		details := fmt.Sprintf("%s / %s / %s / SFTP:%d", e.Host, e.Username, e.Folder, e.Port)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.RecordingID, e.Time.Format("2006-01-02 15:04:05"),
			details, strings.Join(e.Files, ", "), e.Status, e.Reason)
	}
	return tw.Flush()
}
