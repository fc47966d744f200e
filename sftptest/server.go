package sftptest

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"

	"golang.org/x/crypto/ssh"
)

// DefaultUsername is the login name of a Server whose Username is empty.
const DefaultUsername = "tester"

// ServerVersion is the SSH identification string the Server sends.
const ServerVersion = "SSH-2.0-sftptest"

// Server is an in-process SSH+SFTP server on 127.0.0.1 with password
// authentication, serving a temporary directory.
//
// Change the fields marked "set before Start" only between
// NewUnstartedServer and Start; after Start they are read concurrently by
// the connections and must not change.
type Server struct {
	// Username is the only login name accepted; set before Start. Empty
	// means DefaultUsername.
	Username string
	// Password is the only password accepted for Username, compared
	// exactly; set before Start. Empty means a random 16-character string
	// chosen by Start.
	Password string
	// Version is the SSH identification string the server sends; set
	// before Start. Empty means ServerVersion. Cloud services are known by
	// theirs ("SSH-2.0-AWS_SFTP_1.1", "SSH-2.0-AzureSSH_1.0.0").
	Version string
	// Banner, if not empty, is shown to clients before they log in (SSH's
	// SSH_MSG_USERAUTH_BANNER, OpenSSH's Banner); set before Start.
	Banner string
	// Algorithms, where its lists are not empty, are the only key
	// exchanges, ciphers and MACs the server offers, as a server
	// configured with KexAlgorithms, Ciphers or MACs does; set before
	// Start. x/crypto's server speaks the insecure ones too
	// (ssh.InsecureAlgorithms) when they are listed. HostKeys and
	// PublicKeyAuths are ignored: the host-key algorithms follow HostKeys.
	Algorithms ssh.Algorithms
	// Faults makes the server misbehave; set before Start. The zero value
	// is a well-behaved server.
	Faults Faults

	// Addr is "127.0.0.1:port", set by Start.
	Addr string
	// Host is "127.0.0.1", set by Start.
	Host string
	// Port is the listening port, set by Start.
	Port int
	// Root is the local directory served (a t.TempDir()). SFTP path "/"
	// is Root, the login directory is "/" and relative SFTP paths resolve
	// against "/". It is set by NewUnstartedServer, so files can be laid
	// out before Start.
	Root string
	// HostKeys are the server's host keys, offered in this order:
	// NewUnstartedServer puts one fresh ed25519 key here. Set them before
	// Start to serve other key types, or several, as a server with RSA,
	// ECDSA and ed25519 keys does.
	HostKeys []ssh.Signer
	// HostKey is the public key of HostKeys[0], set by NewUnstartedServer
	// and again by Start.
	HostKey ssh.PublicKey

	t    TB
	root *os.Root
	ln   net.Listener
	done chan struct{} // closed by Close: releases stalled handlers
	wg   sync.WaitGroup

	startOnce sync.Once
	closeOnce sync.Once

	mu            sync.Mutex
	closing       bool
	live          map[*serverConn]struct{}
	nconns        int
	peak          int // most connections open at once
	logins        int
	passwordTries int
	channels      int
	open          int // session channels open now
	opens         []Open
	renames       []string       // targets of successful renames, in order
	writing       map[string]int // handles open for writing, by path
	quotaUsed     int64
	taken         []string // SFTP paths moved away by Faults.TakeAway
}

// Open records one file opened for writing.
type Open struct {
	// Conn is the 1-based number of the TCP connection the open came over,
	// in the order the server accepted them.
	Conn int
	// Path is the cleaned, absolute SFTP path that was opened.
	Path string
}

// NewUnstartedServer returns a Server that is not yet listening, so the
// caller can change Username, Password and Faults, or lay out files under
// Root, before calling Start.
func NewUnstartedServer(t TB) *Server {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("sftptest: generating host key: %v", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatalf("sftptest: host key signer: %v", err)
	}
	hostKey, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatalf("sftptest: host public key: %v", err)
	}
	return &Server{
		Root:     t.TempDir(),
		HostKeys: []ssh.Signer{signer},
		HostKey:  hostKey,
		t:        t,
		done:     make(chan struct{}),
		live:     make(map[*serverConn]struct{}),
	}
}

// NewServer returns a started Server: NewUnstartedServer followed by Start.
func NewServer(t TB) *Server {
	t.Helper()
	s := NewUnstartedServer(t)
	s.Start()
	return s
}

// Start fills in the defaults, listens on a random port of 127.0.0.1 and
// serves in the background. It registers Close with t.Cleanup. Calling it
// twice panics.
func (s *Server) Start() {
	s.t.Helper()
	started := false
	s.startOnce.Do(func() { started = true })
	if !started {
		panic("sftptest: Server started twice")
	}
	if s.Username == "" {
		s.Username = DefaultUsername
	}
	if s.Password == "" {
		s.Password = randomPassword()
	}
	if len(s.HostKeys) == 0 {
		s.t.Fatalf("sftptest: Server.HostKeys is empty")
	}
	s.HostKey = s.HostKeys[0].PublicKey()
	root, err := os.OpenRoot(s.Root)
	if err != nil {
		s.t.Fatalf("sftptest: opening root: %v", err)
	}
	s.root = root
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		root.Close()
		s.t.Fatalf("sftptest: listen: %v", err)
	}
	s.ln = ln
	tcp := ln.Addr().(*net.TCPAddr)
	s.Addr = tcp.String()
	s.Host = tcp.IP.String()
	s.Port = tcp.Port
	s.t.Cleanup(s.Close)

	config := s.sshConfig()
	s.wg.Add(1)
	go s.acceptLoop(config)
}

// Close stops the server: it closes the listener and every connection,
// releases stalled handlers, and waits for every goroutine the server
// started to return. It is safe to call more than once and before Start.
//
// pkg/sftp and x/crypto/ssh each leave one or two internal goroutines that
// cannot be joined but return within microseconds of the connection
// closing; goleak's default retries cover them.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		conns := make([]*serverConn, 0, len(s.live))
		for c := range s.live {
			conns = append(conns, c)
		}
		s.mu.Unlock()

		if s.ln != nil {
			s.ln.Close()
		}
		close(s.done)
		for _, c := range conns {
			c.nc.Close()
		}
		s.wg.Wait()
		if s.root != nil {
			s.root.Close()
		}
	})
}

// Connections reports how many TCP connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nconns
}

// PeakConnections reports the most TCP connections the server had open at
// once, as a check that clients keep to a limit of connections per server.
func (s *Server) PeakConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// Channels reports how many session channels clients have asked the server
// to open, and how many are open now.
func (s *Server) Channels() (asked, open int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channels, s.open
}

// Logins reports how many password logins have succeeded.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// PasswordTries reports how many times a client sent a password, right
// or wrong: zero proves that a client refused the server before sending
// one (a host-key check, say).
func (s *Server) PasswordTries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.passwordTries
}

// Opens returns every successful open of a file for writing, in the order
// the server handled them.
func (s *Server) Opens() []Open {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.opens)
}

// Renames returns the SFTP paths that files were renamed to, by Rename or
// posix-rename, in the order the server did the renames.
func (s *Server) Renames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.renames)
}

// Taken returns the SFTP paths of the files Faults.TakeAway moved away, in
// order; each is now in /.taken under its base name.
func (s *Server) Taken() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.taken)
}

// randomPassword returns 16 characters from an unambiguous alphabet.
func randomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // 32 letters: no modulo bias
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("sftptest: random password: %v", err))
	}
	for i := range b {
		b[i] = alphabet[b[i]%32]
	}
	return string(b[:])
}
