package sftppush

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sftppush/sftppush/internal/sftptest"
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
			local := writeLocal(b, b.TempDir(), "main.mp4", size)
			p := newTestPusher(Config{})
			creds := loopbackCreds(s, "/upload")
			g := Group{Main: File{Path: local}}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if res := p.Push(context.Background(), creds, g); res.Status != StatusOK {
					b.Fatalf("%s %s %v", res.Status, res.Reason, res.Err)
				}
			}
			b.StopTimer()
			os.Remove(s.Path("/upload/main.mp4"))
		})
	}
}

// BenchmarkPushGroup pushes a recording group like the comparison program's:
// 20 MiB main, 20 MiB raw, 100 KiB snapshot, 600 KiB filmstrip.
func BenchmarkPushGroup(b *testing.B) {
	s := sftptest.NewServer(b)
	s.MkdirAll("/upload")
	dir := b.TempDir()
	g := Group{
		Main: File{Path: writeLocal(b, dir, "main.mp4", 20<<20)},
		Extras: []File{
			{Path: writeLocal(b, dir, "raw.webm", 20<<20)},
			{Path: writeLocal(b, dir, "snapshot.jpg", 100<<10)},
			{Path: writeLocal(b, dir, "filmstrip.jpg", 600<<10)},
		},
	}
	var total int64
	for _, f := range append([]File{g.Main}, g.Extras...) {
		fi, _ := os.Stat(f.Path)
		total += fi.Size()
	}
	p := newTestPusher(Config{})
	creds := loopbackCreds(s, "/upload")
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		if res := p.Push(context.Background(), creds, g); res.Status != StatusOK {
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
