package sftppush

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Host keys. Password authentication hands the password to whoever answers,
// so a HostKeyPolicy decides, during the SSH key exchange and before the
// password is sent, whether the server is the one we mean. x/crypto calls
// ssh.ClientConfig.HostKeyCallback from the key exchange; authentication
// only starts once it returned nil.

// HostKeyPolicy decides whether to trust the host key a server presents.
// Config.HostKeyPolicy nil accepts any key (the fingerprint is still
// logged); TrustOnFirstUse and KnownHosts are the policies this package
// provides. Implementations must be safe for concurrent use.
type HostKeyPolicy interface {
	// CheckHostKey returns nil to trust key, or an error to refuse it, in
	// which case the password is not sent. hostport is "host:port" with the
	// host as typed (lower-case ASCII form), not the resolved address;
	// remote is the address connected to. Return a *HostKeyError to say
	// whether the key changed or is unknown; any other error is reported as
	// an unknown key (ReasonHostKeyUnknown).
	CheckHostKey(ctx context.Context, hostport string, remote net.Addr, key ssh.PublicKey) error
}

// HostKeyAlgorithmsPolicy is implemented by a HostKeyPolicy that knows
// which key types it trusts for a server, so that a server holding several
// host keys presents one of those (as ssh's HostKeyAlgorithms option does):
// a policy that pinned an RSA key must not be shown an ed25519 key and call
// it a change. Like io.WriterTo, it is an optional interface; policies
// without it negotiate x/crypto's default order.
type HostKeyAlgorithmsPolicy interface {
	HostKeyPolicy
	// HostKeyAlgorithms returns the host key algorithms to negotiate with
	// hostport, most preferred first. Nil means x/crypto's defaults.
	HostKeyAlgorithms(ctx context.Context, hostport string, remote net.Addr) []string
}

// HostKeyError is the error of a host key the policy refuses. The push ends
// with SFTP_CONNECTION_TIMEOUT and ReasonHostKeyChanged when Known is not
// empty, ReasonHostKeyUnknown otherwise. The password was not sent.
type HostKeyError struct {
	// HostPort is the server, "host:port".
	HostPort string
	// Known are the SHA256 fingerprints of the keys trusted for the server;
	// empty when none is.
	Known []string
	// Presented is the SHA256 fingerprint of the key the server presented.
	Presented string
	// Fix says how an operator trusts the new key after checking, out of
	// band, that the change is legitimate.
	Fix string
	// Err is the cause, if any, such as a store or file error.
	Err error
}

// Changed reports whether a different key was trusted for the server.
func (e *HostKeyError) Changed() bool { return len(e.Known) > 0 }

