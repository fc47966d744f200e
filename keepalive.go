package sftppush

import (
	"fmt"
	"time"

	"golang.org/x/crypto/ssh"
)

// keepaliveRequest is OpenSSH's keepalive global request. Servers that do
// not know it answer with a failure, which proves they are alive just as
// well.
const keepaliveRequest = "keepalive@openssh.com"

// keepalive closes the connection when the server has sent nothing for
// countMax+1 intervals, counted from the last byte received. Like OpenSSH's
// ServerAliveInterval, it asks only when the connection has been silent for
// an interval: during an upload the server's SFTP replies already prove it
// is alive, and a keepalive queued behind megabytes of file data on a slow
// link would arrive late and be mistaken for a dead server.
func (g *guard) keepalive(c *ssh.Client, every time.Duration, countMax int) {
	kick := make(chan struct{}, 1)
	g.wg.Add(2)
	// x/crypto allows one global request with a reply at a time, and
	// SendRequest blocks until the reply or the connection's end, so the
	// requests go from a goroutine of their own.
	go func() {
		defer g.wg.Done()
		for {
			select {
			case <-g.done:
				return
			case <-kick:
			}
			if _, _, err := c.SendRequest(keepaliveRequest, true, nil); err != nil {
				return // the connection is closed
			}
		}
	}()
	go func() {
		defer g.wg.Done()
		limit := time.Duration(countMax+1) * every
		t := time.NewTimer(every)
		defer t.Stop()
		for {
			select {
			case <-g.done:
				return
			case <-t.C:
			}
			silent := g.silence()
			if silent >= limit {
				g.trip(&stallError{fmt.Sprintf("the server sent nothing for %v, not even a keepalive reply (Config.KeepaliveInterval %v, KeepaliveCountMax %d)",
					silent.Round(time.Millisecond), every, countMax)})
				return
			}
			if silent >= every {
				select {
				case kick <- struct{}{}:
				default: // a request is still waiting for its reply
				}
			}
			// Next: the end of this interval of silence, or the limit.
			t.Reset(min(every-silent%every, limit-silent))
		}
	}()
}

// silence is how long nothing has arrived from the server.
func (g *guard) silence() time.Duration {
	return time.Since(g.start) - time.Duration(g.rxAt.Load())
}
