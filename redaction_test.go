package sftppush_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/hostkey"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/sftppush/sftppush/sftptest"
)

// redactionPassword is recognisable anywhere it might leak.
const redactionPassword = "Zq7-REDACT-ME-5xK"

// secretServer is an embedded server whose password is redactionPassword.
func secretServer(t *testing.T, f sftptest.Faults) *sftptest.Server {
	return startServer(t, func(s *sftptest.Server) { s.Password, s.Faults = redactionPassword, f })
}

// The redaction audit: a push with a recognisable password through every
// failure path reachable with the embedded server, and every output
// searched for it: the Result in every fmt verb, its error chain, its log
// entry, and what each sink wrote (memory, JSON Lines, slog with the JSON
// and the text handler).
func TestRedactionAudit(t *testing.T) {
	secretCreds := func(s *sftptest.Server, folder string) sftppush.Credentials {
		c := s.Credentials(folder)
		c.Password = redactionPassword
		return c
	}
	addr := func(a string) sftppush.Credentials {
		c := addrCreds(t, a)
		c.Password = redactionPassword
		return c
	}
	short := sftppush.Config{ConnectTimeout: time.Second}
	type setup func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context)
	bg := context.Background()
	cases := map[sftppush.Reason]setup{
		sftppush.ReasonNone: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			g := okGroup(t, 1000)
			g.Extras = []sftppush.File{{Path: filepath.Join(t.TempDir(), "gone.jpg")}} // an extra fails too
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{}), "/upload"), g, bg
		},
		sftppush.ReasonFileMissing: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, addr("127.0.0.1:1"), sftppush.Group{Main: sftppush.File{Path: filepath.Join(t.TempDir(), "gone")}}, bg
		},
		sftppush.ReasonFileUnreadable: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, addr("127.0.0.1:1"), sftppush.Group{Main: sftppush.File{Path: t.TempDir()}}, bg
		},
		sftppush.ReasonInvalidGroup: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			g := okGroup(t, 10)
			g.Main.RemoteName = "../x"
			return sftppush.Config{}, addr("127.0.0.1:1"), g, bg
		},
		sftppush.ReasonInvalidHost: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			c := addr("127.0.0.1:1")
			c.Password = redactionPassword + strings.Repeat("x", 100) + "\x00"
			c.Host = "sftp://" + c.Host
			return sftppush.Config{}, c, okGroup(t, 10), bg
		},
		sftppush.ReasonInvalidLogin: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			c := addr("127.0.0.1:1")
			c.Password = redactionPassword + strings.Repeat("x", 100)
			return sftppush.Config{}, c, okGroup(t, 10), bg
		},
		sftppush.ReasonInvalidFolder: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			c := addr("127.0.0.1:1")
			c.Folder = "sftp://example.com/upload"
			return sftppush.Config{}, c, okGroup(t, 10), bg
		},
		sftppush.ReasonHostNotFound: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			c := addr("127.0.0.1:2222")
			c.Host = "nowhere.example"
			return sftppush.Config{Resolver: sftptest.NewResolver(t, nil)}, c, okGroup(t, 10), bg
		},
		sftppush.ReasonConnectionRefused: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return short, addr(sftptest.ClosedPort(t)), okGroup(t, 10), bg
		},
		sftppush.ReasonDialTimeout: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return short, addr(sftptest.BlackholeListener(t)), okGroup(t, 10), bg
		},
		sftppush.ReasonHandshakeTimeout: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return short, addr(sftptest.SilentListener(t)), okGroup(t, 10), bg
		},
		sftppush.ReasonHandshakeFailed: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return short, addr(sftptest.GarbageListener(t)), okGroup(t, 10), bg
		},
		sftppush.ReasonUploadCanceled: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			ctx, cancel := context.WithCancel(bg)
			t.Cleanup(cancel)
			time.AfterFunc(300*time.Millisecond, cancel)
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{StallAfterBytes: 10_000}), "/upload"), okGroup(t, 1<<20), ctx
		},
		sftppush.ReasonConnectCanceled: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			ctx, cancel := context.WithCancel(bg)
			t.Cleanup(cancel)
			time.AfterFunc(300*time.Millisecond, cancel)
			return sftppush.Config{}, addr(sftptest.SilentListener(t)), okGroup(t, 10), ctx
		},
		sftppush.ReasonStalled: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{StallTimeout: time.Second}, secretCreds(secretServer(t, sftptest.Faults{StallAfterBytes: 10_000}), "/upload"), okGroup(t, 1<<20), bg
		},
		sftppush.ReasonBlockedByPolicy: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{AllowNetworks: []netip.Prefix{}}, secretCreds(secretServer(t, sftptest.Faults{}), "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonHostKeyChanged: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			s := secretServer(t, sftptest.Faults{})
			var store hostkey.MemoryStore
			store.Pin(bg, s.Addr, sftppush.Ed25519Signer(t).PublicKey())
			return sftppush.Config{HostKeyPolicy: hostkey.TrustOnFirstUse(&store)}, secretCreds(s, "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonHostKeyUnknown: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			known := filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(known, []byte(knownhosts.Line([]string{"elsewhere.example:22"}, sftppush.Ed25519Signer(t).PublicKey())+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			pol, err := hostkey.KnownHosts(known)
			if err != nil {
				t.Fatal(err)
			}
			return sftppush.Config{HostKeyPolicy: pol}, secretCreds(secretServer(t, sftptest.Faults{}), "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonAuthRejected: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			c := secretCreds(secretServer(t, sftptest.Faults{}), "/upload")
			c.Password = "wrong-" + redactionPassword
			return sftppush.Config{}, c, okGroup(t, 10), bg
		},
		sftppush.ReasonPasswordNotOffered: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{KeyboardInteractiveOnly: true}), "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonSubsystemUnavailable: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{RefuseSubsystem: true}), "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonFolderNotFound: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{}), "/nope"), okGroup(t, 10), bg
		},
		sftppush.ReasonFolderNotDirectory: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			s := secretServer(t, sftptest.Faults{})
			s.WriteFile("/upload/f", []byte("x"))
			return sftppush.Config{}, secretCreds(s, "/upload/f"), okGroup(t, 10), bg
		},
		sftppush.ReasonPermissionDenied: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{ReadOnly: []string{"/upload"}}), "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonNoSpace: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{QuotaBytes: 50_000}), "/upload"), okGroup(t, 1<<20), bg
		},
		sftppush.ReasonConnectionLost: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{DropAfterBytes: 50_000}), "/upload"), okGroup(t, 1<<20), bg
		},
		sftppush.ReasonSizeMismatch: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{DiscardAfterBytes: 65536}), "/upload"), okGroup(t, 1<<20), bg
		},
		sftppush.ReasonNoCommonAlgorithm: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			s := sftptest.NewUnstartedServer(t)
			s.Password = redactionPassword
			s.Algorithms.Ciphers = []string{ssh.InsecureCipherAES128CBC}
			s.Start()
			return sftppush.Config{}, secretCreds(s, "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonPasswordExpired: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{}, secretCreds(secretServer(t, sftptest.Faults{PasswordExpired: true}), "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonSecondFactor: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			return sftppush.Config{KeyboardInteractive: true}, secretCreds(secretServer(t, sftptest.Faults{SecondFactor: true}), "/upload"), okGroup(t, 10), bg
		},
		sftppush.ReasonFileTooLarge: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			s := sftptest.NewUnstartedServer(t)
			s.Password, s.Version = redactionPassword, "SSH-2.0-AzureSSH_1.0.0"
			s.Start()
			s.MkdirAll("/upload")
			huge := filepath.Join(t.TempDir(), "huge.mp4")
			if err := os.WriteFile(huge, nil, 0o644); err != nil || os.Truncate(huge, 100e9+1) != nil {
				t.Skip("no sparse file of 100 GB here")
			}
			return sftppush.Config{}, secretCreds(s, "/upload"), sftppush.Group{Main: sftppush.File{Path: huge}}, bg
		},
		sftppush.ReasonRemoteError: func(t *testing.T) (sftppush.Config, sftppush.Credentials, sftppush.Group, context.Context) {
			s := secretServer(t, sftptest.Faults{})
			s.MkdirAll("/upload/rec.mp4")
			return sftppush.Config{}, secretCreds(s, "/upload"), okGroup(t, 10), bg
		},
	}
	// Every reason but these two is exercised: host_unreachable needs a
	// routing failure and local_read_error a failing local disk.
	for _, r := range sftppush.AllReasons {
		if _, ok := cases[r]; !ok && r != sftppush.ReasonHostUnreachable && r != sftppush.ReasonLocalReadError {
			t.Errorf("reason %s has no redaction case", r)
		}
	}

	var jsonOut, slogJSON, slogText bytes.Buffer
	jsonLogger := slog.New(slog.NewJSONHandler(&slogJSON, nil))
	textLogger := slog.New(slog.NewTextHandler(&slogText, nil))
	for reason, setup := range cases {
		t.Run(reason.String(), func(t *testing.T) {
			cfg, creds, g, ctx := setup(t)
			var mem sftptest.MemorySink
			if cfg.AllowNetworks == nil {
				cfg.AllowNetworks = []netip.Prefix{loopbackNet}
			}
			cfg.Sink = sftppush.MultiSink(&mem, sftppush.NewJSONSink(&jsonOut), sftppush.NewSlogSink(jsonLogger), sftppush.NewSlogSink(textLogger))
			res := sftppush.New(cfg).Push(ctx, creds, g)
			if res.Reason != reason {
				t.Fatalf("got %s/%s %v, want reason %s", res.Status, res.Reason, res.Err, reason)
			}
			// The caller's own logging of what it has in hand.
			jsonLogger.Info("pushed", "creds", creds, "entry", res.Entry, "err", res.Err)
			textLogger.Info("pushed", "creds", creds, "entry", res.Entry, "err", res.Err)

			auditOutputs(t, res, creds, &mem)
		})
	}
	for name, b := range map[string]*bytes.Buffer{"JSON sink": &jsonOut, "slog JSON": &slogJSON, "slog text": &slogText} {
		if strings.Contains(b.String(), redactionPassword) {
			t.Errorf("%s output holds the password", name)
		}
		if strings.Count(b.String(), "\n") < len(cases) {
			t.Errorf("%s wrote %d lines for %d pushes", name, strings.Count(b.String(), "\n"), len(cases))
		}
	}
}