// Error names the server and both fingerprints.
func (e *HostKeyError) Error() string {
	var b strings.Builder
	if e.Changed() {
		fmt.Fprintf(&b, "host key of %s changed: trusted %s, the server presented %s; the password was not sent (an impostor, or a reinstalled server)",
			e.HostPort, strings.Join(e.Known, ", "), e.Presented)
	} else {
		fmt.Fprintf(&b, "host key %s of %s is not trusted; the password was not sent", e.Presented, e.HostPort)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Fix != "" {
		b.WriteString(". ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *HostKeyError) Unwrap() error { return e.Err }

// checkHostKey asks the policy, if any, whether to trust key. An error
// that is not a *HostKeyError becomes one, for an unknown key.
func checkHostKey(ctx context.Context, pol HostKeyPolicy, hostport string, remote net.Addr, key ssh.PublicKey) error {
	if pol == nil {
		return nil
	}
	err := pol.CheckHostKey(ctx, hostport, remote, key)
	if err == nil {
		return nil
	}
	var he *HostKeyError
	if !errors.As(err, &he) {
		err = &HostKeyError{HostPort: hostport, Presented: ssh.FingerprintSHA256(key), Err: err}
	}
	return err
}

// hostKeyAlgorithms returns the host key algorithms the policy prefers for
// hostport, or nil for x/crypto's defaults.
func hostKeyAlgorithms(ctx context.Context, pol HostKeyPolicy, hostport string, remote net.Addr) []string {
	if ap, ok := pol.(HostKeyAlgorithmsPolicy); ok {
		return ap.HostKeyAlgorithms(ctx, hostport, remote)
	}
	return nil
}

// algorithmsFor returns the host key algorithms that make a server present
// a key of type keyType. RSA keys sign with SHA-2 first.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// preferKeyTypes returns the host key algorithms to offer when the policy
// knows keys of the given types: those first, so that a server holding one
// presents it, then the other plain key algorithms x/crypto supports, so
// that a server which no longer has such a key still completes the key
// exchange and is refused as a changed key rather than with a puzzling "no
// common algorithm". Nil when no type is known: x/crypto's defaults.
func preferKeyTypes(types []string) []string {
	if len(types) == 0 {
		return nil
	}
	var algs []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] && !strings.Contains(a, "-cert-") {
			seen[a] = true
			algs = append(algs, a)
		}
	}
	for _, t := range types {
		for _, a := range algorithmsFor(t) {
			add(a)
		}
	}
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		add(a)
	}
	return algs
}

func sameKey(a, b ssh.PublicKey) bool {
	return a != nil && b != nil && bytes.Equal(a.Marshal(), b.Marshal())
}

// HostKeyStore keeps the keys a TrustOnFirstUse policy pinned, one per
// server ("host:port"). Its methods may be called concurrently. The package
// provides MemoryHostKeyStore and FileHostKeyStore; a database-backed store
// implements the same three methods.
type HostKeyStore interface {
	// Lookup returns the key pinned for hostport, or nil and a nil error
	// when none is.
	Lookup(ctx context.Context, hostport string) (ssh.PublicKey, error)
	// Pin pins key for hostport unless a key is pinned already, and
	// returns the key pinned afterwards: key itself on first use, the
	// earlier key otherwise. It must be atomic: of two concurrent first
	// uses with different keys, one wins and both callers get it.
	Pin(ctx context.Context, hostport string, key ssh.PublicKey) (ssh.PublicKey, error)
	// Forget removes the pin of hostport, so that the next connection pins
	// whatever key it sees: how an operator re-pins after a legitimate key
	// change. Forgetting an unknown server is not an error.
	Forget(ctx context.Context, hostport string) error
}

// TrustOnFirstUse returns a policy that pins the first key each server
// presents in store and refuses any other key afterwards with
// ReasonHostKeyChanged. Once a key is pinned, its type is negotiated
// first, so a server that offers several key types does not look changed.
//
// To re-pin after a legitimate change (a reinstalled server), check the new
// fingerprint with the customer, then call store.Forget with the server's
// "host:port" (for a FileHostKeyStore, deleting its line works too); the
// next push pins the new key.
func TrustOnFirstUse(store HostKeyStore) HostKeyPolicy {
	if store == nil {
		panic("sftppush: TrustOnFirstUse with nil HostKeyStore")
	}
	return tofu{store}
}

type tofu struct{ store HostKeyStore }

func (t tofu) HostKeyAlgorithms(ctx context.Context, hostport string, _ net.Addr) []string {
	if k, err := t.store.Lookup(ctx, hostport); err == nil && k != nil {
		return preferKeyTypes([]string{k.Type()})
	}
	return nil
}

func (t tofu) CheckHostKey(ctx context.Context, hostport string, _ net.Addr, key ssh.PublicKey) error {
	pinned, err := t.store.Pin(ctx, hostport, key)
	if err != nil {
		return &HostKeyError{HostPort: hostport, Presented: ssh.FingerprintSHA256(key), Err: fmt.Errorf("host key store: %w", err)}
	}
	if !sameKey(pinned, key) {
		return &HostKeyError{
			HostPort:  hostport,
			Known:     []string{ssh.FingerprintSHA256(pinned)},
			Presented: ssh.FingerprintSHA256(key),
			Fix:       fmt.Sprintf("If the change is legitimate, re-pin: call Forget(ctx, %q) on the HostKeyStore and push again", hostport),
		}
	}
	return nil
}

// MemoryHostKeyStore is a HostKeyStore in memory: pins last as long as the
// process. Its zero value is ready to use; it is safe for concurrent use
// and must not be copied after first use.
type MemoryHostKeyStore struct {
	mu   sync.Mutex
	keys map[string]ssh.PublicKey
}

// Lookup implements HostKeyStore.
func (m *MemoryHostKeyStore) Lookup(_ context.Context, hostport string) (ssh.PublicKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys[hostport], nil
}

// Pin implements HostKeyStore.
func (m *MemoryHostKeyStore) Pin(_ context.Context, hostport string, key ssh.PublicKey) (ssh.PublicKey, error) {
	if key == nil {
		return nil, errors.New("nil key")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[hostport]; ok {
		return k, nil
	}
	if m.keys == nil {
		m.keys = make(map[string]ssh.PublicKey)
	}
	m.keys[hostport] = key
	return key, nil
}

// Forget implements HostKeyStore.
func (m *MemoryHostKeyStore) Forget(_ context.Context, hostport string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, hostport)
	return nil
}

// KnownHosts returns a policy that trusts only the keys listed for a server
// in the OpenSSH known_hosts files (the format of ~/.ssh/known_hosts,
// hashed names and @revoked included). A server with no line is refused
// with ReasonHostKeyUnknown, a server with a different key with
// ReasonHostKeyChanged. The host key algorithms negotiated are those of the
// server's lines, so that the server presents a key type the file has.
//
// The files are read again for every connection, so an operator's edit
// takes effect at the next push; KnownHosts reads them once to report a
// missing or malformed file at once. @cert-authority lines are not used.
func KnownHosts(files ...string) (HostKeyPolicy, error) {
	if len(files) == 0 {
		return nil, errors.New("sftppush: KnownHosts needs at least one file")
	}
	if _, err := knownhosts.New(files...); err != nil {
		return nil, fmt.Errorf("sftppush: %w", err)
	}
	return knownHostsPolicy{files: append([]string(nil), files...)}, nil
}

type knownHostsPolicy struct{ files []string }

// probeKey is a key no file lists: checking it makes knownhosts list the
// keys it does have for a server.
var probeKey = sync.OnceValue(func() ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return k
})

