package sftppush

import (
	"encoding/binary"
	"io"
	"sync"
	"sync/atomic"
)

// Counting the file data the server has acknowledged, for Config.Progress.
// pkg/sftp does not say when a write is answered, so each session's two
// byte streams are followed at the SFTP packet level: an SSH_FXP_WRITE
// going out is noted by its request id and data length, and an
// SSH_FXP_STATUS coming back with that id and SSH_FX_OK adds the length.
// Only the first bytes of each packet are looked at; the data itself is
// passed through untouched. A connection without Progress has no counter
// and no wrapping.

// The SFTP packet type and status code followed here besides fxpStatus
// (limits.go).
const (
	fxpWrite = 6
	fxOK     = 0
)

// ackCounter counts a connection's acknowledged write data across its
// sessions. A nil *ackCounter counts nothing.
type ackCounter struct {
	n atomic.Int64
}

// load returns the bytes acknowledged so far.
func (a *ackCounter) load() int64 {
	if a == nil {
		return 0
	}
	return a.n.Load()
}

// follow returns a session's two streams, r from the server and w to it,
// wrapped so that the session's acknowledged writes are counted.
func (a *ackCounter) follow(r io.Reader, w io.WriteCloser) (io.Reader, io.WriteCloser) {
	if a == nil {
		return r, w
	}
	s := &ackSession{a: a, pending: map[uint32]int64{}}
	s.out.on, s.in.on = s.sent, s.answered
	return &ackReader{r: r, s: s}, &ackWriter{w: w, s: s}
}

// ackSession is one session's writes awaiting their answers. Request ids
// are the session's own, so each session has its own.
type ackSession struct {
	a       *ackCounter
	out, in packetScan

	mu      sync.Mutex
	pending map[uint32]int64 // request id -> data length
}

// sent notes an outgoing packet: head is its type, request id and the next
// four bytes (for a write, the handle's length).
func (s *ackSession) sent(length uint32, head []byte) {
	if len(head) < 9 || head[0] != fxpWrite {
		return
	}
	id := binary.BigEndian.Uint32(head[1:5])
	handle := int64(binary.BigEndian.Uint32(head[5:9]))
	// type, id, handle string, uint64 offset, data string
	data := int64(length) - 1 - 4 - 4 - handle - 8 - 4
	if data <= 0 {
		return
	}
	s.mu.Lock()
	s.pending[id] = data
	s.mu.Unlock()
}

// answered notes an incoming packet: a status answering a write
// acknowledges its data if the code is SSH_FX_OK.
func (s *ackSession) answered(_ uint32, head []byte) {
	if len(head) < 9 || head[0] != fxpStatus {
		return
	}
	id := binary.BigEndian.Uint32(head[1:5])
	s.mu.Lock()
	data, ok := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if ok && binary.BigEndian.Uint32(head[5:9]) == fxOK {
		s.a.n.Add(data)
	}
}

type ackReader struct {
	r io.Reader
	s *ackSession
}

func (r *ackReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.s.in.feed(p[:n])
	return n, err
}

type ackWriter struct {
	w io.WriteCloser
	s *ackSession
}

func (w *ackWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.s.out.feed(p[:n])
	return n, err
}

func (w *ackWriter) Close() error { return w.w.Close() }

// packetScan follows the SFTP packets of one stream, however the stream is
// cut into reads or writes, and calls on with each packet's length and its
// first bytes (up to 9: type, request id, and one more uint32).
type packetScan struct {
	on   func(length uint32, head []byte)
	buf  [4 + 9]byte
	n    int    // bytes of buf filled
	skip uint32 // bytes of the current packet still to pass after its head
}

func (s *packetScan) feed(p []byte) {
	for len(p) > 0 {
		if s.skip > 0 {
			k := min(uint32(len(p)), s.skip)
			s.skip -= k
			p = p[k:]
			continue
		}
		want := 4
		if s.n >= 4 {
			want = 4 + int(min(binary.BigEndian.Uint32(s.buf[:4]), 9))
		}
		k := copy(s.buf[s.n:want], p)
		s.n += k
		p = p[k:]
		if s.n < 4 {
			continue
		}
		length := binary.BigEndian.Uint32(s.buf[:4])
		head := s.buf[4 : 4+min(length, 9)]
		if s.n < 4+len(head) {
			continue
		}
		s.on(length, head)
		s.skip = length - uint32(len(head))
		s.n = 0
	}
}
