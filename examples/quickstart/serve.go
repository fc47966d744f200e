package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sftppush/sftppush/sftptest"
)

// serve starts the embedded server on 127.0.0.1 with a folder /upload and
// a sample recording on local disk, prints the command lines that try it
// with cmd/sftppush (check, then push), calls ready (when not nil), and
// stays up until ctx ends.
//
// It prints the demo server's password on purpose: it is the password of
// a throwaway server on loopback, fixed in this file, and the command line
// must carry it in SFTPPUSH_PASSWORD, the way the tool takes passwords.
func serve(ctx context.Context, out io.Writer, ready func()) error {
	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewUnstartedServer(env)
	srv.Password = demoPassword
	srv.Banner = "sftppush quickstart: an embedded SFTP server for trying things out.\r\n"
	srv.Start()
	srv.MkdirAll("/upload")

	g, remove, err := sampleRecording()
	if err != nil {
		return err
	}
	defer remove()

	common := fmt.Sprintf("--host %s --port %d --user %s --folder /upload --allow-network 127.0.0.0/8", srv.Host, srv.Port, srv.Username)
	files := []string{shellQuote(g.Main.Path)}
	for _, f := range g.Extras {
		files = append(files, shellQuote(f.Path))
	}
	fmt.Fprintf(out, "Embedded SFTP server on %s, user %q, password %q; files land in %s\n\n", srv.Addr, srv.Username, srv.Password, srv.Path("/upload"))
	fmt.Fprintf(out, "Try it with the command-line tool, from the repository's root:\n\n")
	fmt.Fprintf(out, "  SFTPPUSH_PASSWORD=%s go run ./cmd/sftppush check %s\n\n", srv.Password, common)
	fmt.Fprintf(out, "Push a sample recording (%d files, the main file first):\n\n", len(files))
	fmt.Fprintf(out, "  SFTPPUSH_PASSWORD=%s go run ./cmd/sftppush push %s --recording-id %s %s\n\n", srv.Password, common, g.RecordingID, strings.Join(files, " "))
	fmt.Fprintf(out, "Change --folder to /uploads, or the password, to see a failure. Ctrl-C stops the server.\n")
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
