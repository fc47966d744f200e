package sftptest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
)

// rawSFTP speaks SFTP packets directly, to see the status codes on the
// wire that pkg/sftp's client folds into fs errors.
type rawSFTP struct {
	t *testing.T
	w io.Writer
	r io.Reader
}

func newRawSFTP(t *testing.T, s *Server) *rawSFTP {
	t.Helper()
	c, err := sshDial(t, s, s.ClientConfig())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	w, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestSubsystem("sftp"); err != nil {
		t.Fatalf("subsystem: %v", err)
	}
	return &rawSFTP{t: t, w: w, r: r}
}

func (c *rawSFTP) send(typ byte, body []byte) {
	c.t.Helper()
	pkt := binary.BigEndian.AppendUint32(nil, uint32(len(body)+1))
	pkt = append(append(pkt, typ), body...)
	if _, err := c.w.Write(pkt); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *rawSFTP) recv() (typ byte, body []byte) {
	c.t.Helper()
	var hdr [4]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		c.t.Fatalf("recv: %v", err)
	}
	pkt := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(c.r, pkt); err != nil {
		c.t.Fatalf("recv: %v", err)
	}
	return pkt[0], pkt[1:]
}

// hello sends SSH_FXP_INIT and returns the extension names of the reply.
func (c *rawSFTP) hello() []string {
	c.t.Helper()
	c.send(1, binary.BigEndian.AppendUint32(nil, 3))
	typ, body := c.recv()
	if typ != sshFxpVersion || len(body) < 4 {
		c.t.Fatalf("reply to INIT: type %d, %d bytes", typ, len(body))
	}
	var names []string
	rest := body[4:]
	for len(rest) > 0 {
		name, r, ok := readString(rest)
		if !ok {
			c.t.Fatalf("malformed VERSION packet %x", body)
		}
		if _, r, ok = readString(r); !ok {
			c.t.Fatalf("malformed VERSION packet %x", body)
		}
		names = append(names, string(name))
		rest = r
	}
	return names
}

// openStatus sends SSH_FXP_OPEN and returns the status code of a
// STATUS reply, or -1 for a HANDLE.
func (c *rawSFTP) openStatus(p string, pflags uint32) int {
	c.t.Helper()
	body := binary.BigEndian.AppendUint32(nil, 7) // request id
	body = appendString(body, []byte(p))
	body = binary.BigEndian.AppendUint32(body, pflags)
	body = binary.BigEndian.AppendUint32(body, 0) // no attributes
	c.send(3, body)
	typ, reply := c.recv()
	switch typ {
	case 102: // SSH_FXP_HANDLE
		return -1
	case 101: // SSH_FXP_STATUS
		return int(binary.BigEndian.Uint32(reply[4:]))
	}
	c.t.Fatalf("reply to OPEN: type %d", typ)
	return 0
}

// writeChunks writes data to p in sequential writes of at most chunk
// bytes (each one SFTP request), returning the first error.
func writeChunks(c *sftp.Client, p string, data []byte, chunk int) error {
	f, err := c.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(chunk, len(data))
		if _, err := f.Write(data[:n]); err != nil {
			f.Close()
			return err
		}
		data = data[n:]
	}
	return f.Close()
}

