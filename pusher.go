// Package sftppush pushes the files of a video recording to a customer's own
// server over SFTP, and says in one of six statuses how the attempt ended.
//
// One Push is one attempt: it validates the credentials, checks the local
// main file, opens one SSH connection with password authentication, checks
// the folder, uploads the main file and then the extras one after another,
// verifies each by its remote size, closes the connection and writes one
// LogEntry to the configured Sink.
package sftppush

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
	"unicode"
)

// DefaultConnectTimeout is how long opening the SFTP connection may take
// when Config.ConnectTimeout is zero, as the product documents.
const DefaultConnectTimeout = 10 * time.Second

// DefaultPort is the SSH port used when Credentials.Port is zero.
const DefaultPort = 22

// DefaultStallTimeout is how long a push may go without progress when
// Config.StallTimeout is zero.
const DefaultStallTimeout = 30 * time.Second

// DefaultKeepaliveInterval is the keepalive interval when
// Config.KeepaliveInterval is zero.
const DefaultKeepaliveInterval = 5 * time.Second

// DefaultKeepaliveCountMax is the number of silent keepalive intervals
// tolerated when Config.KeepaliveCountMax is zero.
const DefaultKeepaliveCountMax = 3

// Config configures a Pusher. The zero value is a valid configuration: a
// 10-second connect timeout, the system resolver, no sink, public IPv4
// destinations only, any host key accepted.
type Config struct {
	// ConnectTimeout bounds opening the SFTP connection: DNS, TCP connect,
	// SSH handshake, password authentication and starting SFTP. Past it the
	// push ends with SFTP_CONNECTION_TIMEOUT. Zero means 10 seconds.
	ConnectTimeout time.Duration

	// Sink receives one LogEntry per push attempt. Nil means none; the entry
	// is still in Result.Entry.
	Sink Sink

	// Resolver looks up host names (IPv4 only). Nil means net.DefaultResolver.
	Resolver *net.Resolver

	// DialContext, if set, opens the TCP connection to the resolved IPv4
	// address ("tcp4", "a.b.c.d:port") instead of a net.Dialer: an escape
	// hatch for proxies and tests.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Concurrency is how many write requests may be outstanding per file.
	// Zero means 64.
	Concurrency int

	// Security (issue 4).

	// AllowNetworks lists IPv4 networks a push may connect to although the
	// destination policy refuses them. By default only public IPv4
	// addresses are reached: loopback, private, link-local, carrier-grade
	// NAT, multicast, broadcast, reserved and documentation ranges, and all
	// of IPv6, are refused with ReasonBlockedByPolicy. Tests and demos
	// allow loopback with netip.MustParsePrefix("127.0.0.0/8"). An entry
	// that is not a valid IPv4 prefix refuses every destination.
	AllowNetworks []netip.Prefix

	// HostKeyPolicy decides, before the password is sent, whether to trust
	// the server's host key: TrustOnFirstUse(store) or KnownHosts(files).
	// Nil accepts any key, as the product's form has no host-key field; the
	// fingerprint is logged either way.
	HostKeyPolicy HostKeyPolicy

	// Real servers (issue 3).

	// WriteInPlace uploads each file directly under its final name. The
	// default (false) is the safe write: upload under a hidden temporary
	// name in the folder, then rename, so that a scan of the folder never
	// sees half a file. See the README's "Safe writes".
	WriteInPlace bool

	// StallTimeout ends a push that makes no progress for this long once
	// the connection is open: no SFTP reply from the server and nothing
	// read from the local file. The connection is closed and the push ends
	// with UPLOAD_FAILED, ReasonStalled. Zero means 30 seconds; negative
	// turns the watchdog off.
	StallTimeout time.Duration

	// KeepaliveInterval is how long the connection may stay silent (nothing
	// received from the server) before a keepalive@openssh.com request is
	// sent. Zero means 5 seconds; negative turns keepalives off.
	KeepaliveInterval time.Duration

	// KeepaliveCountMax is how many further silent intervals are tolerated:
	// after KeepaliveCountMax+1 intervals with nothing from the server, not
	// even a keepalive reply, the connection is closed and the push ends
	// with UPLOAD_FAILED, ReasonStalled (20 s with the defaults). It counts
	// as OpenSSH's ServerAliveCountMax does. Zero means 3.
	KeepaliveCountMax int

	// KeyboardInteractive also offers keyboard-interactive authentication,
	// for servers that offer only that (OpenSSH with PAM and
	// PasswordAuthentication no). A challenge with exactly one prompt whose
	// echo is off is answered with the password, whatever its text; one
	// with no prompts is answered with nothing; any other challenge ends
	// the login with SFTP_LOGIN_FAILED, ReasonPasswordNotOffered. Off by
	// default: the product supports password authentication only.
	KeyboardInteractive bool

	// Multi-session uploads (issue 7).

	// MaxSessions caps how many SFTP sessions of the one SSH connection may
	// write a file at once, each its own stripe of the file. Sessions are
	// added only when they pay: for large files at long round trips, where
	// the server's per-channel window, not the network, limits one session.
	// A server that refuses extra sessions gets fewer. Zero means
	// DefaultMaxSessions; 1 or less turns striping off.
	MaxSessions int

	// stripe lets tests force striping on loopback.
	stripe stripeTuning
}

