package sftppush

import (
	"bytes"
	"context"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
)

// clientVersion is the SSH identification string we send. It names the
// library so that a customer reading their sshd log can tell who connected.
const clientVersion = "SSH-2.0-sftppush"

// handshook is what the SSH handshake and login gave: the client, or why
// there is none, and what was learnt of the server either way.
type handshook struct {
	client        *ssh.Client
	serverVersion string
	fingerprint   string
	banner        string // what the server showed before the login, as it came
	algorithms    string // negotiated (algorithms.go)
	asked         bool   // the password was handed to the server (see handshakeReason)
	err           error
}

// handshake runs the SSH handshake and the password login on nc. ctx
// bounds the host-key policy; the connection's deadline bounds the rest.
func handshake(ctx context.Context, set *settings, dest destination, nc net.Conn) handshook {
	var hs handshook
	cfg := &ssh.ClientConfig{
		User: dest.user,
		Auth: authMethods(dest.password, set.keyboardInteractive, &hs.asked),
		// Called once the key exchange is done and before each login
		// method: the algorithms are known even when the login fails.
		AuthCallback: func(ctx *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
			hs.algorithms = describeAlgorithms(ctx.Algorithms)
			return refusePartialSuccess(ctx)
		},
		// Called during the key exchange, before the password is sent.
		HostKeyCallback: func(_ string, remote net.Addr, key ssh.PublicKey) error {
			hs.fingerprint = ssh.FingerprintSHA256(key)
			return checkHostKey(ctx, set.hostKeys, dest.addr, remote, key)
		},
		BannerCallback: func(msg string) error {
			if len(hs.banner) < maxBannerBytes {
				hs.banner += msg[:min(len(msg), maxBannerBytes-len(hs.banner))]
			}
			return nil
		},
		ClientVersion: clientVersion,
	}
	algorithmsOffered(set.legacyAlgorithms).apply(cfg, hostKeyAlgorithms(ctx, set.hostKeys, dest.addr, nc.RemoteAddr()))
	bc := &bannerConn{Conn: nc}
	sc, chans, reqs, err := ssh.NewClientConn(bc, dest.addr, cfg)
	if err != nil {
		if e := noCommonAlgorithm(err, set.legacyAlgorithms); e != nil {
			err = e
		}
		hs.serverVersion, hs.err = bc.banner(), err
		return hs
	}
	hs.client = ssh.NewClient(sc, chans, reqs)
	hs.serverVersion = string(sc.ServerVersion())
	if a := negotiated(sc); a != "" {
		hs.algorithms = a
	}
	return hs
}

// maxBannerBytes bounds what is kept of the server's pre-login banner;
// the log entry keeps less (maxBannerChars).
const maxBannerBytes = 8 << 10

// bannerConn remembers the first line the server sends, its SSH
// identification, so that the log names the server even when the handshake
// fails. It stops looking once the line is complete.
type bannerConn struct {
	net.Conn
	first []byte
	done  bool
}

func (b *bannerConn) Read(p []byte) (int, error) {
	n, err := b.Conn.Read(p)
	if !b.done && n > 0 {
		b.first = append(b.first, p[:n]...)
		if i := bytes.IndexByte(b.first, '\n'); i >= 0 || len(b.first) > 255 {
			b.done = true
			if i >= 0 {
				b.first = b.first[:i]
			}
		}
	}
	return n, err
}

// banner returns the server's identification line, if it sent one.
func (b *bannerConn) banner() string {
	line := strings.TrimRight(string(b.first), "\r\n")
	if !strings.HasPrefix(line, "SSH-") {
		return ""
	}
	return line
}
