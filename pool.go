package sftppush

import (
	"sync"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sessionPool holds a connection's extra SFTP sessions. Each starts in its
// own goroutine; the striped uploads of the group's files share them, and
// the connection's close closes them.
type sessionPool struct {
	slots []*poolSlot
	wg    sync.WaitGroup
}

// poolSlot is one extra session, once its start has ended.
type poolSlot struct {
	done chan struct{} // closed when the start has ended
	c    *sftp.Client  // nil if the server refused it (OpenSSH's MaxSessions)
}

// startPool starts n extra sessions on c. They take the first session's
// limits from shared, so each costs the channel open, the subsystem
// request and SFTP's INIT: three round trips, run beside the first
// session's start.
func startPool(c *ssh.Client, g *guard, n int, shared *sharedLimits, drains *sync.WaitGroup) *sessionPool {
	p := &sessionPool{}
	for range n {
		sl := &poolSlot{done: make(chan struct{})}
		p.slots = append(p.slots, sl)
		p.wg.Go(func() {
			defer close(sl.done)
			sess, _, err := openChannel(c)
			if err != nil {
				return // refused (OpenSSH's MaxSessions): one session fewer
			}
			sl.c, _, _ = startSubsystem(sess, g, shared, drains)
		})
	}
	return p
}

// size is how many extra sessions the pool has or is starting.
func (p *sessionPool) size() int {
	if p == nil {
		return 0
	}
	return len(p.slots)
}

// trim keeps the first n extra sessions and closes the others as soon as
// their start has ended.
func (p *sessionPool) trim(n int) {
	if p == nil || n >= len(p.slots) {
		return
	}
	for _, sl := range p.slots[n:] {
		p.wg.Go(func() {
			<-sl.done
			if sl.c != nil {
				sl.c.Close()
			}
		})
	}
	p.slots = p.slots[:n]
}

// ready returns the slot's session if its start has ended well.
func (sl *poolSlot) ready() *sftp.Client {
	select {
	case <-sl.done:
		return sl.c
	default:
		return nil
	}
}

// close waits for every start to end and closes the sessions. The
// connection is closed first, so no start can block.
func (p *sessionPool) close() {
	if p == nil {
		return
	}
	p.wg.Wait()
	for _, sl := range p.slots {
		if sl.c != nil {
			sl.c.Close()
		}
	}
}