func TestReadOnly(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.ReadOnly = []string{"/ro"}
	s.Start()
	s.MkdirAll("/ro/sub")
	s.MkdirAll("/rox")
	s.MkdirAll("/ok")
	s.WriteFile("/ro/old", []byte("old"))
	s.WriteFile("/ok/f", []byte("f"))
	c := s.Client()

	denied := []struct {
		name string
		op   func() error
	}{
		{"create", func() error { _, err := c.Create("/ro/new"); return err }},
		{"create below", func() error { _, err := c.OpenFile("/ro/sub/new", os.O_WRONLY|os.O_CREATE); return err }},
		{"create relative", func() error { _, err := c.Create("ro/new"); return err }},
		{"create via dotdot", func() error { _, err := c.Create("/ok/../ro/new"); return err }},
		{"open existing for write", func() error { _, err := c.OpenFile("/ro/old", os.O_WRONLY); return err }},
		{"mkdir", func() error { return c.Mkdir("/ro/dir") }},
		{"remove", func() error { return c.Remove("/ro/old") }},
		{"rmdir", func() error { return c.RemoveDirectory("/ro/sub") }},
		{"rmdir the directory itself", func() error { return c.RemoveDirectory("/ro") }},
		{"rename out", func() error { return c.Rename("/ro/old", "/ok/old") }},
		{"rename in", func() error { return c.Rename("/ok/f", "/ro/f") }},
		{"posix-rename in", func() error { return c.PosixRename("/ok/f", "/ro/f") }},
		{"chmod", func() error { return c.Chmod("/ro/old", 0o600) }},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, tt.op(), sftp.ErrSSHFxPermissionDenied)
		})
	}
	if got := string(s.ReadFile("/ro/old")); got != "old" {
		t.Errorf("/ro/old = %q after denied writes", got)
	}
	if len(s.Opens()) != 0 {
		t.Errorf("Opens() = %v, want none", s.Opens())
	}

	// Reading is allowed, and "/rox" is not under "/ro".
	if f, err := c.Open("/ro/old"); err != nil {
		t.Errorf("open for read: %v", err)
	} else {
		f.Close()
	}
	if err := writeChunks(c, "/rox/new", []byte("x"), 1); err != nil {
		t.Errorf("write /rox/new: %v", err)
	}

	// On the wire it is SSH_FX_PERMISSION_DENIED (3).
	raw := newRawSFTP(t, s)
	raw.hello()
	const pflagsWriteCreate = 0x02 | 0x08
	if code := raw.openStatus("/ro/wire", pflagsWriteCreate); code != 3 {
		t.Errorf("OPEN /ro/wire: status %d, want 3 (SSH_FX_PERMISSION_DENIED)", code)
	}
	if code := raw.openStatus("/ok/wire", pflagsWriteCreate); code != -1 {
		t.Errorf("OPEN /ok/wire: status %d, want a handle", code)
	}
}

func TestQuota(t *testing.T) {
	const block = 4096
	s := NewUnstartedServer(t)
	s.Faults.QuotaBytes = 10 * block
	s.Start()
	c := s.Client()

	free := func() uint64 {
		t.Helper()
		st, err := c.StatVFS("/")
		if err != nil {
			t.Fatalf("statvfs: %v", err)
		}
		if st.Bsize != block || st.Frsize != block {
			t.Errorf("block sizes %d, %d; want %d", st.Bsize, st.Frsize, block)
		}
		return st.FreeSpace()
	}
	if got := free(); got != 10*block {
		t.Errorf("free before = %d, want %d", got, 10*block)
	}
	if err := writeChunks(c, "/a", bytes.Repeat([]byte("a"), 2*block), block); err != nil {
		t.Fatalf("write /a: %v", err)
	}
	if got := free(); got != 8*block {
		t.Errorf("free after /a = %d, want %d", got, 8*block)
	}

	// The write that crosses the quota stores up to it and fails.
	err := writeChunks(c, "/b", bytes.Repeat([]byte("b"), 9*block), 3*block)
	wantStatus(t, err, sftp.ErrSSHFxFailure)
	if !strings.Contains(err.Error(), "no space left on device") {
		t.Errorf("error %q does not say no space left on device", err)
	}
	if got := len(s.ReadFile("/b")); got != 8*block {
		t.Errorf("/b has %d bytes, want %d", got, 8*block)
	}
	if got := free(); got != 0 {
		t.Errorf("free when full = %d, want 0", got)
	}
	// Full: nothing more is stored, on another file and connection too.
	c2 := s.Client()
	wantStatus(t, writeChunks(c2, "/c", []byte("c"), 1), sftp.ErrSSHFxFailure)
	if got := len(s.ReadFile("/c")); got != 0 {
		t.Errorf("/c has %d bytes, want 0", got)
	}
	if st, err := c2.StatVFS("/no/such/dir"); err != nil || st.FreeSpace() != 0 {
		t.Errorf("statvfs of another path: %v, %v", st, err)
	}
}

