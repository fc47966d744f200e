package sftppush

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// testSSHServer is a bare x/crypto SSH server on 127.0.0.1 for what
// sftptest does not offer: several host keys, or an SFTP side that
// misbehaves on purpose. It accepts user "tester" with password
// "secret-pass" (addrCreds's) and runs sftpSide on each "sftp" subsystem
// channel. Every goroutine it starts is joined in t.Cleanup.
type testSSHServer struct {
	Addr string
	// passwordCalls counts how often a client sent a password, right or
	// wrong.
	passwordCalls atomic.Int32

	ln     net.Listener
	silent bool // never answer the subsystem request
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
}

func newTestSSHServer(t *testing.T, signers []ssh.Signer, sftpSide func(ch io.ReadWriteCloser)) *testSSHServer {
	t.Helper()
	return startTestSSHServer(t, signers, sftpSide, false)
}

// newSilentSubsystemServer is a testSSHServer that never answers the
// "subsystem" request: a server stuck starting SFTP.
func newSilentSubsystemServer(t *testing.T) *testSSHServer {
	t.Helper()
	return startTestSSHServer(t, []ssh.Signer{ed25519Signer(t)}, nil, true)
}

func startTestSSHServer(t *testing.T, signers []ssh.Signer, sftpSide func(ch io.ReadWriteCloser), silent bool) *testSSHServer {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testSSHServer{Addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}, silent: silent}
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			s.passwordCalls.Add(1)
			if c.User() == "tester" && string(pw) == "secret-pass" {
				return nil, nil
			}
			return nil, io.ErrUnexpectedEOF
		},
	}
	for _, sg := range signers {
		cfg.AddHostKey(sg)
	}
	s.wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[nc] = true
			s.mu.Unlock()
			s.wg.Go(func() { s.serve(nc, cfg, sftpSide) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *testSSHServer) serve(nc net.Conn, cfg *ssh.ServerConfig, sftpSide func(io.ReadWriteCloser)) {
	defer nc.Close()
	conn, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	defer conn.Close()
	s.wg.Go(func() { ssh.DiscardRequests(reqs) })
	for nch := range chans {
		ch, chReqs, err := nch.Accept()
		if err != nil {
			continue
		}
		s.wg.Go(func() {
			defer ch.Close()
			for req := range chReqs {
				if s.silent && req.Type == "subsystem" {
					continue // never answered
				}
				ok := req.Type == "subsystem" && sftpSide != nil
				req.Reply(ok, nil)
				if ok {
					s.wg.Go(func() {
						defer ch.Close()
						sftpSide(ch)
					})
				}
			}
		})
	}
}

// inMemSFTP serves pkg/sftp's in-memory file system: a well-behaved SFTP
// side.
func inMemSFTP(ch io.ReadWriteCloser) {
	rs := sftp.NewRequestServer(ch, sftp.InMemHandler())
	rs.Serve()
	rs.Close()
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
