package sftppush

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// sftpPacket frames an SFTP packet: length, type, request id, body.
func sftpPacket(typ byte, id uint32, body []byte) []byte {
	p := binary.BigEndian.AppendUint32(nil, uint32(1+4+len(body)))
	p = append(p, typ)
	p = binary.BigEndian.AppendUint32(p, id)
	return append(p, body...)
}

func writePacket(id uint32, handle string, off uint64, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(handle)))
	b = append(b, handle...)
	b = binary.BigEndian.AppendUint64(b, off)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return sftpPacket(fxpWrite, id, append(b, data...))
}

func statusPacket(id, code uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, code)
	b = binary.BigEndian.AppendUint32(b, 0) // message
	b = binary.BigEndian.AppendUint32(b, 0) // language tag
	return sftpPacket(fxpStatus, id, b)
}

// feedInPieces feeds stream to s cut at random places, single bytes
// included.
func feedInPieces(s *packetScan, stream []byte, rng *rand.Rand) {
	for len(stream) > 0 {
		n := min(1+rng.IntN(40), len(stream))
		if rng.IntN(4) == 0 {
			n = 1
		}
		s.feed(stream[:n])
		stream = stream[n:]
	}
}

func TestPacketScanFollowsPacketsHoweverCut(t *testing.T) {
	var stream []byte
	var want []byte
	for i := range 50 {
		typ := byte(1 + i%200)
		body := make([]byte, i*7%60) // empty bodies and short packets too
		stream = append(stream, sftpPacket(typ, uint32(i), body)...)
		want = append(want, typ)
	}
	stream = append(stream, 0, 0, 0, 0) // a zero-length packet
	for seed := range uint64(20) {
		var got []byte
		s := packetScan{on: func(length uint32, head []byte) {
			if length == 0 {
				got = append(got, 0)
				return
			}
			got = append(got, head[0])
		}}
		feedInPieces(&s, stream, rand.New(rand.NewPCG(seed, 1)))
		if !slices.Equal(got, append(slices.Clone(want), 0)) {
			t.Fatalf("seed %d: saw types %v, want %v", seed, got, want)
		}
	}
}

func TestAckCounterCountsAnsweredWrites(t *testing.T) {
	a := &ackCounter{}
	for seed := range uint64(10) {
		a.n.Store(0)
		s := &ackSession{a: a, pending: map[uint32]int64{}}
		s.out.on, s.in.on = s.sent, s.answered
		rng := rand.New(rand.NewPCG(seed, 2))
		var out, in []byte
		out = append(out, sftpPacket(3, 1, []byte("open request"))...) // not a write
		out = append(out, writePacket(2, "h1", 0, make([]byte, 1000))...)
		out = append(out, writePacket(3, "handle-2", 1000, make([]byte, 500))...)
		out = append(out, writePacket(4, "h1", 1500, make([]byte, 300))...)
		out = append(out, writePacket(5, "h1", 1800, make([]byte, 200))...)
		feedInPieces(&s.out, out, rng)
		in = append(in, statusPacket(1, fxOK)...) // answers the open: no data
		in = append(in, statusPacket(3, fxOK)...) // out of order
		in = append(in, statusPacket(2, fxOK)...)
		in = append(in, statusPacket(4, 4)...)    // SSH_FX_FAILURE: not acknowledged
		in = append(in, statusPacket(3, fxOK)...) // a repeated answer counts once
		feedInPieces(&s.in, in, rng)
		if got := a.load(); got != 1500 {
			t.Fatalf("seed %d: %d bytes acknowledged, want 1500", seed, got)
		}
		if len(s.pending) != 1 { // id 5 still waits
			t.Errorf("seed %d: pending %v, want only request 5", seed, s.pending)
		}
	}
	var none *ackCounter
	if none.load() != 0 {
		t.Error("a nil counter counts")
	}
}