// auditOutputs prints everything a caller has in hand after a push (the
// Result in every fmt verb, every level of its errors' chains, its log
// entry, JSON, what the memory sink kept) and fails if the password shows.
func auditOutputs(t *testing.T, res *sftppush.Result, creds sftppush.Credentials, mem *sftptest.MemorySink) {
	t.Helper()
	var out strings.Builder
	for _, v := range []any{res, *res, res.Err, res.Entry, res.Files, res.LogErr, creds, mem.Entries()} {
		fmt.Fprintf(&out, "%v\n%+v\n%#v\n%s\n%q\n", v, v, v, v, v)
	}
	var walk func(err error)
	walk = func(err error) {
		if err == nil {
			return
		}
		out.WriteString(err.Error() + "\n")
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(res.Err)
	for _, f := range res.Files {
		walk(f.Err)
		walk(f.RenameErr)
		walk(f.StripeErr)
	}
	j, _ := json.Marshal(res)
	out.Write(j)
	if strings.Contains(out.String(), redactionPassword) {
		t.Errorf("the password leaked:\n%s", out.String())
	}
	if !strings.Contains(out.String(), creds.Username) {
		t.Errorf("the audit saw no output at all")
	}
}

// A server that repeats the password in what it says (an SFTP error
// message, its identification string, the refusal of a channel) does not
// get it into any output: the password is scrubbed from every error and
// text that came from the server, while errors.Is still works.
func TestServerEchoingThePassword(t *testing.T) {
	cases := []struct {
		name   string
		faults sftptest.Faults
		reason sftppush.Reason
	}{
		{"in an SFTP error message", sftptest.Faults{EchoPassword: true, ReadOnly: []string{"/upload"}}, sftppush.ReasonRemoteError},
		{"in its identification string", sftptest.Faults{EchoPassword: true}, sftppush.ReasonNone},
		{"in a channel's refusal", sftptest.Faults{EchoPassword: true, RejectSessions: true}, sftppush.ReasonSubsystemUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := secretServer(t, tc.faults)
			creds := s.Credentials("/upload")
			var mem sftptest.MemorySink
			var jsonOut, slogOut bytes.Buffer
			cfg := sftppush.Config{Sink: sftppush.MultiSink(&mem, sftppush.NewJSONSink(&jsonOut), sftppush.NewSlogSink(slog.New(slog.NewJSONHandler(&slogOut, nil))))}
			g := okGroup(t, 10)
			g.Extras = []sftppush.File{{Path: g.Main.Path, RemoteName: "extra.mp4"}}
			res := newTestPusher(cfg).Push(context.Background(), creds, g)
			if res.Reason != tc.reason {
				t.Fatalf("got %s/%s %v, want %s", res.Status, res.Reason, res.Err, tc.reason)
			}
			auditOutputs(t, res, creds, &mem)
			if strings.Contains(jsonOut.String()+slogOut.String(), redactionPassword) {
				t.Errorf("a sink wrote the password")
			}
			if res.Err != nil && !strings.Contains(res.Err.Error(), "[REDACTED]") {
				t.Errorf("err %v: want the password replaced where the server said it", res.Err)
			}
			if tc.reason == sftppush.ReasonNone && !strings.Contains(res.Entry.ServerVersion, "[REDACTED]") {
				t.Errorf("server version %q: want the password replaced", res.Entry.ServerVersion)
			}
		})
	}
}

