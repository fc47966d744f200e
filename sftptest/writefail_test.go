package sftptest

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/pkg/sftp"
)

func TestFailWrites(t *testing.T) {
	s := NewUnstartedServer(t)
	wf := &WriteFailure{Off: 100, Len: 50, Times: 1}
	s.Faults.FailWrites = wf
	s.Start()
	c := s.Client()

	f, err := c.OpenFile("/f", os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write := func(off int64, n int) error {
		_, err := f.WriteAt(bytes.Repeat([]byte{'x'}, n), off)
		return err
	}
	// Below and above the range: stored.
	if err := write(0, 100); err != nil {
		t.Fatalf("write before the range: %v", err)
	}
	if err := write(150, 10); err != nil {
		t.Fatalf("write after the range: %v", err)
	}
	// Touching the range: a bare failure, nothing stored, connection up.
	err = write(140, 20)
	var se *sftp.StatusError
	if !errors.As(err, &se) || se.FxCode() != sftp.ErrSSHFxFailure {
		t.Fatalf("write into the range: got %v, want SSH_FX_FAILURE", err)
	}
	if got := s.ReadFile("/f"); !bytes.Equal(got[140:150], make([]byte, 10)) {
		t.Errorf("the failed write stored %q", got[140:150])
	}
	// Times: 1, so the next write into the range succeeds.
	if err := write(100, 50); err != nil {
		t.Fatalf("write after the failure was used up: %v", err)
	}
	if n := wf.Failed(); n != 1 {
		t.Errorf("Failed() = %d, want 1", n)
	}
	if got := s.ReadFile("/f"); len(got) != 160 || !bytes.Equal(got, bytes.Repeat([]byte{'x'}, 160)) {
		t.Errorf("file: %d bytes %q", len(got), got)
	}
}

func TestFailWritesToEnd(t *testing.T) {
	s := NewUnstartedServer(t)
	s.Faults.FailWrites = &WriteFailure{Off: 1 << 20} // Len 0, Times 0: always, to the end
	s.Start()
	c := s.Client()
	f, err := c.OpenFile("/g", os.O_WRONLY|os.O_CREATE)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range 3 {
		if _, err := f.WriteAt([]byte("y"), 5<<20+int64(i)); err == nil {
			t.Fatalf("write %d far past Off succeeded", i)
		}
	}
	if _, err := f.WriteAt([]byte("z"), 10); err != nil {
		t.Fatalf("write before Off: %v", err)
	}
}
