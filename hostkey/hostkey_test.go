package hostkey

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// impostor starts a second embedded server with its own host key but the
// same username and password as real, and returns a DialContext that sends
// connections meant for real to it: a hijacked route or DNS answer, as the
// client sees it.
func impostor(t *testing.T, real *sftptest.Server) (*sftptest.Server, func(ctx context.Context, network, addr string) (net.Conn, error)) {
	t.Helper()
	imp := sftptest.NewUnstartedServer(t)
	imp.Username, imp.Password = real.Username, real.Password
	imp.Start()
	imp.MkdirAll("/upload")
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		if addr == real.Addr {
			addr = imp.Addr
		}
		return d.DialContext(ctx, network, addr)
	}
	return imp, dial
}

// Trust on first use pins the first key; an impostor with another key at
// the same address is refused during the key exchange, before the password
// is sent: the impostor, which would accept the password, never logs it in.
func TestTOFURefusesChangedKeyBeforePassword(t *testing.T) {
	real := newServer(t)
	imp, toImpostor := impostor(t, real)
	creds := real.Credentials("/upload")
	hostport := real.Addr

	// The control: with no policy the impostor gets the password and the
	// upload. This is what the policy prevents, and proves the test can see
	// a password arrive.
	if res := pusher(sftppush.Config{DialContext: toImpostor}).Push(context.Background(), creds, group(t)); res.Status != sftppush.StatusOK {
		t.Fatalf("control push to the impostor: %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if imp.Logins() != 1 {
		t.Fatalf("control: impostor logins %d, want 1", imp.Logins())
	}

	var store MemoryStore
	pol := TrustOnFirstUse(&store)
	if res := pusher(sftppush.Config{HostKeyPolicy: pol}).Push(context.Background(), creds, group(t)); res.Status != sftppush.StatusOK {
		t.Fatalf("first use: %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if k, _ := store.Lookup(context.Background(), hostport); !sameKey(k, real.HostKey) {
		t.Fatalf("pinned %v, want the real server's key", k)
	}

	var sink sftptest.MemorySink
	res := pusher(sftppush.Config{HostKeyPolicy: pol, DialContext: toImpostor, Sink: &sink}).Push(context.Background(), creds, group(t))
	if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonHostKeyChanged {
		t.Fatalf("impostor: got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if n := imp.Logins(); n != 1 {
		t.Errorf("the impostor logged the client in (%d logins): the password was sent", n)
	}
	if n := imp.Connections(); n != 2 {
		t.Errorf("impostor connections %d, want 2: the refused push must have reached it", n)
	}
	var he *Error
	if !errors.As(res.Err, &he) || !he.HostKeyChanged() {
		t.Fatalf("err %v: want a *Error", res.Err)
	}
	oldFP, newFP := ssh.FingerprintSHA256(real.HostKey), ssh.FingerprintSHA256(imp.HostKey)
	if he.HostPort != hostport || len(he.Known) != 1 || he.Known[0] != oldFP || he.Presented != newFP {
		t.Errorf("Error %+v, want known %s presented %s", he, oldFP, newFP)
	}
	msg := res.Err.Error()
	for _, want := range []string{oldFP, newFP, "Forget", "password was not sent"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if e := sink.Entries()[0]; e.Reason != sftppush.ReasonHostKeyChanged || e.HostKeyFingerprint != newFP {
		t.Errorf("entry: reason %s, fingerprint %s", e.Reason, e.HostKeyFingerprint)
	}

	// The operator re-pins after confirming the change: the next push pins
	// the new key.
	if err := store.Forget(context.Background(), hostport); err != nil {
		t.Fatal(err)
	}
	if res := pusher(sftppush.Config{HostKeyPolicy: pol, DialContext: toImpostor}).Push(context.Background(), creds, group(t)); res.Status != sftppush.StatusOK {
		t.Fatalf("after Forget: %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if k, _ := store.Lookup(context.Background(), hostport); !sameKey(k, imp.HostKey) {
		t.Errorf("after Forget, pinned %v, want the new key", k)
	}
}

// The store is keyed by host as typed, not by address: the same server
// reached under another name is a new server for TOFU.
func TestTOFUKeysByHostAsTyped(t *testing.T) {
	s := newServer(t)
	var store MemoryStore
	r := sftptest.NewResolver(t, map[string]string{"Sftp.Customer.Example": "127.0.0.1"})
	p := pusher(sftppush.Config{HostKeyPolicy: TrustOnFirstUse(&store), Resolver: r})
	c := s.Credentials("/upload")
	c.Host = "Sftp.Customer.Example"
	if res := p.Push(context.Background(), c, group(t)); res.Status != sftppush.StatusOK {
		t.Fatalf("%s/%s %v", res.Status, res.Reason, res.Err)
	}
	want := "sftp.customer.example:" + strconv.Itoa(s.Port)
	if k, _ := store.Lookup(context.Background(), want); !sameKey(k, s.HostKey) {
		t.Errorf("no pin under %q: %v", want, store.keys)
	}
}

// storeContract checks what every Store must do, concurrent first
// uses included.
func storeContract(t *testing.T, store Store) {
	ctx := context.Background()
	a, b := ed25519Signer(t).PublicKey(), ecdsaSigner(t).PublicKey()
	if k, err := store.Lookup(ctx, "h.example:22"); k != nil || err != nil {
		t.Fatalf("empty store: Lookup = %v, %v", k, err)
	}
	if k, err := store.Pin(ctx, "h.example:22", a); err != nil || !sameKey(k, a) {
		t.Fatalf("first Pin = %v, %v", k, err)
	}
	if k, err := store.Pin(ctx, "h.example:22", b); err != nil || !sameKey(k, a) {
		t.Fatalf("second Pin = %v, %v; want the first key", k, err)
	}
	if k, err := store.Pin(ctx, "h.example:2222", b); err != nil || !sameKey(k, b) {
		t.Fatalf("other port: Pin = %v, %v", k, err)
	}
	if err := store.Forget(ctx, "h.example:22"); err != nil {
		t.Fatal(err)
	}
	if k, _ := store.Lookup(ctx, "h.example:22"); k != nil {
		t.Fatalf("after Forget: %v", k)
	}
	if k, _ := store.Lookup(ctx, "h.example:2222"); !sameKey(k, b) {
		t.Fatalf("Forget removed another port's pin")
	}
	if err := store.Forget(ctx, "never.example:22"); err != nil {
		t.Errorf("Forget of an unknown server: %v", err)
	}

	// Many first uses at once, each with its own key: one wins, and every
	// caller is told the winner.
	keys := make([]ssh.PublicKey, 32)
	for i := range keys {
		keys[i] = ed25519Signer(t).PublicKey()
	}
	got := make([]ssh.PublicKey, len(keys))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := store.Pin(ctx, "race.example:22", keys[i])
			if err != nil {
				t.Error(err)
			}
			got[i] = k
		})
	}
	wg.Wait()
	for i := range got {
		if !sameKey(got[i], got[0]) {
			t.Fatalf("concurrent Pin: caller %d got another key than caller 0", i)
		}
	}
	if k, _ := store.Lookup(ctx, "race.example:22"); !sameKey(k, got[0]) {
		t.Errorf("stored key differs from the one callers got")
	}
}

func TestMemoryStore(t *testing.T) { storeContract(t, new(MemoryStore)) }

func TestFileStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pins")
	storeContract(t, NewFileStore(path))

	// Only the final file is left: temporary files were renamed over it.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "pins" {
		t.Errorf("directory holds %v", ents)
	}
	// It is a known_hosts file: OpenSSH's format, readable by knownhosts.
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "[h.example]:2222 ecdsa-sha2-nistp256 ") || !strings.Contains(string(b), "race.example ssh-ed25519 ") {
		t.Errorf("file:\n%s", b)
	}
	if _, err := knownhosts.New(path); err != nil {
		t.Errorf("knownhosts cannot read the store's file: %v", err)
	}
}

