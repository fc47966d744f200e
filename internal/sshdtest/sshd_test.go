package sshdtest

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

func TestStartServesSFTP(t *testing.T) {
	if ok, why := Available(); !ok {
		t.Skip(why)
	}
	s := Start(t)
	c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
		User:            User,
		Auth:            []ssh.AuthMethod{ssh.Password(Password)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatalf("login: %v\nsshd log:\n%s", err, s.Log())
	}
	defer c.Close()
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	f, err := sc.Create("upload/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("hello"))
	f.Close()
	got, err := os.ReadFile(filepath.Join(s.Home, "upload", "hello.txt"))
	if err != nil || !bytes.Equal(got, []byte("hello")) {
		t.Fatalf("file in home: %q, %v", got, err)
	}
	os.Remove(filepath.Join(s.Home, "upload", "hello.txt"))
	pid := s.PID()
	s.Stop()
	s.Stop() // idempotent
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("sshd %d still running after Stop", pid)
	}
}

func TestWrongPasswordRejected(t *testing.T) {
	if ok, why := Available(); !ok {
		t.Skip(why)
	}
	s := Start(t)
	_, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
		User:            User,
		Auth:            []ssh.AuthMethod{ssh.Password("wrong")},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	})
	if err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
}
