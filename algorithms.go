package sftppush

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sftppush/sftppush/internal/textcap"
	"golang.org/x/crypto/ssh"
)

// Algorithms. We offer every algorithm x/crypto implements and does not
// call insecure (ssh.SupportedAlgorithms), in its order of preference:
// beyond x/crypto's defaults that adds diffie-hellman-group16-sha512 and
// diffie-hellman-group-exchange-sha256, which servers configured for
// "strong" key exchanges offer alone, and leaves out what x/crypto offers
// only for compatibility (diffie-hellman-group14-sha1, hmac-sha1-96,
// ssh-rsa signatures), as OpenSSH's own client does since 8.8. With
// Config.LegacyAlgorithms the insecure ones (ssh.InsecureAlgorithms) are
// appended at the end of each list, so that a modern server still
// negotiates a modern algorithm.

// offer is what we propose in the key exchange.
type offer struct {
	kex, ciphers, macs, hostKeys []string
}

func algorithmsOffered(legacy bool) offer {
	sup := ssh.SupportedAlgorithms()
	o := offer{kex: sup.KeyExchanges, ciphers: sup.Ciphers, macs: sup.MACs, hostKeys: sup.HostKeys}
	if legacy {
		in := ssh.InsecureAlgorithms()
		o.kex = append(o.kex, in.KeyExchanges...)
		o.ciphers = append(o.ciphers, in.Ciphers...)
		o.macs = append(o.macs, in.MACs...)
		o.hostKeys = append(o.hostKeys, in.HostKeys...)
	}
	return o
}

// apply sets the offer in cfg. A host-key policy's own preference
// (HostKeyAlgorithmsPolicy) orders the host-key algorithms instead, less
// those the offer leaves out.
func (o offer) apply(cfg *ssh.ClientConfig, preferred []string) {
	cfg.KeyExchanges, cfg.Ciphers, cfg.MACs = o.kex, o.ciphers, o.macs
	cfg.HostKeyAlgorithms = o.hostKeys
	if len(preferred) > 0 {
		keep := slices.DeleteFunc(slices.Clone(preferred), func(a string) bool { return !slices.Contains(o.hostKeys, a) })
		if len(keep) > 0 {
			cfg.HostKeyAlgorithms = keep
		}
	}
}

// negotiated describes the algorithms a connection agreed on, for the
// log entry: "kex=curve25519-sha256 hostkey=ssh-ed25519
// cipher=aes128-gcm@openssh.com", with mac= for ciphers that need one,
// and both directions where they differ ("cipher=a/b": ours, the server's).
func negotiated(c ssh.Conn) string {
	m, ok := c.(ssh.AlgorithmsConnMetadata)
	if !ok {
		return ""
	}
	return describeAlgorithms(m.Algorithms())
}

// describeAlgorithms is negotiated's text for a.
func describeAlgorithms(a ssh.NegotiatedAlgorithms) string {
	if a.KeyExchange == "" {
		return ""
	}
	both := func(w, r string) string {
		if w == r {
			return w
		}
		return w + "/" + r
	}
	s := fmt.Sprintf("kex=%s hostkey=%s cipher=%s", a.KeyExchange, a.HostKey, both(a.Write.Cipher, a.Read.Cipher))
	if a.Write.MAC != "" || a.Read.MAC != "" {
		s += " mac=" + both(a.Write.MAC, a.Read.MAC)
	}
	return s
}

// noCommonAlgorithm explains a failed negotiation: what the server offers
// for the step that failed, and whether Config.LegacyAlgorithms would help
// or Go's SSH speaks none of it at all. It returns nil if err is not a
// failed negotiation.
func noCommonAlgorithm(err error, legacy bool) error {
	var ne *ssh.AlgorithmNegotiationError
	if !errors.As(err, &ne) {
		return nil
	}
	in := ssh.InsecureAlgorithms()
	var insecure []string
	switch {
	case strings.Contains(ne.What, "key exchange"):
		insecure = in.KeyExchanges
	case strings.Contains(ne.What, "host key"):
		insecure = in.HostKeys
	case strings.Contains(ne.What, "cipher"):
		insecure = in.Ciphers
	case strings.Contains(ne.What, "MAC"):
		insecure = in.MACs
	}
	var wouldDo []string
	for _, a := range ne.RequestedAlgorithms {
		if slices.Contains(insecure, a) {
			wouldDo = append(wouldDo, a)
		}
	}
	offers := logText(textcap.Runes(strings.Join(ne.RequestedAlgorithms, ", "), 500))
	var help string
	switch {
	case len(wouldDo) > 0 && !legacy:
		help = fmt.Sprintf("the server offers only legacy algorithms; Config.LegacyAlgorithms would allow %s", strings.Join(wouldDo, ", "))
	case len(wouldDo) > 0:
		help = "the legacy algorithms were offered too"
	default:
		help = "Go's SSH implementation (golang.org/x/crypto/ssh) speaks none of them, even with Config.LegacyAlgorithms"
	}
	return fmt.Errorf("the server and we share no %s algorithm: the server offers %s; %s: %w", ne.What, offers, help, err)
}
