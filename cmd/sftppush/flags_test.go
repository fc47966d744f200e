package main

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Flags and files in any order, "--" ending the flags, --to filling host,
// user and port.
func TestParseArgs(t *testing.T) {
	base := []string{"--host", "h.example.com", "--user", "pipe", "--folder", "/upload"}
	for _, tc := range []struct {
		name string
		cmd  string
		args []string
		want options
	}{
		{"check", "check", base, options{cmd: "check", host: "h.example.com", user: "pipe", folder: "/upload", timeout: 10 * time.Second}},
		{"files between flags", "push", []string{"a.mp4", "--host", "h", "b.jpg", "--user", "u", "--folder", "f", "c.jpg"},
			options{cmd: "push", host: "h", user: "u", folder: "f", files: []string{"a.mp4", "b.jpg", "c.jpg"}, timeout: 10 * time.Second}},
		{"after --, files", "push", append(append([]string{}, base...), "--", "--json", "a.mp4"),
			options{cmd: "push", host: "h.example.com", user: "pipe", folder: "/upload", files: []string{"--json", "a.mp4"}, timeout: 10 * time.Second}},
		{"--to", "check", []string{"--to", "pipe@sftp.example.com:2222", "--folder", "/upload"},
			options{cmd: "check", host: "sftp.example.com", user: "pipe", port: 2222, folder: "/upload", timeout: 10 * time.Second}},
		{"--to without user and port", "check", []string{"--to", "sftp.example.com", "--user", "pipe", "--folder", "/upload"},
			options{cmd: "check", host: "sftp.example.com", user: "pipe", folder: "/upload", timeout: 10 * time.Second}},
		{"--to user with @", "check", []string{"--to", "me@corp@sftp.example.com", "--folder", "/upload"},
			options{cmd: "check", host: "sftp.example.com", user: "me@corp", folder: "/upload", timeout: 10 * time.Second}},
		{"every flag", "push", append(append([]string{}, base...), "--port", "2022", "--json", "--no-progress", "--timeout", "3s",
			"--allow-network", "127.0.0.0/8", "--allow-network", "10.1.2.3", "--known-hosts", "kh", "--legacy-algorithms",
			"--keyboard-interactive", "--recording-id", "rec_1", "a.mp4"),
			options{cmd: "push", host: "h.example.com", port: 2022, user: "pipe", folder: "/upload", recordingID: "rec_1",
				files: []string{"a.mp4"}, json: true, noProgress: true, timeout: 3 * time.Second,
				allow:      []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.1.2.3/32")},
				knownHosts: []string{"kh"}, legacy: true, kbdInteract: true}},
		{"host as typed, not split", "check", []string{"--host", "sftp://h.example.com", "--user", "u", "--folder", "/"},
			options{cmd: "check", host: "sftp://h.example.com", user: "u", folder: "/", timeout: 10 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseArgs(tc.cmd, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Every mistake is a usage error that says what to do.
func TestParseArgsErrors(t *testing.T) {
	base := []string{"--host", "h", "--user", "u", "--folder", "/upload"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	for _, tc := range []struct {
		name string
		cmd  string
		args []string
		want string
	}{
		{"nothing", "check", nil, "missing --host (or --to), --user, --folder"},
		{"no folder", "check", []string{"--host", "h", "--user", "u"}, "missing --folder"},
		{"unknown flag", "check", with("--hots", "x"), "flag provided but not defined: -hots"},
		{"bad port", "check", with("--port", "ssh"), `invalid value "ssh" for flag -port`},
		{"bad network", "check", with("--allow-network", "localhost"), "want an IPv4 network"},
		{"IPv6 network", "check", with("--allow-network", "::1/128"), "want an IPv4 network"},
		{"bad timeout", "check", with("--timeout", "0s"), "--timeout must be positive"},
		{"check with files", "check", with("a.mp4"), "check takes no file arguments"},
		{"push without files", "push", base, "push needs at least one file"},
		{"--to and --host", "check", []string{"--to", "u@h", "--host", "h", "--folder", "/"}, "--to names the host and so does --host"},
		{"--to and --user", "check", []string{"--to", "u@h", "--user", "u", "--folder", "/"}, "--to names the user and so does --user"},
		{"--to and --port", "check", []string{"--to", "u@h:22", "--port", "22", "--folder", "/"}, "--to names the port and so does --port"},
		{"--to bad port", "check", []string{"--to", "u@h:ssh", "--folder", "/"}, "the port is a number from 1 to 65535"},
		{"--to empty user", "check", []string{"--to", "@h", "--folder", "/"}, "--to wants USER@HOST:PORT"},
		{"--to no host", "check", []string{"--to", "u@:22", "--folder", "/"}, "--to wants USER@HOST:PORT"},
		{"recording id on check", "check", with("--recording-id", "r"), "flag provided but not defined: -recording-id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseArgs(tc.cmd, tc.args)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %q, want it to say %q", err, tc.want)
			}
		})
	}
}

// A password on the command line is refused in every spelling, before
// the flag package reads it, with a message that never repeats it.
func TestPasswordOnCommandLineRefused(t *testing.T) {
	const pw = "pw-Secret-4711"
	for _, args := range [][]string{
		{"--password", pw},
		{"--password=" + pw},
		{"-password", pw},
		{"--PASSWORD", pw},
		{"--pass", pw},
		{"--pw=" + pw},
		{"--passwd", pw},
		{"--password"},
		{"--to", "u:" + pw + "@h"},
		{"--to", ":" + pw + "@h:22"},
	} {
		all := append([]string{"--host", "h", "--user", "u", "--folder", "/"}, args...)
		if args[0] == "--to" {
			all = append([]string{"--folder", "/"}, args...)
		}
		_, err := parseArgs("check", all)
		if err != errPasswordFlag {
			t.Errorf("%q: err %v, want the refusal", args, err)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("%q: the refusal repeats the password: %v", args, err)
		}
		if !strings.Contains(err.Error(), passwordEnv) {
			t.Errorf("%q: the refusal does not say to use %s: %v", args, passwordEnv, err)
		}
	}
	// After "--" it is a file name, as every other argument.
	o, err := parseArgs("push", []string{"--host", "h", "--user", "u", "--folder", "/", "--", "--password"})
	if err != nil || !reflect.DeepEqual(o.files, []string{"--password"}) {
		t.Errorf("after --: files %q, err %v", o.files, err)
	}
}

// The password comes from the environment, else a prompt on a terminal,
// else nowhere.
func TestChoosePassword(t *testing.T) {
	for _, tc := range []struct {
		env      string
		terminal bool
		want     passwordSource
		err      error
	}{
		{"pw-Secret-4711", false, fromEnv, nil},
		{"pw-Secret-4711", true, fromEnv, nil},
		{"", true, fromPrompt, nil},
		{"", false, 0, errNoPassword},
	} {
		got, err := choosePassword(tc.env, tc.terminal)
		if got != tc.want || err != tc.err {
			t.Errorf("env %q, terminal %v: got %v, %v; want %v, %v", tc.env, tc.terminal, got, err, tc.want, tc.err)
		}
	}
	if !strings.Contains(errNoPassword.Error(), passwordEnv) {
		t.Errorf("%q does not name %s", errNoPassword, passwordEnv)
	}
}

func TestScrubber(t *testing.T) {
	s := newScrubber("pw-Secret-4711")
	if got := s.text("server said pw-Secret-4711 twice: pw-Secret-4711"); got != "server said [REDACTED] twice: [REDACTED]" {
		t.Errorf("got %q", got)
	}
	if got := newScrubber("short").text("a short word"); got != "a short word" {
		t.Errorf("a 5-character password was scrubbed: %q", got)
	}
}

// What a server says cannot drive the terminal or hide what a line holds.
func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":            "plain text",
		"\x1b[31mred\x1b[0m":    `\u001b[31mred\u001b[0m`,
		"line\nbreak\r":         `line\u000abreak\u000d`,
		"rtl \u202eevil":        `rtl \u202eevil`,
		"zero\u200bwidth":       `zero\u200bwidth`,
		"bad \xff utf8":         "bad \uFFFD utf8",
		"Grüße, 日本":             "Grüße, 日本",
		"SSH-2.0-OpenSSH_9.2p1": "SSH-2.0-OpenSSH_9.2p1",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormats(t *testing.T) {
	for ms, want := range map[float64]string{0.812: "0.8 ms", 12.4: "12 ms", 1240: "1.24 s", 125_000: "2m05s"} {
		if got := duration(ms); got != want {
			t.Errorf("duration(%v) = %q, want %q", ms, got, want)
		}
	}
	for n, want := range map[int64]string{-1: "-", 0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 4 << 20: "4.0 MiB", 3 << 40: "3.0 TiB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
	same := func(s string) string { return s }
	if got, want := banner("Authorized use only\n\nAll access is logged.\n", same), "Authorized use only\nAll access is logged."; got != want {
		t.Errorf("banner: %q, want %q", got, want)
	}
	if got := banner("\n \n", same); got != "" {
		t.Errorf("an empty banner: %q", got)
	}
}
