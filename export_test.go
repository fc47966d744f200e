package sftppush

import (
	"context"
	"io"
	"time"

	"github.com/pkg/sftp"
)

// The external tests (package sftppush_test) go through the public API,
// and through these few hooks where they must see inside.

var (
	ProbeData        = probeData
	IsTimeout        = isTimeout
	TempName         = tempName
	SessionsFor      = sessionsFor
	AllReasons       = allReasons
	NewTestSSHServer = newTestSSHServer
	SilentSubsystem  = newSilentSubsystemServer
	Ed25519Signer    = ed25519Signer
	ErrText          = errText
)

const (
	PosixRenameExt     = posixRenameExt
	MinStripe          = minStripe
	StripeAlign        = stripeAlign
	MaxSessionsDefault = defaultMaxSessions

	FxpInit     = fxpInit
	FxpVersion  = fxpVersion
	FxpStatus   = fxpStatus
	FxpExtended = fxpExtended
)

// SetStripeTuning makes p stripe as if the round trip were rtt (if
// positive), with stripes of at least minStripe bytes (if positive); with
// together, every session takes its first stripe before any writes.
func SetStripeTuning(p *Pusher, rtt time.Duration, minStripe int64, together bool) {
	p.tune = stripeTuning{rtt: rtt, minStripe: minStripe, together: together}
}

// StripeCount is how many stripes a file of size bytes is cut into for n
// sessions.
func StripeCount(size int64, n int) int { return int(newStripes(nil, size, n).count) }

// Conn is an open connection, as a push makes it.
type Conn = conn

// OpenConn opens p's connection to creds' server, as a push would for a
// group whose largest file is empty.
func OpenConn(p *Pusher, creds Credentials) (*Conn, error) {
	dest, derr := destinationOf(creds)
	if derr != nil {
		return nil, derr
	}
	c, _, err := connect(context.Background(), resolve(p.cfg, p.tune), dest, 0)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (c *conn) Close()             { c.close(false) }
func (c *conn) RTT() time.Duration { return c.rtt }
func (c *conn) Received() int64    { return c.guard.rx.Load() }
func (c *conn) Stalled() error     { return c.guard.stalled() }
func (c *conn) SFTP() *sftp.Client { return c.sftp }

// UploadFile writes one file into folder over c, as a push does.
func UploadFile(c *Conn, folder string, fr *FileResult, local io.ReaderAt) *Error {
	ctx := context.Background()
	cm, err := newUploader(c, folder).upload(ctx, fr, local, nil)
	if cm == nil {
		return err
	}
	cm.start(ctx)
	return cm.wait(ctx)
}
