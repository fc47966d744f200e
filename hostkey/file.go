package hostkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// FileStore is a Store in a file in OpenSSH known_hosts
// format, one line per pinned server ("[host]:port key-type base64", or
// just "host" for port 22), so that ssh-keygen -F/-R and KnownHosts read
// it as they read ~/.ssh/known_hosts. Lines it did not write (comments,
// hashed names, markers) are kept as they are.
//
// Every change rewrites the file through a temporary file in the same
// directory and a rename, so a crash never leaves half a file. The file is
// read again for every call, so an operator may delete a line to re-pin
// while the service runs. It is safe for concurrent use within one process;
// processes must not share one file.
type FileStore struct {
	path string
	mu   sync.Mutex
}

// NewFileStore returns a store in the file at path, which need not
// exist yet; its directory must.
func NewFileStore(path string) *FileStore {
	return &FileStore{path: path}
}

// Path returns the file's path.
func (f *FileStore) Path() string { return f.path }

// Lookup implements Store.
func (f *FileStore) Lookup(_ context.Context, hostport string) (ssh.PublicKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, err := f.read()
	if err != nil {
		return nil, err
	}
	key, _ := findPin(lines, hostport)
	return key, nil
}

// Pin implements Store.
func (f *FileStore) Pin(_ context.Context, hostport string, key ssh.PublicKey) (ssh.PublicKey, error) {
	if key == nil {
		return nil, errors.New("nil key")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, err := f.read()
	if err != nil {
		return nil, err
	}
	if k, _ := findPin(lines, hostport); k != nil {
		return k, nil
	}
	lines = append(lines, knownhosts.Line([]string{hostport}, key))
	if err := f.write(lines); err != nil {
		return nil, err
	}
	return key, nil
}

// Forget implements Store: it removes every plain line naming the
// server.
func (f *FileStore) Forget(_ context.Context, hostport string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, err := f.read()
	if err != nil {
		return err
	}
	kept := lines[:0:0]
	for _, l := range lines {
		if _, ok := pinLine(l, hostport); !ok {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(lines) {
		return nil
	}
	return f.write(kept)
}

// read returns the file's lines; a missing file has none.
func (f *FileStore) read() ([]string, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

// write replaces the file atomically: a temporary file in the same
// directory, synced, then renamed over it.
func (f *FileStore) write(lines []string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(f.path), "."+filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var buf bytes.Buffer
	for _, l := range lines {
		buf.WriteString(l)
		buf.WriteByte('\n')
	}
	if _, err = tmp.Write(buf.Bytes()); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("replacing %s: %w", f.path, err)
	}
	return nil
}

// findPin returns the key of the first plain line naming hostport.
func findPin(lines []string, hostport string) (ssh.PublicKey, bool) {
	for _, l := range lines {
		if k, ok := pinLine(l, hostport); ok {
			return k, true
		}
	}
	return nil, false
}

// pinLine returns the key of a known_hosts line without marker that names
// hostport among its (unhashed) hosts.
func pinLine(line, hostport string) (ssh.PublicKey, bool) {
	marker, hosts, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
	if err != nil || marker != "" {
		return nil, false // io.EOF for blank and comment lines
	}
	want := knownhosts.Normalize(hostport)
	for _, h := range hosts {
		if h == want {
			return key, true
		}
	}
	return nil, false
}