// Pusher pushes recording groups. It is safe for concurrent use; each Push
// opens its own connection. The zero value is ready to use with the zero
// Config.
type Pusher struct {
	cfg Config
}

// New returns a Pusher with the given configuration.
func New(cfg Config) *Pusher { return &Pusher{cfg: cfg} }

// Push makes one attempt to push the group's files to the server named by
// creds, and returns its outcome. It never returns nil and never panics on
// bad input. The steps, each ending the attempt with its Status on failure:
//
//  1. check the group (FILE/UPLOAD_FAILED invalid_group) and the local main
//     file (FILE_MISSING), before any connection is opened;
//  2. validate creds (ReasonInvalidCredentials);
//  3. open one SSH connection with password authentication and start SFTP,
//     all within Config.ConnectTimeout;
//  4. Stat the folder: it must exist and be a directory;
//  5. upload the main file, then the extras in order, each verified by its
//     remote size; a failed extra does not fail the push;
//  6. close the connection and write one LogEntry to Config.Sink.
//
// When ctx is cancelled the connection is closed at once and Push returns
// with ReasonCanceled. Nothing Push starts outlives it: no goroutine, socket
// or open file.
func (p *Pusher) Push(ctx context.Context, creds Credentials, g Group) *Result {
	return p.push(ctx, creds, g, 0)
}

// push is Push with the attempt's number for LogEntry.Attempt (0: unknown).
func (p *Pusher) push(ctx context.Context, creds Credentials, g Group, number int) *Result {
	if ctx == nil {
		ctx = context.Background()
	}
	a := &attempt{p: p, creds: creds, recordingID: g.RecordingID, account: g.Account, number: number, start: time.Now()}
	a.run(ctx, g)
	return a.finish(ctx)
}

// attempt is the state of one Push.
type attempt struct {
	p           *Pusher
	creds       Credentials
	recordingID string
	account     string
	number      int       // LogEntry.Attempt
	connected   time.Time // when the session was open; zero if it never was
	host        string    // ASCII form of creds.Host, once validated
	start       time.Time

	files  []FileResult
	main   *os.File // opened before connecting, so it cannot vanish mid-push
	sess   *session
	check  bool        // a Check, not a Push: no sink (check.go)
	method WriteMethod // how files are written, decided once per push (safewrite.go)
	res    Result
}

// fail records the attempt's outcome from err.
func (a *attempt) fail(e *Error) {
	a.res.Status, a.res.Reason, a.res.Err = e.Status, e.Reason, e
}

func (a *attempt) run(ctx context.Context, g Group) {
	var err *Error
	if a.files, err = planFiles(g); err != nil {
		a.fail(err)
		return
	}
	if a.main, err = openMain(&a.files[0]); err != nil {
		a.fail(err)
		return
	}
	defer a.main.Close()

	if !a.open(ctx) {
		return
	}
	defer a.sess.close()
	a.uploadAll(ctx)
}

// open validates the credentials and connects. On failure it records the
// outcome, leaves the session (if any) closed and returns false.
//
// The folder is not checked here: the first file's open inside it
// proves that it exists and is a directory, so a round trip is spent on
// Stat only when that open fails (folderProblem, in put). Far from the
// server every round trip is felt; a snapshot at 150 ms is sent that
// much sooner.
func (a *attempt) open(ctx context.Context) bool {
	if err := a.creds.Validate(); err != nil {
		a.fail(&Error{Status: statusForInvalid(err), Reason: ReasonInvalidCredentials, Op: "validate", Err: err})
		return false
	}
	a.host, _ = a.creds.ASCIIHost()

	var err *Error
	if a.sess, err = a.p.connect(ctx, a.creds, a.host, a.extraSessions); err != nil {
		a.fail(err) // a.sess, if any, is closed and kept for the log entry
		return false
	}
	a.connected = time.Now()
	return true
}

