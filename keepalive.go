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
// countMax+1 intervals. Like OpenSSH's ServerAliveInterval, it asks only
// when the connection has been silent for an interval: during an upload the
// server's SFTP replies already prove it is alive, and a keepalive queued
// behind megabytes of file data on a slow link would arrive late and be
// mistaken for a dead server.
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
		t := time.NewTicker(every)
		defer t.Stop()
		last, silent := g.rx.Load(), 0
		for {
			select {
			case <-g.done:
				return
			case <-t.C:
			}
			if n := g.rx.Load(); n != last {
				last, silent = n, 0
				continue
			}
			silent++
			if silent > countMax {
				g.trip(&stallError{fmt.Sprintf("the server sent nothing for %v, not even a keepalive reply (Config.KeepaliveInterval %v, KeepaliveCountMax %d)",
					time.Duration(silent)*every, every, countMax)})
				return
			}
			select {
			case kick <- struct{}{}:
			default: // a request is still waiting for its reply
			}
		}
	}()
}
