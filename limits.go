package sftppush

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// SFTP packet types and constants used by the limits exchange (draft-ietf-
// secsh-filexfer-02 and OpenSSH's PROTOCOL file).
const (
	fxpInit          = 1
	fxpVersion       = 2
	fxpStatus        = 101
	fxpExtended      = 200
	fxpExtendedReply = 201

	limitsExtension = "limits@openssh.com"

	// defaultWriteSize is the data per write request when the server does
	// not say what it accepts: every SFTP server must take 32 KiB.
	defaultWriteSize = 32 << 10

	// maxWriteSize caps the data per write request whatever the server
	// advertises: OpenSSH's own max-write-length, 256 KiB less 1 KiB of
	// headroom. Its sftp-server drops the connection on a packet over
	// 256 KiB, leaving an empty file.
	maxWriteSize = 256<<10 - 1<<10

	// writeOverhead is the most an SSH_FXP_WRITE packet adds around its
	// data: length, type, request id, a handle of up to 256 bytes, offset
	// and data length.
	writeOverhead = 4 + 1 + 4 + (4 + 256) + 8 + 4

	// minWriteSize is the smallest max-write-length taken from a server:
	// one that states less (1 byte would be 65,536 requests for 64 KiB, a
	// CPU amplification on a shared service) gets the 32 KiB every SFTP
	// server must take. Above it, a small limit is obeyed.
	minWriteSize = 512

	// maxVersionPacket bounds what we read of the server's first answers.
	maxVersionPacket = 256 << 10
)

// sftpLimits is the answer to limits@openssh.com. Zero means "no limit
// stated" for each field.
type sftpLimits struct {
	MaxPacket  uint64 // the longest packet the server accepts, length field excluded
	MaxRead    uint64
	MaxWrite   uint64 // the most data one write request may carry
	MaxHandles uint64
}

// writeSize is the data per write request: the largest the server allows,
// capped at maxWriteSize; 32 KiB when it states no limits (nil).
func writeSize(l *sftpLimits) int {
	if l == nil {
		return defaultWriteSize
	}
	n := uint64(maxWriteSize)
	if l.MaxWrite > 0 {
		if l.MaxWrite < minWriteSize {
			return defaultWriteSize // nonsense, or a CPU amplification: see minWriteSize
		}
		n = min(n, l.MaxWrite)
	}
	if l.MaxPacket > 0 {
		if l.MaxPacket <= writeOverhead {
			return defaultWriteSize // nonsense; fall back to what every server takes
		}
		n = min(n, l.MaxPacket-writeOverhead)
	}
	return int(n)
}

// readPacket reads one SFTP packet and returns it with its length field.
func readPacket(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > maxVersionPacket {
		return nil, fmt.Errorf("SFTP packet of %d bytes", n)
	}
	b := make([]byte, 4+n)
	copy(b, hdr[:])
	if _, err := io.ReadFull(r, b[4:]); err != nil {
		return nil, err
	}
	return b, nil
}

// parseVersion parses a VERSION packet's body (type onwards) and returns
// its extensions.
func parseVersion(b []byte) (map[string]string, error) {
	if len(b) < 5 || b[0] != fxpVersion {
		return nil, errors.New("the server's first SFTP packet is not VERSION")
	}
	if v := binary.BigEndian.Uint32(b[1:]); v != 3 {
		return nil, fmt.Errorf("the server speaks SFTP version %d, not 3", v)
	}
	ext := map[string]string{}
	for rest := b[5:]; len(rest) > 0; {
		name, r, ok := cutString(rest)
		if !ok {
			return nil, errors.New("malformed extension in SFTP VERSION")
		}
		data, r, ok := cutString(r)
		if !ok {
			return nil, errors.New("malformed extension in SFTP VERSION")
		}
		ext[string(name)] = string(data)
		rest = r
	}
	return ext, nil
}

// parseLimitsReply parses the reply to limits@openssh.com: an
// EXTENDED_REPLY with four uint64s.
func parseLimitsReply(b []byte, id uint32) (*sftpLimits, error) {
	if len(b) < 5 || binary.BigEndian.Uint32(b[1:]) != id {
		return nil, errors.New("SFTP limits: reply to another request")
	}
	if b[0] != fxpExtendedReply {
		return nil, fmt.Errorf("SFTP limits: packet type %d", b[0])
	}
	b = b[5:]
	if len(b) < 32 {
		return nil, errors.New("SFTP limits: short reply")
	}
	return &sftpLimits{
		MaxPacket:  binary.BigEndian.Uint64(b),
		MaxRead:    binary.BigEndian.Uint64(b[8:]),
		MaxWrite:   binary.BigEndian.Uint64(b[16:]),
		MaxHandles: binary.BigEndian.Uint64(b[24:]),
	}, nil
}

func cutString(b []byte) (s, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

// replayReader gives pkg/sftp the VERSION packet hello already read, then
// the subsystem's output.
type replayReader struct {
	first []byte
	r     io.Reader
}

func (r *replayReader) Read(p []byte) (int, error) {
	if len(r.first) > 0 {
		n := copy(p, r.first)
		r.first = r.first[n:]
		return n, nil
	}
	return r.r.Read(p)
}

// initSkipper drops the INIT packet pkg/sftp sends when it starts (hello
// has sent ours) and passes everything after it through.
type initSkipper struct {
	w    io.WriteCloser
	hdr  []byte // the INIT packet's length field, as it arrives
	skip int64  // INIT bytes still to drop; -1 when done
}

func newInitSkipper(w io.WriteCloser) *initSkipper { return &initSkipper{w: w} }

func (s *initSkipper) Write(p []byte) (int, error) {
	if s.skip < 0 {
		return s.w.Write(p)
	}
	n := len(p)
	if len(s.hdr) < 4 {
		k := min(4-len(s.hdr), len(p))
		s.hdr = append(s.hdr, p[:k]...)
		p = p[k:]
		if len(s.hdr) < 4 {
			return n, nil
		}
		s.skip = int64(binary.BigEndian.Uint32(s.hdr))
	}
	k := min(s.skip, int64(len(p)))
	s.skip -= k
	p = p[k:]
	if s.skip > 0 {
		return n, nil
	}
	s.skip = -1
	if len(p) > 0 {
		if _, err := s.w.Write(p); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (s *initSkipper) Close() error { return s.w.Close() }
