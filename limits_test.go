package sftppush

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pkg/sftp"
)

func TestWriteSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    *sftpLimits
		want int
	}{
		{"no limits extension", nil, 32 << 10},
		{"OpenSSH 9", &sftpLimits{MaxPacket: 256 << 10, MaxRead: 261120, MaxWrite: 261120, MaxHandles: 1000}, 261120},
		{"larger than we dare", &sftpLimits{MaxPacket: 1 << 30, MaxWrite: 1 << 30}, maxWriteSize},
		{"nothing stated", &sftpLimits{}, maxWriteSize},
		{"small write limit", &sftpLimits{MaxPacket: 256 << 10, MaxWrite: 10000}, 10000},
		{"write limit below 32 KiB is obeyed", &sftpLimits{MaxWrite: 4096}, 4096},
		{"a write limit of 512 bytes is obeyed", &sftpLimits{MaxWrite: 512}, 512},
		{"a write limit of 1 byte is not: 32 KiB", &sftpLimits{MaxWrite: 1}, 32 << 10},
		{"nor of 511 bytes", &sftpLimits{MaxWrite: 511, MaxPacket: 1 << 20}, 32 << 10},
		{"packet limit binds", &sftpLimits{MaxPacket: 64 << 10}, 64<<10 - writeOverhead},
		{"packet limit too small to be true", &sftpLimits{MaxPacket: 10}, 32 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := writeSize(tc.l); got != tc.want {
				t.Errorf("writeSize(%+v) = %d, want %d", tc.l, got, tc.want)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	ok := versionPacket(map[string]string{limitsExtension: "1", "statvfs@openssh.com": "2"})
	ext, err := parseVersion(ok[4:])
	if err != nil || ext[limitsExtension] != "1" || ext["statvfs@openssh.com"] != "2" || len(ext) != 2 {
		t.Fatalf("parseVersion: %v %v", ext, err)
	}
	for name, b := range map[string][]byte{
		"empty":            {},
		"not VERSION":      {fxpStatus, 0, 0, 0, 3},
		"version 6":        {fxpVersion, 0, 0, 0, 6},
		"truncated name":   {fxpVersion, 0, 0, 0, 3, 0, 0, 0, 9, 'a'},
		"missing data":     {fxpVersion, 0, 0, 0, 3, 0, 0, 0, 1, 'a'},
		"length overflows": {fxpVersion, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 'a'},
	} {
		if _, err := parseVersion(b); err == nil {
			t.Errorf("%s: parseVersion accepted %x", name, b)
		}
	}
}

func TestParseLimitsReply(t *testing.T) {
	good := limitsReply(7, sftpLimits{MaxPacket: 1, MaxRead: 2, MaxWrite: 3, MaxHandles: 4})
	l, err := parseLimitsReply(good[4:], 7)
	if err != nil || *l != (sftpLimits{1, 2, 3, 4}) {
		t.Fatalf("got %+v, %v", l, err)
	}
	if _, err := parseLimitsReply(good[4:], 8); err == nil {
		t.Error("accepted a reply with another id")
	}
	if _, err := parseLimitsReply(good[4:len(good)-1], 7); err == nil {
		t.Error("accepted a short reply")
	}
	status := []byte{fxpStatus, 0, 0, 0, 7, 0, 0, 0, 8}
	if _, err := parseLimitsReply(status, 7); err == nil {
		t.Error("took an SSH_FX_OP_UNSUPPORTED status for limits")
	}
}

// TestInitSkipper feeds pkg/sftp's INIT and a following packet in every
// split and checks that exactly the INIT is dropped.
func TestInitSkipper(t *testing.T) {
	init := []byte{0, 0, 0, 5, fxpInit, 0, 0, 0, 3}
	next := []byte{0, 0, 0, 3, 17, 1, 2}
	stream := append(append([]byte(nil), init...), next...)
	for cut1 := 0; cut1 <= len(stream); cut1++ {
		for cut2 := cut1; cut2 <= len(stream); cut2++ {
			var out bytes.Buffer
			s := newInitSkipper(nopCloser{&out})
			for _, part := range [][]byte{stream[:cut1], stream[cut1:cut2], stream[cut2:]} {
				if n, err := s.Write(part); n != len(part) || err != nil {
					t.Fatalf("Write(%x) = %d, %v", part, n, err)
				}
			}
			if !bytes.Equal(out.Bytes(), next) {
				t.Fatalf("cuts %d,%d: passed %x, want %x", cut1, cut2, out.Bytes(), next)
			}
		}
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// TestWritesObeyLimits runs pkg/sftp's server behind a shim that
// advertises limits@openssh.com with a small max-write-length, and checks
// that no write request carries more.
func TestWritesObeyLimits(t *testing.T) {
	// A max-write-length below 512 is taken for a broken server and
	// ignored: 32 KiB writes, which every server takes.
	for _, tc := range []struct{ maxWrite, want uint64 }{{1000, 1000}, {40000, 40000}, {1, 32 << 10}} {
		maxWrite := tc.maxWrite
		cr, sw := io.Pipe() // server to client
		sr, cw := io.Pipe() // client to server
		srvR, shimW := io.Pipe()
		root := t.TempDir()
		server, err := sftp.NewServer(struct {
			io.Reader
			io.WriteCloser
		}{srvR, sw}, sftp.WithServerWorkingDirectory(root))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); server.Serve() }()
		largest := 0
		go func() { // the shim, between the client and pkg/sftp's server
			defer wg.Done()
			defer shimW.Close()
			for {
				pkt, err := readPacket(sr)
				if err != nil {
					return
				}
				switch pkt[4] {
				case fxpInit:
					// Answer for the server, with the extension added.
					sw.Write(versionPacket(map[string]string{limitsExtension: "1"}))
					continue
				case fxpExtended:
					id := binary.BigEndian.Uint32(pkt[5:])
					sw.Write(limitsReply(id, sftpLimits{MaxPacket: 1 << 20, MaxWrite: maxWrite}))
					continue
				case 6: // SSH_FXP_WRITE: id, handle, offset, then the data
					hl := binary.BigEndian.Uint32(pkt[9:])
					largest = max(largest, int(binary.BigEndian.Uint32(pkt[13+hl+8:])))
				}
				if _, err := shimW.Write(pkt); err != nil {
					return
				}
			}
		}()
		// Send the server its own INIT so it answers later packets.
		shimW.Write([]byte{0, 0, 0, 5, fxpInit, 0, 0, 0, 3})
		if _, err := readPacket(cr); err != nil { // its VERSION: the shim already answered
			t.Fatal(err)
		}
		h, err := hello(cr, cw, false)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := sftp.NewClientPipe(&replayReader{first: h.version, r: cr}, newInitSkipper(cw),
			sftp.UseConcurrentWrites(true), sftp.MaxPacketUnchecked(writeSize(h.limits)))
		if err != nil {
			t.Fatal(err)
		}
		data := randomBytes(t, 300_001)
		writeRemote(t, sc, "x", data)
		cr.Close() // pkg/sftp's server never closes its end; its reader would wait
		sc.Close()
		wg.Wait()
		if largest == 0 || uint64(largest) > tc.want || (tc.want != maxWrite && uint64(largest) != tc.want) {
			t.Errorf("max-write-length %d: largest write carried %d bytes, want at most %d", maxWrite, largest, tc.want)
		}
		if got, _ := os.ReadFile(filepath.Join(root, "x")); !bytes.Equal(got, data) {
			t.Errorf("max-write-length %d: server has %d bytes of %d", maxWrite, len(got), len(data))
		}
	}
}

func writeRemote(t *testing.T, sc *sftp.Client, name string, data []byte) {
	t.Helper()
	f, err := sc.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func versionPacket(ext map[string]string) []byte {
	b := []byte{0, 0, 0, 0, fxpVersion, 0, 0, 0, 3}
	for k, v := range ext {
		b = binary.BigEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func limitsReply(id uint32, l sftpLimits) []byte {
	b := []byte{0, 0, 0, 0, fxpExtendedReply}
	b = binary.BigEndian.AppendUint32(b, id)
	for _, v := range []uint64{l.MaxPacket, l.MaxRead, l.MaxWrite, l.MaxHandles} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
