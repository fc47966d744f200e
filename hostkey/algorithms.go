package hostkey

import (
	"strings"

	"golang.org/x/crypto/ssh"
)

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
