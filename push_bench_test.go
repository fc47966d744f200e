package sftppush_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sftppush/sftppush"

	"github.com/pkg/sftp"
	"github.com/sftppush/sftppush/sftptest"
	"golang.org/x/crypto/ssh"
)

// BenchmarkPush pushes one file per iteration to the embedded server, a
// new connection each time as in production, and reports MB/s. The server
// runs in this process and writes to a temp directory, so its CPU and disk
// count too: for figures against OpenSSH use go run ./internal/bench.
//
//	go test -run '^$' -bench Push -benchtime 5x
func BenchmarkPush(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20, 32 << 20, 256 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			s := sftptest.NewServer(b)
			s.MkdirAll("/upload")
			benchPush(b, s, writeLocal(b, b.TempDir(), "main.mp4", size), int64(size))
		})
	}
}

// BenchmarkPushProgress compares a push with Config.Progress set (a
// callback that does nothing) against one without, side by side: what
// following the acknowledgements costs.
func BenchmarkPushProgress(b *testing.B) {
	const size = 64 << 20
	s := sftptest.NewServer(b)
	s.MkdirAll("/upload")
	local := writeLocal(b, b.TempDir(), "main.mp4", size)
	b.Run("progress=off", func(b *testing.B) { benchPushWith(b, s, local, size, sftppush.Config{}) })
	b.Run("progress=on", func(b *testing.B) {
		benchPushWith(b, s, local, size, sftppush.Config{Progress: func(string, int, int64, int64) {}})
	})
}

// benchPush pushes local to the embedded server once per iteration.
func benchPush(b *testing.B, s *sftptest.Server, local string, size int64) {
	benchPushWith(b, s, local, size, sftppush.Config{})
}

func benchPushWith(b *testing.B, s *sftptest.Server, local string, size int64, cfg sftppush.Config) {
	p := newTestPusher(cfg)
	creds := s.Credentials("/upload")
	g := sftppush.Group{Main: sftppush.File{Path: local}}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if res := p.Push(context.Background(), creds, g); res.Status != sftppush.StatusOK {
			b.Fatalf("%s %s %v", res.Status, res.Reason, res.Err)
		}
	}
	b.StopTimer()
	os.Remove(s.Path("/upload/" + filepath.Base(local)))
}

// BenchmarkPush1GiB pushes a 1 GiB file to the embedded server, side by
// side with a peer: pkg/sftp's plain io.Copy with its defaults over one
// connection, as a hand-written uploader would do it. Compare the two
// MB/s figures of the same run:
//
//	go test -run '^$' -bench Push1GiB -benchtime 3x -count 3
func BenchmarkPush1GiB(b *testing.B) {
	const size = 1 << 30
	s := sftptest.NewServer(b)
	s.MkdirAll("/upload")
	local := writeLocal(b, b.TempDir(), "big.mp4", size)
	b.Run("Push", func(b *testing.B) { benchPush(b, s, local, size) })
	b.Run("peer=io.Copy", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			c, err := ssh.Dial("tcp", s.Addr, s.ClientConfig())
			if err != nil {
				b.Fatal(err)
			}
			sc, err := sftp.NewClient(c)
			if err != nil {
				b.Fatal(err)
			}
			src, _ := os.Open(local)
			dst, err := sc.Create("/upload/peer.mp4")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(dst, struct{ io.Reader }{src}); err != nil { // plain io.Copy: no ReadFrom fast path
				b.Fatal(err)
			}
			dst.Close()
			src.Close()
			sc.Close()
			c.Close()
		}
	})
}

// BenchmarkPushGroup pushes a recording group like the comparison program's:
// 20 MiB main, 20 MiB raw, 100 KiB snapshot, 600 KiB filmstrip.
func BenchmarkPushGroup(b *testing.B) {
	s := sftptest.NewServer(b)
	s.MkdirAll("/upload")
	dir := b.TempDir()
	g := sftppush.Group{
		Main: sftppush.File{Path: writeLocal(b, dir, "main.mp4", 20<<20)},
		Extras: []sftppush.File{
			{Path: writeLocal(b, dir, "raw.webm", 20<<20)},
			{Path: writeLocal(b, dir, "snapshot.jpg", 100<<10)},
			{Path: writeLocal(b, dir, "filmstrip.jpg", 600<<10)},
		},
	}
	var total int64
	for _, f := range append([]sftppush.File{g.Main}, g.Extras...) {
		fi, _ := os.Stat(f.Path)
		total += fi.Size()
	}
	p := newTestPusher(sftppush.Config{})
	creds := s.Credentials("/upload")
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		if res := p.Push(context.Background(), creds, g); res.Status != sftppush.StatusOK {
			b.Fatalf("%s %s %v", res.Status, res.Reason, res.Err)
		}
	}
	b.StopTimer()
	os.RemoveAll(filepath.Join(s.Path("/upload")))
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.Itoa(n>>20) + "MiB"
	default:
		return strconv.Itoa(n>>10) + "KiB"
	}
}