// folderProblem explains a failed open of a file in the folder by the
// folder, when the folder is the problem: missing, not a directory, or out
// of the user's reach. It returns nil when the folder is fine or when its
// Stat failed for the connection's sake, and the open's own error then
// says best what happened.
func (a *attempt) folderProblem(ctx context.Context) *Error {
	if ctx.Err() != nil || a.sess.guard.stalled() != nil {
		return nil
	}
	switch err := a.checkFolder(ctx); {
	case err == nil, err.Reason == ReasonConnectionLost, err.Reason == ReasonCanceled, err.Reason == ReasonStalled:
		return nil
	default:
		return err
	}
}

// checkFolder decides from Stat whether the folder exists and is a
// directory. A Stat the server refuses means the user cannot reach the
// folder, which the product reports as a permission problem.
func (a *attempt) checkFolder(ctx context.Context) *Error {
	folder := a.creds.Folder
	fi, err := statRemote(a.sess.sftp, folder)
	if err != nil {
		r := transferReason(err)
		if cause := a.sess.guard.stalled(); cause != nil {
			r, err = ReasonStalled, errors.Join(cause, err)
		}
		if ctx.Err() != nil {
			r = ReasonCanceled
		}
		st := r.Status()
		switch r {
		case ReasonCanceled, ReasonConnectionLost, ReasonStalled:
			st = StatusUploadFailed
		case ReasonFolderNotFound:
			err = fmt.Errorf("the folder does not exist on the server (a relative folder starts at the login directory): %w", err)
		}
		return &Error{Status: st, Reason: r, Op: "stat", Subject: folder, Err: err}
	}
	if !fi.IsDir() {
		return &Error{Status: StatusIncorrectFolder, Reason: ReasonFolderNotDirectory, Op: "stat", Subject: folder,
			Err: fmt.Errorf("%s is a %s, not a directory", folder, fileKind(fi.Mode()))}
	}
	return nil
}

// finish fills in the outcome, writes the log entry and returns the Result.
func (a *attempt) finish(ctx context.Context) *Result {
	if a.res.Status == "" {
		a.res.Status = StatusOK
	}
	for i := range a.files {
		if a.files[i].State == "" {
			a.files[i].State = FileNotAttempted
		}
	}
	a.res.Files = a.files
	a.res.Entry = a.entry()
	if sink := a.p.cfg.Sink; sink != nil && !a.check {
		// A cancelled push is still logged.
		a.res.LogErr = sink.Log(context.WithoutCancel(ctx), a.res.Entry)
	}
	return &a.res
}

// entry builds the attempt's log entry. It copies fields one by one from the
// credentials so that the password cannot reach it.
func (a *attempt) entry() LogEntry {
	end := time.Now()
	e := LogEntry{
		RecordingID: logSafe(a.recordingID),
		Time:        end.UTC(),
		Host:        logSafe(a.creds.Host),
		Username:    logSafe(a.creds.Username),
		Folder:      logSafe(a.creds.Folder),
		Port:        a.creds.PortOrDefault(),
		Status:      a.res.Status,
		Reason:      a.res.Reason,
		Duration:    end.Sub(a.start),
	}
	if a.host != "" {
		e.Host = a.host
	}
	e.Account = logSafe(a.account)
	e.Attempt = a.number
	if s := a.sess; s != nil {
		e.RemoteAddr, e.ServerVersion, e.HostKeyFingerprint = s.remoteAddr, logSafe(s.serverVersion), s.fingerprint
	}
	if !a.connected.IsZero() {
		e.ConnectDuration = a.connected.Sub(a.start)
		e.UploadDuration = end.Sub(a.connected)
	}
	if a.res.Err != nil {
		e.Error = a.res.Err.Error()
	}
	names := make([]string, 0, len(a.files))
	for _, f := range a.files {
		names = append(names, f.Remote)
		e.BytesSent += f.Bytes
	}
	e.Files = loggedFiles(names)
	return e
}

// statusForInvalid picks the Status of invalid credentials from the first bad
// field, in the order the connection would have used them: Host and Port
// would have failed to connect, Username and Password to log in, Folder to
// find the folder.
func statusForInvalid(err error) Status {
	var ve *ValidationError
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		switch ve.Fields[0].Field {
		case "Username", "Password":
			return StatusLoginFailed
		case "Folder":
			return StatusIncorrectFolder
		}
	}
	return StatusConnectionTimeout
}

// logSafe bounds and cleans a field typed by a stranger before it goes into a
// log entry: invalid credentials may be any length and hold any bytes. Valid
// fields pass unchanged.
func logSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return truncate(s, 100)
}
