package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sftppush/sftppush"
)

// options is what the command line asked for. It never holds the password:
// that comes from the environment or the prompt (password.go).
type options struct {
	cmd         string // "check" or "push"
	host        string
	port        int
	user        string
	folder      string
	recordingID string
	files       []string // push: the main file, then the extras

	json        bool
	noProgress  bool
	timeout     time.Duration
	allow       []netip.Prefix
	knownHosts  []string
	legacy      bool
	kbdInteract bool
}

// usageError is a mistake on the command line: exit code 2, and the
// message on standard error.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errHelp asks for the help text (-h, --help): printed on standard output,
// exit code 0.
var errHelp = errors.New("help requested")

// errPasswordFlag is the refusal of a password on the command line. It
// names no value: the value is never read.
var errPasswordFlag = &usageError{"the password is not taken from the command line, where ps and the shell's history show it: " +
	"set " + passwordEnv + " (e.g. read -rs " + passwordEnv + " && export " + passwordEnv + "), or leave it unset to be asked for it"}

// passwordFlagNames are the flags refused before parsing, whatever their value.
var passwordFlagNames = map[string]bool{"password": true, "passwd": true, "pass": true, "pw": true}

// refusePasswordFlag reports whether args hold a password flag (-password,
// --password=..., --pass and the like) before a "--". It runs before the
// flag package sees the arguments, so the value is never parsed, stored
// or echoed in an error.
func refusePasswordFlag(args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if i := strings.IndexByte(name, '='); i >= 0 {
			name = name[:i]
		}
		if passwordFlagNames[strings.ToLower(name)] {
			return errPasswordFlag
		}
	}
	return nil
}

// newFlagSet defines the flags of cmd into o.
func newFlagSet(cmd string, o *options, to *string) *flag.FlagSet {
	fs := flag.NewFlagSet("sftppush "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once, by main, with a hint
	fs.StringVar(&o.host, "host", "", "the server's host name or IPv4 address, exactly as the customer typed it")
	fs.IntVar(&o.port, "port", 0, "the server's SSH port (default 22)")
	fs.StringVar(&o.user, "user", "", "the username, case-sensitive")
	fs.StringVar(&o.folder, "folder", "", "the remote folder, e.g. /upload (relative paths start at the login folder)")
	fs.StringVar(to, "to", "", "short for --user, --host and --port: `USER@HOST:PORT` (USER@ and :PORT optional)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object instead of the report (see the package doc for its fields)")
	fs.BoolVar(&o.noProgress, "no-progress", false, "draw no progress line on standard error, even on a terminal")
	fs.DurationVar(&o.timeout, "timeout", sftppush.DefaultConnectTimeout, "the connect limit: DNS, TCP, SSH handshake, login and SFTP start together")
	fs.Func("allow-network", "open the IPv4 network `CIDR` to the destination policy, although it is private or local, e.g. 127.0.0.0/8 (repeatable)", func(s string) error {
		p, err := parsePrefix(s)
		if err == nil {
			o.allow = append(o.allow, p)
		}
		return err
	})
	fs.Func("known-hosts", "verify the server's host key against this OpenSSH known_hosts `FILE` (repeatable); without it any key is accepted and its fingerprint printed", func(s string) error {
		o.knownHosts = append(o.knownHosts, s)
		return nil
	})
	fs.BoolVar(&o.legacy, "legacy-algorithms", false, "also offer the old algorithms x/crypto calls insecure (CBC, SHA-1), as Config.LegacyAlgorithms")
	fs.BoolVar(&o.kbdInteract, "keyboard-interactive", false, "also log in by keyboard-interactive, as Config.KeyboardInteractive")
	if cmd == "push" {
		fs.StringVar(&o.recordingID, "recording-id", "", "push only: the recording's ID, for the report and the log entry")
	}
	return fs
}

// parsePrefix reads an IPv4 network; a bare address is that address alone.
func parsePrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return netip.PrefixFrom(a, 32), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, errors.New("want an IPv4 network such as 127.0.0.0/8 or 10.1.2.3/32")
	}
	return p.Masked(), nil
}

// parseArgs reads the arguments after the subcommand. Flags and
// arguments may come in any order ("push rec.mp4 --host h"); after "--"
// everything is an argument.
func parseArgs(cmd string, args []string) (options, error) {
	o := options{cmd: cmd}
	if err := refusePasswordFlag(args); err != nil {
		return o, err
	}
	var to string
	fs := newFlagSet(cmd, &o, &to)
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return o, errHelp
			}
			return o, &usageError{err.Error()}
		}
		left := fs.Args()
		if consumed := args[:len(args)-len(left)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			rest = append(rest, left...)
			break
		}
		if len(left) == 0 {
			break
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if to != "" {
		if err := o.applyTo(to, set); err != nil {
			return o, err
		}
	}
	return o, o.complete(rest)
}

// applyTo fills host, user and port from --to USER@HOST:PORT. A field
// given twice, by --to and by its own flag, is a mistake.
func (o *options) applyTo(to string, set map[string]bool) error {
	const want = "--to wants USER@HOST:PORT (USER@ and :PORT optional), e.g. pipe@sftp.example.com:2222"
	user, hostport, hasUser := cutLast(to, "@")
	if !hasUser {
		user, hostport = "", to
	}
	if strings.Contains(user, ":") {
		// user:password@host: refuse without repeating any of it.
		return errPasswordFlag
	}
	host, portText, hasPort := cutLast(hostport, ":")
	if !hasPort {
		host = hostport
	}
	if host == "" || (hasUser && user == "") {
		return &usageError{want}
	}
	if hasUser {
		if set["user"] {
			return usagef("--to names the user and so does --user: give one")
		}
		o.user = user
	}
	if set["host"] {
		return usagef("--to names the host and so does --host: give one")
	}
	o.host = host
	if hasPort {
		p, err := strconv.Atoi(portText)
		if err != nil || p < 1 || p > 65535 {
			return &usageError{want + ": the port is a number from 1 to 65535"}
		}
		if set["port"] {
			return usagef("--to names the port and so does --port: give one")
		}
		o.port = p
	}
	return nil
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// complete checks what the flags left out and takes the arguments.
func (o *options) complete(args []string) error {
	var missing []string
	if o.host == "" {
		missing = append(missing, "--host (or --to)")
	}
	if o.user == "" {
		missing = append(missing, "--user")
	}
	if o.folder == "" {
		missing = append(missing, "--folder")
	}
	if len(missing) > 0 {
		return usagef("missing %s", strings.Join(missing, ", "))
	}
	if o.timeout <= 0 {
		return usagef("--timeout must be positive, e.g. 10s")
	}
	switch o.cmd {
	case "check":
		if len(args) > 0 {
			return usagef("check takes no file arguments (got %d); did you mean push?", len(args))
		}
	case "push":
		if len(args) == 0 {
			return usagef("push needs at least one file: the main file first, then the extras")
		}
		o.files = args
	}
	return nil
}