func TestStatVFSWithoutQuota(t *testing.T) {
	s := NewServer(t)
	st, err := s.Client().StatVFS("/")
	if err != nil {
		t.Fatalf("statvfs: %v", err)
	}
	if st.FreeSpace() < 1<<40 {
		t.Errorf("free space %d, want plenty", st.FreeSpace())
	}
}

func TestDropAfterBytes(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.DropAfterBytes = 10000
	s.Start()
	c := s.Client()
	data := bytes.Repeat([]byte("d"), 4096)
	if err := writeChunks(c, "/first", data, 4096); err != nil {
		t.Fatalf("write below the limit: %v", err)
	}
	err := writeChunks(c, "/second", append(data, data...), 8192)
	if err == nil {
		t.Fatal("write across the limit succeeded")
	}
	var se *sftp.StatusError
	if errors.As(err, &se) {
		t.Fatalf("got an SFTP status %v, want the connection dropped", err)
	}
	if got := len(s.ReadFile("/second")); got != 10000-4096 {
		t.Errorf("/second has %d bytes, want %d", got, 10000-4096)
	}
	if _, err := c.Stat("/first"); err == nil {
		t.Error("stat on the dropped connection succeeded")
	}
	// The count is per connection: a new one starts afresh.
	if err := writeChunks(s.Client(), "/third", data, 4096); err != nil {
		t.Errorf("write on a new connection: %v", err)
	}
	if got := s.Connections(); got != 2 {
		t.Errorf("Connections() = %d, want 2", got)
	}
}

func TestDiscardAfterBytes(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.DiscardAfterBytes = 5000
	s.Start()
	c := s.Client()
	if err := writeChunks(c, "/short", bytes.Repeat([]byte("x"), 12000), 3000); err != nil {
		t.Fatalf("write: %v", err)
	}
	if fi, err := c.Stat("/short"); err != nil || fi.Size() != 5000 {
		t.Errorf("remote size = %v, %v; want 5000", fi, err)
	}
	if got := len(s.ReadFile("/short")); got != 5000 {
		t.Errorf("local size = %d, want 5000", got)
	}
}

