package hostkey_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/hostkey"
	"github.com/sftppush/sftppush/sftptest"
)

// Pin each server's host key on first use, so that a later impostor does
// not receive the password.
func ExampleTrustOnFirstUse() {
	env := sftptest.NewEnv() // in a test, pass its *testing.T instead
	defer env.Close()
	srv := sftptest.NewServer(env)
	srv.MkdirAll("/upload")

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	main := filepath.Join(dir, "rec.mp4")
	os.WriteFile(main, []byte("video"), 0o644)

	store := hostkey.NewFileStore(filepath.Join(dir, "pinned_hosts"))
	cfg := srv.Config() // reaches the test server on loopback
	cfg.HostKeyPolicy = hostkey.TrustOnFirstUse(store)
	p := sftppush.New(cfg)
	res := p.Push(context.Background(), srv.Credentials("/upload"), sftppush.Group{RecordingID: "rec-1", Main: sftppush.File{Path: main}})
	fmt.Println(res.Status)

	key, _ := store.Lookup(context.Background(), srv.Addr)
	fmt.Println("pinned:", key.Type())

	// After a legitimate key change, confirmed with the customer:
	store.Forget(context.Background(), srv.Addr)
	// Output:
	// OK
	// pinned: ssh-ed25519
}

// Trust only the servers listed in a known_hosts file (OpenSSH's format;
// ssh-keyscan and ssh-keygen -R maintain it). The file is read again for
// each connection, so edits need no restart.
func ExampleKnownHosts() {
	policy, err := hostkey.KnownHosts("/etc/sftppush/known_hosts")
	if err != nil {
		fmt.Println(err)
		return
	}
	p := sftppush.New(sftppush.Config{HostKeyPolicy: policy})
	_ = p
}