// A password typed into Host or Folder as a URL's user info is refused by
// Validate, and never shown or logged as typed: not in the log entry, nor
// in what Credentials print.
func TestUserInfoInHostOrFolder(t *testing.T) {
	for _, c := range []sftppush.Credentials{
		{Host: "sftp://pipe:" + redactionPassword + "@files.example.com/upload", Username: "pipe", Password: "pw-123456", Folder: "/upload"},
		{Host: "pipe:" + redactionPassword + "@files.example.com", Username: "pipe", Password: "pw-123456", Folder: "/upload"},
		{Host: "files.example.com", Username: "pipe", Password: "pw-123456", Folder: "sftp://pipe:" + redactionPassword + "@files.example.com/upload"},
	} {
		var mem sftptest.MemorySink
		res := newTestPusher(sftppush.Config{Sink: &mem}).Push(context.Background(), c, okGroup(t, 10))
		if res.Err == nil {
			t.Fatalf("%v was accepted", c)
		}
		auditOutputs(t, res, c, &mem)
		if !strings.Contains(res.Entry.Host+res.Entry.Folder, "pipe:[REDACTED]@files.example.com") {
			t.Errorf("entry host %q, folder %q: want the user info redacted, the rest kept", res.Entry.Host, res.Entry.Folder)
		}
	}
}

