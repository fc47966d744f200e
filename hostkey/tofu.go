package hostkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/sftppush/sftppush"
	"golang.org/x/crypto/ssh"
)

// Store keeps the keys a TrustOnFirstUse policy pinned, one per
// server ("host:port"). Its methods may be called concurrently. The package
// provides MemoryStore and FileStore; a database-backed store
// implements the same three methods.
type Store interface {
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
// sftppush.ReasonHostKeyChanged. Once a key is pinned, its type is negotiated
// first, so a server that offers several key types does not look changed.
//
// To re-pin after a legitimate change (a reinstalled server), check the new
// fingerprint with the customer, then call store.Forget with the server's
// "host:port" (for a FileStore, deleting its line works too); the
// next push pins the new key.
func TrustOnFirstUse(store Store) sftppush.HostKeyPolicy {
	if store == nil {
		panic("hostkey: TrustOnFirstUse with nil Store")
	}
	return tofu{store}
}

type tofu struct{ store Store }

func (t tofu) HostKeyAlgorithms(ctx context.Context, hostport string, _ net.Addr) []string {
	if k, err := t.store.Lookup(ctx, hostport); err == nil && k != nil {
		return preferKeyTypes([]string{k.Type()})
	}
	return nil
}

func (t tofu) CheckHostKey(ctx context.Context, hostport string, _ net.Addr, key ssh.PublicKey) error {
	pinned, err := t.store.Pin(ctx, hostport, key)
	if err != nil {
		return &Error{HostPort: hostport, Presented: ssh.FingerprintSHA256(key), Err: fmt.Errorf("host key store: %w", err)}
	}
	if !sameKey(pinned, key) {
		return &Error{
			HostPort:  hostport,
			Known:     []string{ssh.FingerprintSHA256(pinned)},
			Presented: ssh.FingerprintSHA256(key),
			Fix:       fmt.Sprintf("If the change is legitimate, re-pin: call Forget(ctx, %q) on the Store and push again", hostport),
		}
	}
	return nil
}

// MemoryStore is a Store in memory: pins last as long as the
// process. Its zero value is ready to use; it is safe for concurrent use
// and must not be copied after first use.
type MemoryStore struct {
	mu   sync.Mutex
	keys map[string]ssh.PublicKey
}

// Lookup implements Store.
func (m *MemoryStore) Lookup(_ context.Context, hostport string) (ssh.PublicKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys[hostport], nil
}

// Pin implements Store.
func (m *MemoryStore) Pin(_ context.Context, hostport string, key ssh.PublicKey) (ssh.PublicKey, error) {
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

// Forget implements Store.
func (m *MemoryStore) Forget(_ context.Context, hostport string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, hostport)
	return nil
}

func sameKey(a, b ssh.PublicKey) bool {
	return a != nil && b != nil && bytes.Equal(a.Marshal(), b.Marshal())
}
