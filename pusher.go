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
	"net"
	"time"
)

// DefaultConnectTimeout is how long opening the SFTP connection may take
// when Config.ConnectTimeout is zero, as the product documents.
const DefaultConnectTimeout = 10 * time.Second

// DefaultPort is the SSH port used when Credentials.Port is zero.
const DefaultPort = 22

// Config configures a Pusher. The zero value is a valid configuration: a
// 10-second connect timeout, the system resolver, no sink.
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
// creds, and returns its outcome. It never panics on bad input and never
// returns a nil Result. See the package documentation for the steps.
func (p *Pusher) Push(ctx context.Context, creds Credentials, g Group) *Result {
	panic("TODO")
}
