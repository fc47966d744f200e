// Package sftptest runs an SSH+SFTP server inside a test process, the way
// net/http/httptest runs an HTTP server: on 127.0.0.1, on a random free port,
// serving a temporary directory, with faults that a test can switch on to
// see how a client copes with a misbehaving server.
//
// It also offers standalone misbehaving peers (a listener that never speaks,
// one that answers with garbage, a closed port, a port whose connect hangs)
// and an in-process DNS server behind a *net.Resolver.
//
// Everything here is test-only code: setup failures call t.Fatal or panic,
// and every goroutine started is waited for on Close or in t.Cleanup, so
// go.uber.org/goleak passes in the caller's tests.
package sftptest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/pkg/sftp"
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
	logins        int
	passwordTries int
	channels      int
	open          int // session channels open now
	opens         []Open
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

// serverConn is one accepted TCP connection and its fault bookkeeping.
type serverConn struct {
	s   *Server
	num int
	nc  net.Conn

	mu       sync.Mutex
	received int64 // bytes of file data received in write requests
	stalled  bool
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

// sshConfig builds the server's ssh configuration from Faults.
func (s *Server) sshConfig() *ssh.ServerConfig {
	config := &ssh.ServerConfig{ServerVersion: ServerVersion}
	user, pass := []byte(s.Username), []byte(s.Password)
	if s.Faults.KeyboardInteractiveOnly {
		config.KeyboardInteractiveCallback = func(conn ssh.ConnMetadata, ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			// Ask, so a client can see it was offered the method.
			answers, err := ask(conn.User(), "sftptest", []string{"Password: "}, []bool{false})
			if err != nil {
				return nil, err
			}
			s.mu.Lock()
			s.passwordTries++
			s.mu.Unlock()
			if s.Faults.KeyboardInteractivePassword && len(answers) == 1 &&
				subtle.ConstantTimeCompare([]byte(conn.User()), user)&subtle.ConstantTimeCompare([]byte(answers[0]), pass) == 1 {
				s.mu.Lock()
				s.logins++
				s.mu.Unlock()
				return nil, nil
			}
			return nil, errors.New("sftptest: keyboard-interactive authentication failed")
		}
	} else {
		config.PasswordCallback = func(conn ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			s.mu.Lock()
			s.passwordTries++
			s.mu.Unlock()
			userOK := subtle.ConstantTimeCompare([]byte(conn.User()), user)
			passOK := subtle.ConstantTimeCompare(password, pass)
			if userOK&passOK != 1 {
				return nil, errors.New("sftptest: wrong username or password")
			}
			s.mu.Lock()
			s.logins++
			s.mu.Unlock()
			return nil, nil
		}
	}
	for _, k := range s.HostKeys {
		config.AddHostKey(k)
	}
	return config
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

// acceptLoop accepts connections until the listener is closed.
func (s *Server) acceptLoop(config *ssh.ServerConfig) {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return // closed by Close; anything else on loopback is fatal too
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.nconns++
		c := &serverConn{s: s, num: s.nconns, nc: nc}
		s.live[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c, config)
	}
}

// serveConn runs the SSH handshake and dispatches the connection's
// channels until the connection ends.
func (s *Server) serveConn(c *serverConn, config *ssh.ServerConfig) {
	defer s.wg.Done()
	defer func() {
		c.nc.Close()
		s.mu.Lock()
		delete(s.live, c)
		s.mu.Unlock()
	}()

	conn, chans, reqs, err := ssh.NewServerConn(c.nc, config)
	if err != nil {
		return
	}
	defer conn.Close()

	// Global requests, keepalive@openssh.com among them, get a "false"
	// reply: enough for a client's keepalive to see the server is alive.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ssh.DiscardRequests(reqs)
	}()

	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, "sftptest serves session channels only")
			continue
		}
		s.mu.Lock()
		s.channels++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if d := s.Faults.ChannelOpenDelay; d > 0 {
				time.Sleep(d)
			}
			ch, chReqs, err := nch.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.open++
			s.mu.Unlock()
			s.wg.Add(1)
			s.serveSession(c, ch, chReqs)
		}()
	}
}

// serveSession answers a session channel's requests: "subsystem sftp"
// starts the SFTP server; exec, shell, pty and everything else is refused.
func (s *Server) serveSession(c *serverConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		s.open--
		s.mu.Unlock()
	}()
	defer ch.Close()
	started := false
	for req := range reqs {
		ok := false
		if req.Type == "subsystem" && !started && !s.Faults.RefuseSubsystem {
			var sub struct{ Name string }
			if ssh.Unmarshal(req.Payload, &sub) == nil && sub.Name == "sftp" {
				ok = true
			}
		}
		if req.WantReply {
			req.Reply(ok, nil)
		}
		if ok {
			started = true
			s.wg.Add(1)
			go s.serveSFTP(c, ch)
		}
	}
}

// serveSFTP runs pkg/sftp's request server on the channel with this
// server's handlers, then closes the channel.
func (s *Server) serveSFTP(c *serverConn, ch ssh.Channel) {
	defer s.wg.Done()
	var rwc io.ReadWriteCloser = ch
	if len(s.Faults.HideExtensions) > 0 {
		rwc = newExtensionFilter(ch, s.Faults.HideExtensions)
	}
	h := &handler{s: s, c: c}
	rs := sftp.NewRequestServer(rwc, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h})
	rs.Serve()
	rs.Close()
}

// Path returns the local path of an SFTP path under Root. The SFTP path is
// cleaned as the server cleans it, so it never leaves Root.
func (s *Server) Path(sftpPath string) string {
	return filepath.Join(s.Root, filepath.FromSlash(cleanSFTPPath(sftpPath)))
}

// MkdirAll creates the SFTP directory sftpPath and its parents under Root,
// failing the test on error.
func (s *Server) MkdirAll(sftpPath string) {
	s.t.Helper()
	if err := os.MkdirAll(s.Path(sftpPath), 0o755); err != nil {
		s.t.Fatalf("sftptest: %v", err)
	}
}

// WriteFile writes data to the SFTP path sftpPath under Root, creating its
// parent directories, failing the test on error. It does not count against
// Faults.QuotaBytes.
func (s *Server) WriteFile(sftpPath string, data []byte) {
	s.t.Helper()
	p := s.Path(sftpPath)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatalf("sftptest: %v", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		s.t.Fatalf("sftptest: %v", err)
	}
}

// ReadFile returns the contents of the SFTP path sftpPath under Root,
// failing the test on error.
func (s *Server) ReadFile(sftpPath string) []byte {
	s.t.Helper()
	data, err := os.ReadFile(s.Path(sftpPath))
	if err != nil {
		s.t.Fatalf("sftptest: %v", err)
	}
	return data
}

// Connections reports how many TCP connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nconns
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

// Taken returns the SFTP paths of the files Faults.TakeAway moved away, in
// order; each is now in /.taken under its base name.
func (s *Server) Taken() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.taken)
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

// cleanSFTPPath makes an SFTP path absolute ("/" is the login directory)
// and removes every "." and "..", so it cannot climb above "/".
func cleanSFTPPath(p string) string {
	return path.Clean("/" + p)
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
