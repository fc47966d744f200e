package sftppush

import (
	"bytes"
	"context"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"github.com/sftppush/sftppush/internal/sshdtest"
	"golang.org/x/crypto/ssh"
)

// TestHelloPkgSFTPServer: pkg/sftp's server states no limits, so the
// client stays at 32 KiB, and pkg/sftp works on the replayed VERSION.
func TestHelloPkgSFTPServer(t *testing.T) {
	s := newTestSSHServer(t, []ssh.Signer{ed25519Signer(t)}, inMemSFTP)
	c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{User: "tester",
		Auth: []ssh.AuthMethod{ssh.Password("secret-pass")}, HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, sc := helloAndClient(t, c)
	if h.limits != nil || writeSize(h.limits) != 32<<10 {
		t.Errorf("limits %+v from a server that does not state them", h.limits)
	}
	data := randomBytes(t, 100_000)
	writeRemote(t, sc, "/x", data)
	f, err := sc.Open("/x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("uploaded %d bytes, server has %d (%v)", len(data), len(got), err)
	}
}

func helloAndClient(t *testing.T, c *ssh.Client) (*sftpHello, *sftp.Client) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	w, _ := sess.StdinPipe()
	r, _ := sess.StdoutPipe()
	if err := sess.RequestSubsystem("sftp"); err != nil {
		t.Fatal(err)
	}
	h, err := hello(r, w, false)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sftp.NewClientPipe(&replayReader{first: h.version, r: r}, newInitSkipper(w),
		sftp.UseConcurrentWrites(true), sftp.MaxPacketUnchecked(writeSize(h.limits)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close(); sess.Close() })
	return h, sc
}

// TestHelloOpenSSH asks a real OpenSSH sftp-server for its limits, and
// pushes a file with the packet size they allow.
func TestHelloOpenSSH(t *testing.T) {
	if ok, why := sshdtest.Available(); !ok {
		t.Skip(why)
	}
	srv := sshdtest.Start(t)
	c, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{User: sshdtest.User,
		Auth: []ssh.AuthMethod{ssh.Password(sshdtest.Password)}, HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, sc := helloAndClient(t, c)
	if h.limits == nil {
		t.Fatal("OpenSSH stated no limits")
	}
	if got := writeSize(h.limits); got != 261120 {
		t.Errorf("write size %d against OpenSSH (limits %+v), want 261120", got, *h.limits)
	}
	if _, ok := sc.HasExtension("statvfs@openssh.com"); !ok {
		t.Error("pkg/sftp lost the extensions of the replayed VERSION")
	}

	// Push through the library: odd sizes around the packet size.
	dir := t.TempDir()
	p := New(Config{AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, ConnectTimeout: 30 * time.Second})
	creds := Credentials{Host: srv.Host, Port: srv.Port, Username: sshdtest.User, Password: sshdtest.Password, Folder: "upload"}
	for _, n := range []int{0, 1, 261119, 261120, 261121, 3*261120 + 7} {
		data := randomBytes(t, n)
		local := filepath.Join(dir, "f")
		os.WriteFile(local, data, 0o644)
		name := "limits-" + strconv.Itoa(n)
		res := p.Push(context.Background(), creds, Group{Main: File{Path: local, RemoteName: name}})
		if res.Status != StatusOK {
			t.Fatalf("%d bytes: %s %s %v", n, res.Status, res.Reason, res.Err)
		}
		remote := filepath.Join(srv.Home, "upload", name)
		got, err := os.ReadFile(remote)
		os.Remove(remote)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: server has %d, %v", n, len(got), err)
		}
	}
}
