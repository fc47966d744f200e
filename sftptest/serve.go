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
	"crypto/subtle"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// serverConn is one accepted TCP connection and its fault bookkeeping.
type serverConn struct {
	s   *Server
	num int
	nc  net.Conn

	mu       sync.Mutex
	received int64 // bytes of file data received in write requests
	stalled  bool
	sessions int // SFTP sessions started
}

// sshConfig builds the server's ssh configuration from Faults.
func (s *Server) sshConfig() *ssh.ServerConfig {
	config := &ssh.ServerConfig{ServerVersion: s.Version}
	if config.ServerVersion == "" {
		config.ServerVersion = ServerVersion
	}
	config.KeyExchanges, config.Ciphers, config.MACs = s.Algorithms.KeyExchanges, s.Algorithms.Ciphers, s.Algorithms.MACs
	if s.Banner != "" {
		config.BannerCallback = func(ssh.ConnMetadata) string { return s.Banner }
	}
	if s.Faults.EchoPassword {
		config.ServerVersion += " built-for " + s.Password
	}
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
				if s.Faults.PasswordExpired {
					// PAM's pam_unix, for an expired password.
					if _, err := ask(conn.User(), "You are required to change your password immediately (administrator enforced)", []string{"Current password: "}, []bool{false}); err != nil {
						return nil, err
					}
					s.mu.Lock()
					s.passwordTries++
					s.mu.Unlock()
					return nil, errors.New("sftptest: password change refused")
				}
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
			if s.Faults.SecondFactor {
				return nil, &ssh.PartialSuccessError{Next: ssh.ServerAuthCallbacks{
					KeyboardInteractiveCallback: func(conn ssh.ConnMetadata, ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
						if _, err := ask(conn.User(), "", []string{"Verification code: "}, []bool{false}); err != nil {
							return nil, err
						}
						s.mu.Lock()
						s.passwordTries++
						s.mu.Unlock()
						return nil, errors.New("sftptest: wrong verification code")
					},
				}}
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
		s.peak = max(s.peak, len(s.live))
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
		s.forget(c)
		c.nc.Close()
	}()

	// The connection is counted out as soon as the client's end shows,
	// before x/crypto closes ours: a client that saw the close never sees
	// it counted (PeakConnections).
	conn, chans, reqs, err := ssh.NewServerConn(&endConn{Conn: c.nc, end: func() { s.forget(c) }}, config)
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
		if s.Faults.RejectSessions {
			msg := "sftptest: no sessions today"
			if s.Faults.EchoPassword {
				msg += " for password " + s.Password
			}
			nch.Reject(ssh.Prohibited, msg)
			continue
		}
		s.mu.Lock()
		s.channels++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if d := s.Faults.ChannelOpenDelay; d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-s.done: // Close does not wait out the delay
					t.Stop()
					nch.Reject(ssh.ResourceShortage, "sftptest: server closed")
					return
				}
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
		if d := s.Faults.SubsystemDelay; d > 0 && req.Type == "subsystem" {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
			}
		}
		if req.WantReply {
			req.Reply(ok, nil)
		}
		if ok && s.Faults.PasswordExpired {
			// OpenSSH's child for the session, after a login whose
			// password has expired, without a terminal.
			io.WriteString(ch.Stderr(), "WARNING: Your password has expired.\nPassword change required but no TTY available.\n")
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{1}))
			ch.CloseWrite()
			return
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
	if f := s.Faults; f.StderrBeforeStart > 0 || f.StderrPerReply > 0 {
		rwc = &chattyChannel{Channel: ch, before: f.StderrBeforeStart, per: f.StderrPerReply}
	}
	if len(s.Faults.HideExtensions) > 0 {
		rwc = newExtensionFilter(rwc, s.Faults.HideExtensions)
	}
	c.mu.Lock()
	c.sessions++
	sess := &sessionState{num: c.sessions}
	c.mu.Unlock()
	var h fileHandler = &handler{s: s, c: c, sess: sess}
	if s.Faults.EchoPassword {
		h = echoHandler{h.(*handler)}
	}
	rs := sftp.NewRequestServer(rwc, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h})
	rs.Serve()
	rs.Close()
}

// forget counts a connection out of those open.
func (s *Server) forget(c *serverConn) {
	s.mu.Lock()
	delete(s.live, c)
	s.mu.Unlock()
}

// endConn calls end when a read first fails: the client closed, or the
// connection broke.
type endConn struct {
	net.Conn
	end  func()
	once sync.Once
}

func (e *endConn) Read(p []byte) (int, error) {
	n, err := e.Conn.Read(p)
	if err != nil {
		e.once.Do(e.end)
	}
	return n, err
}
