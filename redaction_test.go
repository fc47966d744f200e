package sftppush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sftppush/sftppush/sftptest"
)

// redactionPassword is recognisable anywhere it might leak.
const redactionPassword = "Zq7-REDACT-ME-5xK"

// secretServer is an embedded server whose password is redactionPassword.
func secretServer(t *testing.T, f sftptest.Faults) *sftptest.Server {
	s := sftptest.NewUnstartedServer(t)
	s.Password = redactionPassword
	s.Faults = f
	s.Start()
	s.MkdirAll("/upload")
	return s
}

// The redaction audit: a push with a recognisable password through every
// failure path reachable with the embedded server, and every output
// searched for it: the Result in every fmt verb, its error chain, its log
// entry, and what each sink wrote (memory, JSON Lines, slog with the JSON
// and the text handler).
func TestRedactionAudit(t *testing.T) {
	secretCreds := func(s *sftptest.Server, folder string) Credentials {
		c := loopbackCreds(s, folder)
		c.Password = redactionPassword
		return c
	}
	addr := func(a string) Credentials {
		c := addrCreds(t, a)
		c.Password = redactionPassword
		return c
	}
	short := Config{ConnectTimeout: time.Second}
	type setup func(t *testing.T) (Config, Credentials, Group, context.Context)
	bg := context.Background()
	cases := map[Reason]setup{
		ReasonNone: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			g := okGroup(t, 1000)
			g.Extras = []File{{Path: filepath.Join(t.TempDir(), "gone.jpg")}} // an extra fails too
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{}), "/upload"), g, bg
		},
		ReasonFileMissing: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, addr("127.0.0.1:1"), Group{Main: File{Path: filepath.Join(t.TempDir(), "gone")}}, bg
		},
		ReasonFileUnreadable: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, addr("127.0.0.1:1"), Group{Main: File{Path: t.TempDir()}}, bg
		},
		ReasonInvalidGroup: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			g := okGroup(t, 10)
			g.Main.RemoteName = "../x"
			return Config{}, addr("127.0.0.1:1"), g, bg
		},
		ReasonInvalidHost: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			c := addr("127.0.0.1:1")
			c.Password = redactionPassword + strings.Repeat("x", 100) + "\x00"
			c.Host = "sftp://" + c.Host
			return Config{}, c, okGroup(t, 10), bg
		},
		ReasonInvalidLogin: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			c := addr("127.0.0.1:1")
			c.Password = redactionPassword + strings.Repeat("x", 100)
			return Config{}, c, okGroup(t, 10), bg
		},
		ReasonInvalidFolder: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			c := addr("127.0.0.1:1")
			c.Folder = "sftp://example.com/upload"
			return Config{}, c, okGroup(t, 10), bg
		},
		ReasonHostNotFound: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			c := addr("127.0.0.1:2222")
			c.Host = "nowhere.example"
			return Config{Resolver: sftptest.NewResolver(t, nil)}, c, okGroup(t, 10), bg
		},
		ReasonConnectionRefused: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return short, addr(sftptest.ClosedPort(t)), okGroup(t, 10), bg
		},
		ReasonDialTimeout: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return short, addr(sftptest.BlackholeListener(t)), okGroup(t, 10), bg
		},
		ReasonHandshakeTimeout: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return short, addr(sftptest.SilentListener(t)), okGroup(t, 10), bg
		},
		ReasonHandshakeFailed: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return short, addr(sftptest.GarbageListener(t)), okGroup(t, 10), bg
		},
		ReasonUploadCanceled: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
			t.Cleanup(cancel)
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{StallAfterBytes: 10_000}), "/upload"), okGroup(t, 1<<20), ctx
		},
		ReasonConnectCanceled: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
			t.Cleanup(cancel)
			return Config{}, addr(sftptest.SilentListener(t)), okGroup(t, 10), ctx
		},
		ReasonStalled: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{StallTimeout: time.Second}, secretCreds(secretServer(t, sftptest.Faults{StallAfterBytes: 10_000}), "/upload"), okGroup(t, 1<<20), bg
		},
		ReasonBlockedByPolicy: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{AllowNetworks: []netip.Prefix{}}, secretCreds(secretServer(t, sftptest.Faults{}), "/upload"), okGroup(t, 10), bg
		},
		ReasonHostKeyChanged: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			s := secretServer(t, sftptest.Faults{})
			var store MemoryHostKeyStore
			store.Pin(bg, s.Addr, ed25519Signer(t).PublicKey())
			return Config{HostKeyPolicy: TrustOnFirstUse(&store)}, secretCreds(s, "/upload"), okGroup(t, 10), bg
		},
		ReasonHostKeyUnknown: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			pol, err := KnownHosts(writeKnownHosts(t, "elsewhere.example:22", ed25519Signer(t).PublicKey()))
			if err != nil {
				t.Fatal(err)
			}
			return Config{HostKeyPolicy: pol}, secretCreds(secretServer(t, sftptest.Faults{}), "/upload"), okGroup(t, 10), bg
		},
		ReasonAuthRejected: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			c := secretCreds(secretServer(t, sftptest.Faults{}), "/upload")
			c.Password = "wrong-" + redactionPassword
			return Config{}, c, okGroup(t, 10), bg
		},
		ReasonPasswordNotOffered: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{KeyboardInteractiveOnly: true}), "/upload"), okGroup(t, 10), bg
		},
		ReasonSubsystemUnavailable: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{RefuseSubsystem: true}), "/upload"), okGroup(t, 10), bg
		},
		ReasonFolderNotFound: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{}), "/nope"), okGroup(t, 10), bg
		},
		ReasonFolderNotDirectory: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			s := secretServer(t, sftptest.Faults{})
			s.WriteFile("/upload/f", []byte("x"))
			return Config{}, secretCreds(s, "/upload/f"), okGroup(t, 10), bg
		},
		ReasonPermissionDenied: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{ReadOnly: []string{"/upload"}}), "/upload"), okGroup(t, 10), bg
		},
		ReasonNoSpace: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{QuotaBytes: 50_000}), "/upload"), okGroup(t, 1<<20), bg
		},
		ReasonConnectionLost: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{DropAfterBytes: 50_000}), "/upload"), okGroup(t, 1<<20), bg
		},
		ReasonSizeMismatch: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			return Config{}, secretCreds(secretServer(t, sftptest.Faults{DiscardAfterBytes: 65536}), "/upload"), okGroup(t, 1<<20), bg
		},
		ReasonRemoteError: func(t *testing.T) (Config, Credentials, Group, context.Context) {
			s := secretServer(t, sftptest.Faults{})
			s.MkdirAll("/upload/rec.mp4")
			return Config{}, secretCreds(s, "/upload"), okGroup(t, 10), bg
		},
	}
	// Every reason but these two is exercised: host_unreachable needs a
	// routing failure and local_read_error a failing local disk.
	for _, r := range allReasons {
		if _, ok := cases[r]; !ok && r != ReasonHostUnreachable && r != ReasonLocalReadError {
			t.Errorf("reason %s has no redaction case", r)
		}
	}

	var jsonOut, slogJSON, slogText bytes.Buffer
	jsonLogger := slog.New(slog.NewJSONHandler(&slogJSON, nil))
	textLogger := slog.New(slog.NewTextHandler(&slogText, nil))
	for reason, setup := range cases {
		t.Run(reason.String(), func(t *testing.T) {
			cfg, creds, g, ctx := setup(t)
			var mem MemorySink
			if cfg.AllowNetworks == nil {
				cfg.AllowNetworks = []netip.Prefix{loopbackNet}
			}
			cfg.Sink = MultiSink(&mem, NewJSONSink(&jsonOut), NewSlogSink(jsonLogger), NewSlogSink(textLogger))
			res := New(cfg).Push(ctx, creds, g)
			if res.Reason != reason {
				t.Fatalf("got %s/%s %v, want reason %s", res.Status, res.Reason, res.Err, reason)
			}
			// The caller's own logging of what it has in hand.
			jsonLogger.Info("pushed", "creds", creds, "entry", res.Entry, "err", res.Err)
			textLogger.Info("pushed", "creds", creds, "entry", res.Entry, "err", res.Err)

			var out strings.Builder
			for _, v := range []any{res, *res, res.Err, res.Entry, res.Files, res.LogErr, creds, mem.Entries()} {
				fmt.Fprintf(&out, "%v\n%+v\n%#v\n%s\n%q\n", v, v, v, v, v)
			}
			for err := res.Err; err != nil; err = errors.Unwrap(err) {
				out.WriteString(err.Error())
			}
			for _, f := range res.Files {
				if f.Err != nil {
					out.WriteString(f.Err.Error())
				}
			}
			j, _ := json.Marshal(res)
			out.Write(j)
			if strings.Contains(out.String(), redactionPassword) {
				t.Errorf("the password leaked:\n%s", out.String())
			}
			if !strings.Contains(out.String(), creds.Username) {
				t.Errorf("the audit saw no output at all")
			}
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
