package sftppush

import (
	"context"
	"errors"
	"net"

	"golang.org/x/crypto/ssh"
)

// Host keys. Password authentication hands the password to whoever answers,
// so a HostKeyPolicy decides, during the SSH key exchange and before the
// password is sent, whether the server is the one we mean. x/crypto calls
// ssh.ClientConfig.HostKeyCallback from the key exchange; authentication
// only starts once it returned nil.

// HostKeyPolicy decides whether to trust the host key a server presents.
// Config.HostKeyPolicy nil accepts any key (the fingerprint is still
// logged); package hostkey has trust-on-first-use and known_hosts
// policies. Implementations must be safe for concurrent use.
type HostKeyPolicy interface {
	// CheckHostKey returns nil to trust key, or an error to refuse it, in
	// which case the password is not sent and the push ends with
	// SFTP_CONNECTION_TIMEOUT. hostport is "host:port" with the host as
	// typed (lower-case ASCII form), not the resolved address; remote is
	// the address connected to.
	//
	// The Reason is ReasonHostKeyChanged when the error, or one it wraps,
	// has a method HostKeyChanged() bool that returns true (as package
	// hostkey's *Error does when another key is trusted for the server),
	// and ReasonHostKeyUnknown otherwise. The error is kept in the push's
	// error chain, for errors.As.
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

// hostKeyRefusal marks the error of a host key the policy refused, so that
// classification tells it from other handshake failures.
type hostKeyRefusal struct {
	hostport, presented string
	err                 error
}

// Error says what was refused, unless the policy's error says so itself.
func (e *hostKeyRefusal) Error() string {
	if e.selfDescribing() {
		return e.err.Error()
	}
	return "host key " + e.presented + " of " + e.hostport + " refused (the password was not sent): " + e.err.Error()
}

func (e *hostKeyRefusal) Unwrap() error { return e.err }

func (e *hostKeyRefusal) selfDescribing() bool {
	var c interface{ HostKeyChanged() bool }
	return errors.As(e.err, &c)
}

// changed reports whether the policy said a different key is trusted.
func (e *hostKeyRefusal) changed() bool {
	var c interface{ HostKeyChanged() bool }
	return errors.As(e.err, &c) && c.HostKeyChanged()
}

// checkHostKey asks the policy, if any, whether to trust key.
func checkHostKey(ctx context.Context, pol HostKeyPolicy, hostport string, remote net.Addr, key ssh.PublicKey) error {
	if pol == nil {
		return nil
	}
	if err := pol.CheckHostKey(ctx, hostport, remote, key); err != nil {
		return &hostKeyRefusal{hostport: hostport, presented: ssh.FingerprintSHA256(key), err: err}
	}
	return nil
}

// hostKeyAlgorithms returns the host key algorithms the policy prefers for
// hostport, or nil for x/crypto's defaults.
func hostKeyAlgorithms(ctx context.Context, pol HostKeyPolicy, hostport string, remote net.Addr) []string {
	if ap, ok := pol.(HostKeyAlgorithmsPolicy); ok {
		return ap.HostKeyAlgorithms(ctx, hostport, remote)
	}
	return nil
}
