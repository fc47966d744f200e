// Package cdp drives a headless Chromium over the Chrome DevTools Protocol,
// as much as a test of a server-rendered page needs: open a page, type into
// fields, click buttons and links, wait for the page they load, and read
// what the page shows. It is test code for this module's examples, kept
// small on purpose; it is not a general client.
//
//	bin, err := cdp.Chromium() // or t.Skip
//	b, err := cdp.Launch(ctx, bin)
//	defer b.Close()            // kills the browser's processes, removes its profile
//	p, err := b.NewPage(ctx)
//	err = p.Navigate(ctx, srv.URL)
//	err = p.SetValue(ctx, "#host", "sftp.example.com")
//	err = p.ClickAndWait(ctx, "#save") // the form is posted; waits for the next page
//	msg, err := p.Text(ctx, "#host-error")
//
// The browser runs with a fresh profile, HOME and TMPDIR in one temporary
// directory and, on Linux, in a process group of its own; Close ends every
// process of the group by its ID and removes that directory, so nothing
// outlives the test.
//
// One websocket carries every command: pages are attached in the
// protocol's flat session mode. Commands use golang.org/x/net/websocket,
// already a dependency of the module.
package cdp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sync"

	"golang.org/x/net/websocket"
)

// Chromium returns the path of a Chromium or Chrome binary: Debian's
// /usr/bin/chromium first, then the usual names on PATH. Tests skip when
// it returns an error.
func Chromium() (string, error) {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("cdp: no chromium installed (apt-get install chromium)")
}

// Error is the browser's answer to a command that failed.
type Error struct {
	Method  string
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data,omitempty"`
}

// Error returns the method, the browser's message and its data.
func (e *Error) Error() string {
	s := "cdp: " + e.Method + ": " + e.Message
	if e.Data != "" {
		s += " (" + e.Data + ")"
	}
	return s
}

// message is one protocol message: a command, its response or an event.
type message struct {
	ID        int64           `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *Error          `json:"error,omitempty"`
}

// incoming is a message as read, its params kept raw.
type incoming struct {
	ID        int64           `json:"id"`
	SessionID string          `json:"sessionId"`
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params"`
	Result    json.RawMessage `json:"result"`
	Error     *Error          `json:"error"`
}

// conn is the websocket to the browser, with the commands waiting for
// their responses and the waiters for events.
type conn struct {
	ws     *websocket.Conn
	sendMu sync.Mutex

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan incoming
	waiters map[*waiter]struct{}
	err     error         // why reading stopped
	done    chan struct{} // closed when reading stopped
}

// waiter waits for one event of one session.
type waiter struct {
	session, method string
	ch              chan json.RawMessage
}

func newConn(ws *websocket.Conn) *conn {
	c := &conn{ws: ws, pending: map[int64]chan incoming{}, waiters: map[*waiter]struct{}{}, done: make(chan struct{})}
	go c.read()
	return c
}

// read dispatches responses to their commands and events to their
// waiters, until the websocket fails or closes.
func (c *conn) read() {
	var err error
	for {
		var m incoming
		if err = websocket.JSON.Receive(c.ws, &m); err != nil {
			break
		}
		c.mu.Lock()
		if m.ID != 0 {
			if ch, ok := c.pending[m.ID]; ok {
				delete(c.pending, m.ID)
				ch <- m
			}
		} else if m.Method != "" {
			for w := range c.waiters {
				if w.method == m.Method && w.session == m.SessionID {
					delete(c.waiters, w)
					w.ch <- m.Params
				}
			}
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.err = fmt.Errorf("cdp: connection to the browser closed: %w", err)
	c.mu.Unlock()
	close(c.done)
}

// call sends a command and waits for its response, decoded into result
// when result is not nil.
func (c *conn) call(ctx context.Context, session, method string, params, result any) error {
	ch := make(chan incoming, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}

	c.sendMu.Lock()
	err := websocket.JSON.Send(c.ws, message{ID: id, SessionID: session, Method: method, Params: params})
	c.sendMu.Unlock()
	if err != nil {
		forget()
		return fmt.Errorf("cdp: sending %s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			m.Error.Method = method
			return m.Error
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("cdp: decoding the result of %s: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		forget()
		return fmt.Errorf("cdp: %s: %w", method, ctx.Err())
	case <-c.done:
		forget()
		return c.closedErr()
	}
}

// expect registers a waiter for the next event method of session; call
// it before the command that causes the event, so that it cannot be
// missed.
func (c *conn) expect(session, method string) *waiter {
	w := &waiter{session: session, method: method, ch: make(chan json.RawMessage, 1)}
	c.mu.Lock()
	c.waiters[w] = struct{}{}
	c.mu.Unlock()
	return w
}

// forget drops w.
func (c *conn) forget(w *waiter) {
	c.mu.Lock()
	delete(c.waiters, w)
	c.mu.Unlock()
}

// wait waits for w's event, and forgets w whatever happens.
func (c *conn) wait(ctx context.Context, w *waiter) error {
	defer c.forget(w)
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cdp: waiting for %s: %w", w.method, ctx.Err())
	case <-c.done:
		return c.closedErr()
	}
}

func (c *conn) closedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
