package hostkey

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/sftppush/sftppush"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// KnownHosts returns a policy that trusts only the keys listed for a server
// in the OpenSSH known_hosts files (the format of ~/.ssh/known_hosts,
// hashed names and @revoked included). A server with no line is refused
// with sftppush.ReasonHostKeyUnknown, a server with a different key with
// sftppush.ReasonHostKeyChanged. The host key algorithms negotiated are those of the
// server's lines, so that the server presents a key type the file has.
//
// The files are read again for every connection, so an operator's edit
// takes effect at the next push; KnownHosts reads them once to report a
// missing or malformed file at once. @cert-authority lines are not used.
func KnownHosts(files ...string) (sftppush.HostKeyPolicy, error) {
	if len(files) == 0 {
		return nil, errors.New("hostkey: KnownHosts needs at least one file")
	}
	if _, err := knownhosts.New(files...); err != nil {
		return nil, fmt.Errorf("hostkey: %w", err)
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
	he := &Error{HostPort: hostport, Presented: ssh.FingerprintSHA256(key)}
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