// The file survives the store: a new store (a restarted service) sees the
// pins, keeps lines it did not write, and an operator's deleted line is a
// forgotten pin.
func TestFileStorePersistsAndKeepsForeignLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	foreign := "# pinned by hand\n|1|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|aGFzaGhhc2hoYXNoaGFzaGhhc2g= " + keyText(ed25519Signer(t).PublicKey()) + "\n@revoked * " + keyText(ed25519Signer(t).PublicKey()) + "\n"
	if err := os.WriteFile(path, []byte(foreign), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k := ed25519Signer(t).PublicKey()
	if _, err := NewFileStore(path).Pin(ctx, "a.example:22", k); err != nil {
		t.Fatal(err)
	}
	if got, _ := NewFileStore(path).Lookup(ctx, "a.example:22"); !sameKey(got, k) {
		t.Fatalf("a new store does not see the pin")
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), foreign) {
		t.Errorf("foreign lines changed:\n%s", b)
	}
	// The operator deletes the line by hand.
	if err := os.WriteFile(path, []byte(foreign), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := NewFileStore(path).Lookup(ctx, "a.example:22"); got != nil {
		t.Errorf("deleted line still pinned")
	}
}

func keyText(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// writeKnownHosts writes a known_hosts file listing keys for hostport.
func writeKnownHosts(t *testing.T, hostport string, keys ...ssh.PublicKey) string {
	t.Helper()
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintln(&b, knownhosts.Line([]string{hostport}, k))
	}
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKnownHosts(t *testing.T) {
	s := newServer(t)
	other := ed25519Signer(t).PublicKey()
	tests := []struct {
		name   string
		keys   []ssh.PublicKey
		host   string // hostport the file lists; "" means the server's
		status sftppush.Status
		reason sftppush.Reason
	}{
		{"listed", []ssh.PublicKey{s.HostKey}, "", sftppush.StatusOK, sftppush.ReasonNone},
		{"listed among others", []ssh.PublicKey{other, s.HostKey}, "", sftppush.StatusOK, sftppush.ReasonNone},
		{"changed", []ssh.PublicKey{other}, "", sftppush.StatusConnectionTimeout, sftppush.ReasonHostKeyChanged},
		{"no entry", []ssh.PublicKey{s.HostKey}, "elsewhere.example:22", sftppush.StatusConnectionTimeout, sftppush.ReasonHostKeyUnknown},
		{"other port", []ssh.PublicKey{s.HostKey}, "127.0.0.1:1", sftppush.StatusConnectionTimeout, sftppush.ReasonHostKeyUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := tc.host
			if host == "" {
				host = s.Addr
			}
			pol, err := KnownHosts(writeKnownHosts(t, host, tc.keys...))
			if err != nil {
				t.Fatal(err)
			}
			logins := s.Logins()
			res := pusher(sftppush.Config{HostKeyPolicy: pol}).Push(context.Background(), s.Credentials("/upload"), group(t))
			if res.Status != tc.status || res.Reason != tc.reason {
				t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
			}
			if tc.status == sftppush.StatusOK {
				return
			}
			if s.Logins() != logins {
				t.Errorf("the password was sent to an untrusted server")
			}
			var he *Error
			if !errors.As(res.Err, &he) || he.Presented != ssh.FingerprintSHA256(s.HostKey) || he.Fix == "" {
				t.Errorf("err %v", res.Err)
			}
			if tc.reason == sftppush.ReasonHostKeyChanged && (len(he.Known) != 1 || he.Known[0] != ssh.FingerprintSHA256(other)) {
				t.Errorf("known %v, want %s", he.Known, ssh.FingerprintSHA256(other))
			}
		})
	}
	if _, err := KnownHosts(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("KnownHosts of a missing file: no error")
	}
	if _, err := KnownHosts(); err == nil {
		t.Error("KnownHosts of no file: no error")
	}
}

