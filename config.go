package sftppush

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// DefaultConnectTimeout bounds opening the SFTP connection when
// Config.ConnectTimeout is zero, as the product documents.
const DefaultConnectTimeout = 10 * time.Second

// DefaultPort is the SSH port used when Credentials.Port is zero.
const DefaultPort = 22

// The other defaults, each documented at its Config field.
const (
	defaultStallTimeout      = 30 * time.Second
	defaultKeepaliveInterval = 5 * time.Second
	defaultKeepaliveCountMax = 3
	// defaultMaxSessions is OpenSSH's own MaxSessions default, the most a
	// stock server grants one connection (the first session included).
	defaultMaxSessions = 10
	// writeConcurrency is how many write requests may be outstanding per
	// file and session: pkg/sftp's own default, which keeps OpenSSH's
	// channel window full.
	writeConcurrency = 64
)

// Config configures a Pusher. The zero value is a valid configuration: a
// 10-second connect timeout, the system resolver, no sink, public IPv4
// destinations only, any host key accepted, safe writes, keepalives and a
// stall watchdog.
type Config struct {
	// ConnectTimeout bounds opening the SFTP connection: DNS, TCP connect,
	// SSH handshake, password authentication and starting SFTP. Past it the
	// push ends with SFTP_CONNECTION_TIMEOUT. Zero means
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration

	// Sink receives one LogEntry per push attempt. Nil means none; the entry
	// is still in Result.Entry.
	Sink Sink

	// Resolver looks up host names (IPv4 only), with Go's own DNS client
	// (PreferGo), through its Dial if set, and its exchanges end when the
	// push does. Nil means the system's configuration.
	Resolver *net.Resolver

	// DialContext, if set, opens the TCP connection to the resolved IPv4
	// address ("tcp4", "a.b.c.d:port") instead of a net.Dialer: an escape
	// hatch for proxies and tests. The destination policy is applied to the
	// address before it is called.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// AllowNetworks lists IPv4 networks a push may connect to although the
	// destination policy refuses them. By default only public IPv4
	// addresses are reached: loopback, private, link-local, carrier-grade
	// NAT, multicast, broadcast, reserved and documentation ranges, and all
	// of IPv6, are refused with ReasonBlockedByPolicy. Tests and demos
	// allow loopback with netip.MustParsePrefix("127.0.0.0/8"). An entry
	// that is not a valid IPv4 prefix refuses every destination. See the
	// README's Security section.
	AllowNetworks []netip.Prefix

	// HostKeyPolicy decides, before the password is sent, whether to trust
	// the server's host key; package hostkey has trust-on-first-use and
	// known_hosts policies. Nil accepts any key, as the product's form has
	// no host-key field; the fingerprint is logged either way.
	HostKeyPolicy HostKeyPolicy

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

	// MaxSessions caps how many SFTP sessions of the one SSH connection may
	// write a file at once, each its own stripe of the file. Sessions are
	// added only when they pay: for large files at long round trips, where
	// the server's per-channel window, not the network, limits one session.
	// A server that refuses extra sessions gets fewer. Zero means 10,
	// OpenSSH's own MaxSessions default; 1 or less turns striping off. See
	// the README's "Multi-session uploads".
	MaxSessions int

	// LegacyAlgorithms also offers, at the end of each list so that a
	// modern server still negotiates a modern algorithm, what
	// golang.org/x/crypto/ssh implements but calls insecure
	// (ssh.InsecureAlgorithms): CBC and RC4 ciphers, SHA-1 key exchanges,
	// hmac-sha1-96 and ssh-rsa (SHA-1) host-key signatures, for old
	// servers and appliances that speak nothing newer. Off by default; a
	// push that needs it ends with ReasonNoCommonAlgorithm, whose error
	// says so.
	LegacyAlgorithms bool

	// Progress, if set, hears how far each file's upload has got: done of
	// size bytes of file number file (its index in Result.Files, 0 for
	// the main file) of the push of recordingID (Group.RecordingID),
	// counted as the server acknowledges the writes, striped uploads
	// included. It is called at most every 250 ms while a file is written
	// and once more, with done == size, when the file is uploaded and
	// verified; done starts again from 0 when a file is written again from
	// its start (a fallback). A file's last call comes before any call
	// of the next file. Calls for one push come one at a time from a
	// goroutine of that push; pushes run their calls concurrently. A slow
	// callback misses updates but never slows the upload; Push returns
	// after the push's last call has returned. Nil reports nothing and
	// costs nothing.
	Progress func(recordingID string, file int, done, size int64)
}

// settings is a Config with every default resolved, read by the rest of
// the package instead of the Config's raw fields. It is made once per
// attempt, by resolve.
type settings struct {
	connectTimeout      time.Duration
	sink                Sink
	resolver            *net.Resolver
	dial                dialFunc      // with the destination policy applied
	hostKeys            HostKeyPolicy // nil accepts any key
	writeInPlace        bool
	stallTimeout        time.Duration // 0: no watchdog
	keepalive           time.Duration // 0: no keepalives
	keepaliveCountMax   int
	keyboardInteractive bool
	maxSessions         int // at least 1
	progress            func(string, int, int64, int64)
	legacyAlgorithms    bool
	stripe              stripeTuning
	crowded             bool // more pushes of the Pusher in progress than crowdedAt: no striping (stripe.go)
}

// dialFunc opens a TCP connection, as net.Dialer.DialContext does.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// resolve turns a Config into settings: the one place that reads Config's
// fields and gives their zero values a meaning.
func resolve(cfg Config, tune stripeTuning) *settings {
	s := &settings{
		connectTimeout:      positive(cfg.ConnectTimeout, DefaultConnectTimeout),
		sink:                cfg.Sink,
		resolver:            cfg.Resolver,
		dial:                guardedDial(cfg.DialContext, cfg.AllowNetworks),
		hostKeys:            cfg.HostKeyPolicy,
		writeInPlace:        cfg.WriteInPlace,
		stallTimeout:        orOff(cfg.StallTimeout, defaultStallTimeout),
		keepalive:           orOff(cfg.KeepaliveInterval, defaultKeepaliveInterval),
		keepaliveCountMax:   positive(cfg.KeepaliveCountMax, defaultKeepaliveCountMax),
		keyboardInteractive: cfg.KeyboardInteractive,
		maxSessions:         max(orOff(cfg.MaxSessions, defaultMaxSessions), 1),
		progress:            cfg.Progress,
		legacyAlgorithms:    cfg.LegacyAlgorithms,
		stripe:              tune,
	}
	s.resolver = cfg.Resolver
	if s.resolver == nil {
		s.resolver = net.DefaultResolver
	}
	return s
}

// positive is v, or def when v is not positive.
func positive[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// orOff reads a setting whose zero value means def and whose negative
// values mean off, returned as 0.
func orOff[T int | time.Duration](v, def T) T {
	switch {
	case v < 0:
		return 0
	case v == 0:
		return def
	}
	return v
}