func TestStallAfterBytes(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.StallAfterBytes = 4096
	s.Start()
	conn, err := sshDial(t, s, s.ClientConfig())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatalf("sftp: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	f, err := c.Create("/stall")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := f.Write(make([]byte, 1000)); err != nil {
		t.Fatalf("write below the limit: %v", err)
	}

	writeDone := make(chan error, 1)
	go func() {
		_, err := f.Write(make([]byte, 4000))
		writeDone <- err
	}()
	select {
	case err := <-writeDone:
		t.Fatalf("write across the limit returned (%v), want it stalled", err)
	case <-time.After(500 * time.Millisecond):
	}
	statDone := make(chan error, 1)
	go func() {
		_, err := c.Stat("/")
		statDone <- err
	}()

	// SSH itself still answers.
	keepalive := make(chan error, 1)
	go func() {
		_, _, err := conn.SendRequest("keepalive@openssh.com", true, nil)
		keepalive <- err
	}()
	select {
	case err := <-keepalive:
		if err != nil {
			t.Errorf("keepalive: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("keepalive unanswered on a stalled connection")
	}
	// Other connections are not stalled.
	if _, err := s.Client().Stat("/"); err != nil {
		t.Errorf("stat on another connection: %v", err)
	}
	select {
	case err := <-statDone:
		t.Fatalf("stat on the stalled connection returned (%v)", err)
	default:
	}
	if got := len(s.ReadFile("/stall")); got != 4096 {
		t.Errorf("/stall has %d bytes, want 4096", got)
	}

	s.Close()
	for name, ch := range map[string]chan error{"write": writeDone, "stat": statDone} {
		select {
		case err := <-ch:
			if err == nil {
				t.Errorf("stalled %s succeeded after Close", name)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("stalled %s still blocked after Close", name)
		}
	}
}

func TestDenyRenameAndRemove(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.DenyRename = true
	s.Faults.DenyRemove = true
	s.Start()
	s.WriteFile("/f", []byte("f"))
	s.MkdirAll("/d")
	c := s.Client()
	tests := []struct {
		name string
		op   func() error
	}{
		{"rename", func() error { return c.Rename("/f", "/g") }},
		{"posix-rename", func() error { return c.PosixRename("/f", "/g") }},
		{"remove", func() error { return c.Remove("/f") }},
		{"rmdir", func() error { return c.RemoveDirectory("/d") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, tt.op(), sftp.ErrSSHFxPermissionDenied)
		})
	}
	s.ReadFile("/f")
	if _, err := os.Stat(s.Path("/d")); err != nil {
		t.Errorf("/d: %v", err)
	}
	// Writing is still allowed.
	if err := writeChunks(c, "/h", []byte("h"), 1); err != nil {
		t.Errorf("write: %v", err)
	}
}

func TestHideExtensions(t *testing.T) {
	hiding := NewUnstartedServer(t)
	hiding.Faults.HideExtensions = []string{"posix-rename@openssh.com"}
	hiding.Start()
	plain := NewServer(t) // the same process: hiding must be per server

	tests := []struct {
		name string
		s    *Server
		want map[string]bool
	}{
		{"hiding", hiding, map[string]bool{"posix-rename@openssh.com": false, "statvfs@openssh.com": true, "hardlink@openssh.com": true}},
		{"plain", plain, map[string]bool{"posix-rename@openssh.com": true, "statvfs@openssh.com": true, "hardlink@openssh.com": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.s.Client()
			for ext, want := range tt.want {
				if _, got := c.HasExtension(ext); got != want {
					t.Errorf("HasExtension(%q) = %v, want %v", ext, got, want)
				}
			}
			// The session goes on normally after the rewritten packet.
			if err := writeChunks(c, "/x", []byte("x"), 1); err != nil {
				t.Errorf("write: %v", err)
			}
		})
	}
	names := newRawSFTP(t, hiding).hello()
	if got := strings.Join(names, ","); got != "hardlink@openssh.com,statvfs@openssh.com" {
		t.Errorf("advertised %s", got)
	}
}

func versionPacket(version uint32, pairs ...string) []byte {
	b := make([]byte, 4, 64)
	b = append(b, sshFxpVersion)
	b = binary.BigEndian.AppendUint32(b, version)
	for _, s := range pairs {
		b = appendString(b, []byte(s))
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func TestFilterVersion(t *testing.T) {
	hide := map[string]bool{"b": true}
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"hides", versionPacket(3, "a", "1", "b", "2", "c", "3"), versionPacket(3, "a", "1", "c", "3")},
		{"nothing to hide", versionPacket(3, "a", "1"), versionPacket(3, "a", "1")},
		{"no extensions", versionPacket(3), versionPacket(3)},
		{"only hidden", versionPacket(3, "b", "2"), versionPacket(3)},
		{"not a version packet", []byte{0, 0, 0, 5, 101, 0, 0, 0, 1}, []byte{0, 0, 0, 5, 101, 0, 0, 0, 1}},
		{"truncated string", versionPacket(3, "a", "1")[:12], versionPacket(3, "a", "1")[:12]},
		{"short", []byte{0, 0, 0, 1, 2}, []byte{0, 0, 0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := filterVersion(tt.in, hide); !bytes.Equal(got, tt.want) {
				t.Errorf("filterVersion(%x) = %x, want %x", tt.in, got, tt.want)
			}
		})
	}
}

func TestExtensionFilterSplitWrites(t *testing.T) {
	pkt := versionPacket(3, "a", "1", "b", "2")
	next := []byte{0, 0, 0, 1, 9}
	var out bytes.Buffer
	e := newExtensionFilter(nopCloser{&out}, []string{"b"})
	// One byte at a time, with the next packet glued to the last piece.
	stream := append(append([]byte{}, pkt...), next...)
	for i := 0; i < len(pkt)-1; i++ {
		if n, err := e.Write(stream[i : i+1]); n != 1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if out.Len() != 0 {
		t.Fatalf("wrote %x before the packet was complete", out.Bytes())
	}
	e.Write(stream[len(pkt)-1:])
	want := append(versionPacket(3, "a", "1"), next...)
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("got %x, want %x", out.Bytes(), want)
	}
}

type nopCloser struct{ io.ReadWriter }

func (nopCloser) Close() error { return nil }

func FuzzFilterVersion(f *testing.F) {
	f.Add(versionPacket(3, "a", "1", "b", "2"), "b")
	f.Add(versionPacket(3), "")
	f.Add([]byte{0, 0, 0, 9, 2, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff}, "a")
	f.Fuzz(func(t *testing.T, pkt []byte, hidden string) {
		out := filterVersion(pkt, map[string]bool{hidden: true})
		if bytes.Equal(out, pkt) {
			return
		}
		// A rewritten packet is a well-formed VERSION packet without the
		// hidden name.
		if uint64(binary.BigEndian.Uint32(out))+4 != uint64(len(out)) || out[4] != sshFxpVersion {
			t.Fatalf("malformed output %x", out)
		}
		rest := out[9:]
		for len(rest) > 0 {
			name, r, ok := readString(rest)
			if !ok {
				t.Fatalf("malformed output %x", out)
			}
			if string(name) == hidden {
				t.Fatalf("hidden name %q still in %x", hidden, out)
			}
			if _, rest, ok = readString(r); !ok {
				t.Fatalf("malformed output %x", out)
			}
		}
	})
}

// DropConnections drops only the first connections; PeakConnections
// counts those open at once.
func TestDropConnectionsAndPeak(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults = Faults{DropAfterBytes: 1000, DropConnections: 1}
	s.Start()
	data := make([]byte, 50_000)
	c1 := s.Client()
	f, err := c1.Create("/a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err == nil {
		t.Error("the first connection carried 50000 bytes past DropAfterBytes 1000")
	}
	c2 := s.Client()
	f2, err := c2.Create("/b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f2.Write(data); err != nil {
		t.Errorf("the second connection was dropped too: %v", err)
	}
	f2.Close()
	if got := s.ReadFile("/b"); len(got) != len(data) {
		t.Errorf("second file: %d bytes", len(got))
	}
	if p := s.PeakConnections(); p < 1 || p > 2 {
		t.Errorf("PeakConnections = %d, want 1 or 2", p)
	}
	c3, c4 := s.Client(), s.Client()
	_, _ = c3, c4
	if p := s.PeakConnections(); p < 3 {
		t.Errorf("PeakConnections = %d with three clients open, want at least 3", p)
	}
}

// TestStallExtraSessionsAfterBytes: a connection's second SFTP session
// stalls at the limit, its first session goes on writing past it.
func TestStallExtraSessionsAfterBytes(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.StallExtraSessionsAfterBytes = 4096
	s.Start()
	conn, err := sshDial(t, s, s.ClientConfig())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	first, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatalf("first session: %v", err)
	}
	t.Cleanup(func() { first.Close() })
	second, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatalf("second session: %v", err)
	}
	t.Cleanup(func() { second.Close() })

	f, err := second.Create("/stuck")
	if err != nil {
		t.Fatalf("create on the second session: %v", err)
	}
	writeDone := make(chan error, 1)
	go func() {
		_, err := f.Write(make([]byte, 5000))
		writeDone <- err
	}()
	select {
	case err := <-writeDone:
		t.Fatalf("write across the limit on the second session returned (%v), want it stalled", err)
	case <-time.After(500 * time.Millisecond):
	}
	if got := len(s.ReadFile("/stuck")); got != 4096 {
		t.Errorf("/stuck has %d bytes, want 4096", got)
	}
	if err := writeChunks(first, "/fine", make([]byte, 20000), 1000); err != nil {
		t.Errorf("the first session, past the limit: %v", err)
	}
	if got := len(s.ReadFile("/fine")); got != 20000 {
		t.Errorf("/fine has %d bytes, want 20000", got)
	}
	statDone := make(chan error, 1)
	go func() {
		_, err := second.Stat("/")
		statDone <- err
	}()
	select {
	case err := <-statDone:
		t.Fatalf("stat on the stalled session returned (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	s.Close()
	select {
	case <-writeDone:
	case <-time.After(10 * time.Second):
		t.Error("stalled write still blocked after Close")
	}
}