// Characters that make a log line read differently from what it holds
// (bidirectional overrides and isolates, zero-width and line separators)
// are written as escapes in log entries; the value itself is used as
// typed.
func TestLogEntryEscapesMisleadingCharacters(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	c := s.Credentials("/upload\u202egpj.exe")
	c.Username = "ad\u2066min\u200b"
	res := newTestPusher(sftppush.Config{}).Push(context.Background(), c, okGroup(t, 10))
	e := res.Entry
	for _, v := range []string{e.Username, e.Folder, e.Error} {
		if strings.ContainsAny(v, "\u202e\u2066\u200b") {
			t.Errorf("entry field %q holds a misleading character as is", v)
		}
	}
	if e.Username != `ad\u2066min\u200b` || e.Folder != `/upload\u202egpj.exe` {
		t.Errorf("entry username %q, folder %q: want the characters escaped", e.Username, e.Folder)
	}
}

// LogEntry.Error is capped: a server's message can be any length, and the
// entry goes into every sink and SQL row.
func TestLogEntryErrorCapped(t *testing.T) {
	long := strings.Repeat("the server has a lot to say. ", 7000) // 200 KiB
	addr := hostileSFTP(except(fxpOpen, func(id uint32, _ []byte) []byte { return fxStatus(id, 4, long) }))(t)
	res := newTestPusher(sftppush.Config{}).Push(context.Background(), addrCreds(t, addr), okGroup(t, 10))
	if res.Err == nil || len(res.Err.Error()) < 100_000 {
		t.Fatalf("got %v: want the server's long message in the error", res.Status)
	}
	if n := utf8.RuneCountInString(res.Entry.Error); n > 2010 || !strings.HasPrefix(res.Entry.Error, "sftppush: create") {
		t.Errorf("LogEntry.Error has %d characters (starts %q): want the first 2000", n, res.Entry.Error[:min(40, len(res.Entry.Error))])
	}
}