// A server with two host keys and a known_hosts file listing only the one
// x/crypto prefers less: the policy makes the server present that one.
// Without it, x/crypto negotiates ECDSA first and knownhosts reports the
// ed25519 line as a changed key.
func TestKnownHostsNegotiatesListedKeyType(t *testing.T) {
	ed, ec := ed25519Signer(t), ecdsaSigner(t)
	srv := newServerWithKeys(t, ec, ed)
	creds := srv.Credentials("/")
	pol, err := KnownHosts(writeKnownHosts(t, srv.Addr, ed.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	res := pusher(sftppush.Config{HostKeyPolicy: pol}).Push(context.Background(), creds, group(t))
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if res.Entry.HostKeyFingerprint != ssh.FingerprintSHA256(ed.PublicKey()) {
		t.Errorf("negotiated key %s, want the ed25519 one", res.Entry.HostKeyFingerprint)
	}

	// The same check with x/crypto's default algorithms fails: the reason
	// the policy sets them.
	res = pusher(sftppush.Config{HostKeyPolicy: defaultAlgorithms{pol}}).Push(context.Background(), creds, group(t))
	if res.Reason != sftppush.ReasonHostKeyChanged {
		t.Errorf("with default algorithms: got %s/%s %v; the test no longer shows the problem", res.Status, res.Reason, res.Err)
	}

	// A server that lost its listed key type still completes the key
	// exchange and is reported as a changed key, not a handshake failure.
	only := newServerWithKeys(t, ec)
	pol2, _ := KnownHosts(writeKnownHosts(t, only.Addr, ed.PublicKey()))
	res = pusher(sftppush.Config{HostKeyPolicy: pol2}).Push(context.Background(), only.Credentials("/"), group(t))
	if res.Reason != sftppush.ReasonHostKeyChanged || only.PasswordTries() != 0 {
		t.Errorf("lost key type: got %s/%s %v, password tries %d", res.Status, res.Reason, res.Err, only.PasswordTries())
	}
}

// defaultAlgorithms wraps a policy but leaves x/crypto's algorithm order.
type defaultAlgorithms struct{ sftppush.HostKeyPolicy }

func (defaultAlgorithms) HostKeyAlgorithms(context.Context, string, net.Addr) []string { return nil }

// TOFU negotiates the pinned key's type, so a server with several keys
// does not look changed between pushes.
func TestTOFUNegotiatesPinnedKeyType(t *testing.T) {
	ed, ec := ed25519Signer(t), ecdsaSigner(t)
	srv := newServerWithKeys(t, ec, ed)
	var store MemoryStore
	if _, err := store.Pin(context.Background(), srv.Addr, ed.PublicKey()); err != nil {
		t.Fatal(err)
	}
	creds := srv.Credentials("/")
	res := pusher(sftppush.Config{HostKeyPolicy: TrustOnFirstUse(&store)}).Push(context.Background(), creds, group(t))
	if res.Status != sftppush.StatusOK {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
}

// newServer starts an embedded server with an /upload folder.
func newServer(t *testing.T) *sftptest.Server {
	s := sftptest.NewServer(t)
	s.MkdirAll("/upload")
	return s
}

// newServerWithKeys starts an embedded server that offers these host keys.
func newServerWithKeys(t *testing.T, keys ...ssh.Signer) *sftptest.Server {
	s := sftptest.NewUnstartedServer(t)
	s.HostKeys = keys
	s.Start()
	return s
}

// pusher is a Pusher that may reach the loopback test servers.
func pusher(cfg sftppush.Config) *sftppush.Pusher {
	cfg.AllowNetworks = []netip.Prefix{sftptest.Loopback}
	return sftppush.New(cfg)
}

// group is a recording of one small file.
func group(t *testing.T) sftppush.Group {
	path := filepath.Join(t.TempDir(), "rec.mp4")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	return sftppush.Group{RecordingID: "rec-1", Main: sftppush.File{Path: path}}
}

func ed25519Signer(t testing.TB) ssh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ecdsaSigner(t testing.TB) ssh.Signer {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