func (k knownHostsPolicy) HostKeyAlgorithms(_ context.Context, hostport string, remote net.Addr) []string {
	cb, err := knownhosts.New(k.files...)
	if err != nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if !errors.As(cb(hostport, remote, probeKey()), &ke) {
		return nil
	}
	var types []string
	for _, w := range ke.Want {
		types = append(types, w.Key.Type())
	}
	return preferKeyTypes(types)
}

func (k knownHostsPolicy) CheckHostKey(_ context.Context, hostport string, remote net.Addr, key ssh.PublicKey) error {
	files := strings.Join(k.files, ", ")
	he := &HostKeyError{HostPort: hostport, Presented: ssh.FingerprintSHA256(key)}
	cb, err := knownhosts.New(k.files...)
	if err != nil {
		he.Err = err
		return he
	}
	err = cb(hostport, remote, key)
	var ke *knownhosts.KeyError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ke) && len(ke.Want) > 0:
		for _, w := range ke.Want {
			he.Known = append(he.Known, ssh.FingerprintSHA256(w.Key))
		}
		he.Fix = fmt.Sprintf("If the change is legitimate, replace the server's line in %s (ssh-keygen -R %q -f %s removes it) with the new key", files, knownhosts.Normalize(hostport), k.files[0])
	case errors.As(err, &ke):
		he.Fix = fmt.Sprintf("Add the server's key to %s once its fingerprint is confirmed with the customer", files)
	default:
		he.Err = err // @revoked, or a malformed file
	}
	return he
}
