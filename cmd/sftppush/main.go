package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/hostkey"
	"github.com/sftppush/sftppush/internal/textcap"
	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv(passwordEnv), os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the program: it returns the exit code. ctx ends on Ctrl-C.
func run(ctx context.Context, args []string, envPassword string, stdin, stdout, stderr *os.File) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage(""))
		return exitUsage
	}
	cmd := args[0]
	switch cmd {
	case "help", "-h", "-help", "--help":
		topic := ""
		if len(args) > 1 {
			topic = args[1]
		}
		fmt.Fprint(stdout, usage(topic))
		return exitOK
	case "check", "push":
	default:
		return fail(stderr, usagef("unknown command %q: want check or push", textcap.Runes(cmd, 40)))
	}
	o, err := parseArgs(cmd, args[1:])
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usage(cmd))
		return exitOK
	}
	if err != nil {
		return fail(stderr, err)
	}
	cfg, policy, err := o.config()
	if err != nil {
		return fail(stderr, err)
	}

	source, err := choosePassword(envPassword, term.IsTerminal(int(stdin.Fd())))
	if err != nil {
		return fail(stderr, err)
	}
	password := envPassword
	if source == fromPrompt {
		password, err = promptPassword(ctx, stdin, stderr, clean(o.user+"@"+o.host))
		if errors.Is(err, errInterrupted) {
			return exitInterrupt
		}
		if err != nil {
			return fail(stderr, err)
		}
	}
	s := newScrubber(password)
	creds := sftppush.Credentials{Host: o.host, Port: o.port, Username: o.user, Password: password, Folder: o.folder}

	var bar *progressBar
	if !o.json && !o.noProgress && term.IsTerminal(int(stderr.Fd())) {
		bar = newProgressBar(stderr, terminalWidth(stderr), o.remoteNames(s), s.text(clean(o.waitingFor())))
		cfg.Progress = bar.progress
	}
	stopBar, barDone := make(chan struct{}), make(chan struct{})
	if bar != nil {
		go bar.run(500*time.Millisecond, stopBar, barDone)
	} else {
		close(barDone)
	}

	p := sftppush.New(cfg)
	var res *sftppush.Result
	if cmd == "check" {
		res = p.Check(ctx, creds)
	} else {
		g := sftppush.Group{RecordingID: o.recordingID, Main: sftppush.File{Path: o.files[0]}}
		for _, f := range o.files[1:] {
			g.Extras = append(g.Extras, sftppush.File{Path: f})
		}
		res = p.Push(ctx, creds, g)
	}
	close(stopBar)
	<-barDone

	r := newReport(cmd, res, policy, s)
	if ctx.Err() != nil {
		r.ExitCode = exitInterrupt
	}
	if err := write(stdout, r, o.json); err != nil {
		fmt.Fprintln(stderr, "sftppush: writing the report:", err)
		return exitInternal
	}
	return r.ExitCode
}

// fail prints a usage error and returns its exit code.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "sftppush: %v\nRun 'sftppush help' for usage.\n", err)
	return exitUsage
}

// write prints r as the text report or as one line of JSON.
func write(w io.Writer, r report, asJSON bool) error {
	if !asJSON {
		return writeText(w, r)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// config turns the options into the library's Config and names its
// host-key policy.
func (o options) config() (sftppush.Config, string, error) {
	cfg := sftppush.Config{
		ConnectTimeout:      o.timeout,
		AllowNetworks:       o.allow,
		LegacyAlgorithms:    o.legacy,
		KeyboardInteractive: o.kbdInteract,
	}
	if len(o.knownHosts) == 0 {
		return cfg, policyAcceptAny, nil
	}
	files := make([]string, len(o.knownHosts))
	for i, f := range o.knownHosts {
		if rest, ok := strings.CutPrefix(f, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				f = filepath.Join(home, rest)
			}
		}
		files[i] = f
	}
	policy, err := hostkey.KnownHosts(files...)
	if err != nil {
		return cfg, "", usagef("--known-hosts: %v", err)
	}
	cfg.HostKeyPolicy = policy
	return cfg, policyKnownHosts, nil
}

// remoteNames are the names the files get on the server, for the progress
// line: their base names, as the library gives them.
func (o options) remoteNames(s scrubber) []string {
	var names []string
	for _, f := range o.files {
		names = append(names, s.text(clean(filepath.Base(f))))
	}
	return names
}

// waitingFor says what the progress line waits for before the first file.
func (o options) waitingFor() string {
	port := o.port
	if port == 0 {
		port = sftppush.DefaultPort
	}
	what := "connecting to "
	if o.cmd == "check" {
		what = "checking "
	}
	return what + o.host + ":" + strconv.Itoa(port)
}

// terminalWidth returns a function that reads the terminal's width now
// (it may be resized during a push); 0 when unknown.
func terminalWidth(f *os.File) func() int {
	return func() int {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil {
			return 0
		}
		return w
	}
}

// usage is the help text: the commands, the password, the flags, the exit
// codes.
func usage(topic string) string {
	var b bytes.Buffer
	b.WriteString(`sftppush tries a customer's SFTP server the way the service pushes to it,
and prints what happened and what to fix.

Usage:
  sftppush check --host HOST [--port PORT] --user USER --folder FOLDER [flags]
  sftppush push  --host HOST [--port PORT] --user USER --folder FOLDER [flags] MAIN [EXTRA...]
  sftppush help [check|push]

  check  logs in, starts SFTP, writes a small probe file into the folder,
         verifies its size and removes it: the "test connection" button.
  push   pushes the files as one recording over one connection: the main
         file first (it decides the status), then the extras.

  --to USER@HOST:PORT stands for --user, --host and --port together.
  Flags and files may come in any order; after -- everything is a file.

The password comes from the environment variable SFTPPUSH_PASSWORD or, when
that is unset and standard input is a terminal, from a prompt that does not
echo. It is never taken from the command line (--password is refused): ps
and the shell's history would show it. It never appears in the output.

The destination policy is the library's: loopback, private and other
reserved addresses are refused (SFTP_CONNECTION_TIMEOUT, blocked_by_policy)
unless --allow-network opens them. Any host key is accepted, and its
fingerprint printed, unless --known-hosts is given.

The report goes to standard output; --json prints one JSON object instead.
When standard error is a terminal, a progress line is drawn there while
connecting and, for push, per file with bytes, rate and time left; it is
erased before the report (none with --json or --no-progress).

Flags:
`)
	cmd := topic
	if cmd != "check" {
		cmd = "push"
	}
	var o options
	var to string
	fs := newFlagSet(cmd, &o, &to)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	b.WriteString("\n" + exitTable)
	return b.String()
}
