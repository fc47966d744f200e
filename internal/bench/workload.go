package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/sftppush/sftppush/internal/wanproxy"
)

// kind is what a workload does with its files.
type kind int

const (
	kindSingle   kind = iota // one file, one connection
	kindSetup                // a tiny file, pushed N times in a row, one connection each
	kindGroup                // several files over one connection
	kindParallel             // N pushes at once
)

// dataFile is one local file and the name it gets on the server.
type dataFile struct {
	local, remote string
	size          int64
	sum           [32]byte
}

// workload is one row group of a table: files, how they are pushed, how
// often, and in WAN mode across what link.
type workload struct {
	name     string
	kind     kind
	files    []dataFile
	pushes   int  // setup: pushes in a row; parallel: pushes at once
	pushOnly bool // only Push takes part (the RSS flatness check)
	rounds   int

	// WAN mode
	only     []string         // when set, only these contenders take part
	link     *wanproxy.Config // the emulated link the uploads cross; nil: loopback
	snapshot bool             // the snapshot row: figures in ms, not MB/s
}

// bytes is what one run uploads.
func (w *workload) bytes() int64 {
	var n int64
	for _, f := range w.files {
		n += f.size
	}
	if w.kind == kindSetup || w.kind == kindParallel {
		n *= int64(w.pushes)
	}
	return n
}

// inMS reports whether the workload's figures are ms per upload, not
// MB/s: the WAN mode's snapshot and group rows, whose time is mostly round
// trips.
func (w *workload) inMS() bool {
	return w.snapshot || (w.kind == kindGroup && w.link != nil)
}

// each turns a per-push command into the workload's batches.
func (w *workload) each(one func(files []dataFile, suffix string) *exec.Cmd) [][]*exec.Cmd {
	if w.pushOnly {
		return nil
	}
	switch w.kind {
	case kindSetup:
		var b [][]*exec.Cmd
		for i := 0; i < w.pushes; i++ {
			b = append(b, []*exec.Cmd{one(w.files, fmt.Sprintf("-%d", i))})
		}
		return b
	case kindParallel:
		var b []*exec.Cmd
		for i := 0; i < w.pushes; i++ {
			b = append(b, one(w.files, fmt.Sprintf("-%d", i)))
		}
		return [][]*exec.Cmd{b}
	}
	return [][]*exec.Cmd{{one(w.files, "")}}
}

// expected lists the remote names and sums a run must leave on the server.
func (w *workload) expected() map[string][32]byte {
	m := map[string][32]byte{}
	for _, f := range w.files {
		switch w.kind {
		case kindSetup, kindParallel:
			for i := 0; i < w.pushes; i++ {
				m[fmt.Sprintf("%s-%d", f.remote, i)] = f.sum
			}
		default:
			m[f.remote] = f.sum
		}
	}
	return m
}

// gen writes a local file of n random bytes, dir/name under the data
// folder, to be uploaded as remote.
func (e *env) gen(dir, name, remote string, n int64) dataFile {
	d := filepath.Join(e.dataDir, dir)
	os.MkdirAll(d, 0o755)
	p := filepath.Join(d, name)
	return dataFile{local: p, remote: remote, size: n, sum: writeRandom(p, n)}
}

// recordingGroup is the typical recording's files, in the order they are
// pushed over one connection: the video, the raw camera stream, the
// snapshot and the filmstrip, 25.7 MiB in all. The loopback group workload
// and the WAN mode's group rows upload these.
var recordingGroup = []struct {
	name  string
	size  int64
	video bool // scaled down in the smoke run
}{
	{"main.mp4", 20 << 20, true},
	{"raw.webm", 5 << 20, true},
	{"snapshot.jpg", 100 << 10, false},
	{"filmstrip.jpg", 600 << 10, false},
}

// genGroup writes the recording group's files into dir under the data
// folder, named as on the server: the videos scaled by scale (1 for their
// real size; the smoke run's are smaller), the images at theirs.
func (e *env) genGroup(dir string, scale float64) []dataFile {
	var fs []dataFile
	for _, f := range recordingGroup {
		n := f.size
		if f.video {
			n = int64(float64(n) * scale)
		}
		fs = append(fs, e.gen(dir, f.name, f.name, n))
	}
	return fs
}

// makeWorkloads makes the loopback workloads and their local files.
func (e *env) makeWorkloads(size, flat int64, setups, parallel int, parSize int64, rounds int) []*workload {
	scale := float64(1)
	if e.smoke {
		scale = 0.05 // the videos: 1 MiB and 256 KiB
	}
	ws := []*workload{
		{name: "single", kind: kindSingle, rounds: rounds, files: []dataFile{e.gen("single", "big.bin", "big.bin", size)}},
		{name: "setup", kind: kindSetup, rounds: rounds, pushes: setups, files: []dataFile{e.gen("setup", "setup", "setup", 1024)}},
		{name: "group", kind: kindGroup, rounds: rounds, files: e.genGroup("group", scale)},
		{name: "parallel", kind: kindParallel, rounds: rounds, pushes: parallel, files: []dataFile{e.gen("parallel", "c", "c", parSize)}},
	}
	if flat > 0 {
		ws = append(ws, &workload{name: "flat", kind: kindSingle, rounds: 1, pushOnly: true,
			files: []dataFile{e.gen("flat", "huge.bin", "huge.bin", flat)}})
	}
	return ws
}

// writeRandom writes n pseudo-random bytes (incompressible, fast to make) to
// path and returns their sha256.
func writeRandom(path string, n int64) [32]byte {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24), 's', 'f', 't', 'p'})
	buf := make([]byte, 1<<20)
	for left := n; left > 0; {
		k := min(left, int64(len(buf)))
		src.Read(buf[:k])
		h.Write(buf[:k])
		if _, err := f.Write(buf[:k]); err != nil {
			panic(err)
		}
		left -= k
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// fileSum is the sha256 of the file at path.
func fileSum(path string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, nil
}
