package sftppush

import (
	"sync"
	"sync/atomic"

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
	pool *sessionPool
	done chan struct{} // closed when the start has ended
	c    *sftp.Client  // nil if the server refused it (OpenSSH's MaxSessions)

	dead   atomic.Bool // abandoned as stuck (stuck.go): never used again
	closed sync.Once
}

// startPool starts n extra sessions on c. They take the first session's
// limits from shared, so each costs the channel open, the subsystem
// request and SFTP's INIT: three round trips, run beside the first
// session's start.
func startPool(c *ssh.Client, g *guard, acks *ackCounter, n int, shared *sharedLimits, drains *sync.WaitGroup) *sessionPool {
	p := &sessionPool{}
	for range n {
		sl := &poolSlot{pool: p, done: make(chan struct{})}
		p.slots = append(p.slots, sl)
		p.wg.Go(func() {
			defer close(sl.done)
			sess, _, err := openChannel(c)
			if err != nil {
				return // refused (OpenSSH's MaxSessions): one session fewer
			}
			sl.c, _, _ = startSubsystem(sess, g, acks, shared, drains)
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
			sl.close()
		})
	}
	p.slots = p.slots[:n]
}

// ready returns the slot's session if its start has ended well and it
// has not been abandoned.
func (sl *poolSlot) ready() *sftp.Client {
	select {
	case <-sl.done:
		if sl.dead.Load() {
			return nil
		}
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
		sl.close()
	}
}

// abandon takes a stuck session out of use and closes it in the
// background: the close waits for the server's answer, or for the
// connection's close.
func (sl *poolSlot) abandon() {
	if sl == nil {
		return
	}
	sl.dead.Store(true)
	sl.pool.wg.Go(sl.close)
}

// close closes the slot's session once its start has ended well.
func (sl *poolSlot) close() {
	sl.closed.Do(func() {
		if sl.c != nil {
			sl.c.Close()
		}
	})
}
