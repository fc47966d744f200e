package sftptest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pkg/sftp"
	"github.com/sftppush/sftppush"
	"golang.org/x/crypto/ssh"
)

// Loopback is the network every Server and listener of this package is on.
// The destination policy refuses it by default; Config allows it.
var Loopback = netip.MustParsePrefix("127.0.0.0/8")

// Credentials returns credentials that log in to the server (its Host,
// Port, Username and Password) and push into folder, an SFTP path such as
// "/upload" ("/" is Root; relative paths start there). The folder is not
// created: call MkdirAll for it. Call Credentials after Start.
func (s *Server) Credentials(folder string) sftppush.Credentials {
	return sftppush.Credentials{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password, Folder: folder}
}

// Config returns a sftppush.Config that reaches the server: loopback
// allowed by the destination policy, and a host-key policy that trusts the
// server's HostKey and nothing else. Set its other fields as a test needs.
func (s *Server) Config() sftppush.Config {
	return sftppush.Config{
		AllowNetworks: []netip.Prefix{Loopback},
		HostKeyPolicy: HostKeyPolicy(s.HostKey),
	}
}

// HostKeyPolicy returns a host-key policy that trusts key and refuses every
// other key as unknown.
func HostKeyPolicy(key ssh.PublicKey) sftppush.HostKeyPolicy {
	return fixedKey{key}
}

type fixedKey struct{ key ssh.PublicKey }

func (f fixedKey) CheckHostKey(_ context.Context, hostport string, _ net.Addr, key ssh.PublicKey) error {
	if bytes.Equal(key.Marshal(), f.key.Marshal()) {
		return nil
	}
	return fmt.Errorf("sftptest: %s presented host key %s, want the test server's %s", hostport, ssh.FingerprintSHA256(key), ssh.FingerprintSHA256(f.key))
}

func (f fixedKey) HostKeyAlgorithms(context.Context, string, net.Addr) []string {
	return []string{f.key.Type()}
}

// ClientConfig returns an ssh.ClientConfig that logs in to the server with
// its Username and Password and accepts only its HostKey. Call it after
// Start.
func (s *Server) ClientConfig() *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            s.Username,
		Auth:            []ssh.AuthMethod{ssh.Password(s.Password)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey),
		Timeout:         10 * time.Second,
	}
}

// Client dials the server with ClientConfig and starts an SFTP client,
// failing the test on error. Both are closed by t.Cleanup, before the
// server is.
func (s *Server) Client() *sftp.Client {
	s.t.Helper()
	conn, err := ssh.Dial("tcp", s.Addr, s.ClientConfig())
	if err != nil {
		s.t.Fatalf("sftptest: ssh dial: %v", err)
	}
	c, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		s.t.Fatalf("sftptest: sftp client: %v", err)
	}
	s.t.Cleanup(func() {
		c.Close()
		conn.Close()
	})
	return c
}
