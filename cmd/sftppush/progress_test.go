package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The progress line from numbers: the file, the bar, percent, bytes, rate
// and time left, within the width; the bar goes first when room is short,
// then the name is shortened.
func TestRenderProgress(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name  string
		line  progressLine
		width int
		want  string
	}{
		{"half, with rate", progressLine{File: 1, Files: 2, Name: "rec.mp4", Done: 2 * mib, Size: 4 * mib, Rate: 1 * mib}, 100,
			"[1/2] rec.mp4  [==============              ]  50%  2.0 MiB / 4.0 MiB  1.0 MiB/s  0:02 left"},
		{"no rate yet", progressLine{File: 2, Files: 2, Name: "rec.jpg", Done: 0, Size: 40 << 10}, 80,
			"[2/2] rec.jpg  [                            ]   0%  0 B / 40.0 KiB"},
		{"done", progressLine{File: 1, Files: 1, Name: "a.mp4", Done: 3, Size: 3, Rate: 10}, 60,
			"[1/1] a.mp4  [====================] 100%  3 B / 3 B  10 B/s"},
		{"stalled", progressLine{File: 1, Files: 1, Name: "a.mp4", Done: mib, Size: 4 * mib, Rate: 5, Idle: 7 * time.Second}, 100,
			"[1/1] a.mp4  [=======                     ]  25%  1.0 MiB / 4.0 MiB  no progress for 7s"},
		{"hours left", progressLine{File: 1, Files: 1, Name: "big.mp4", Done: 0, Size: 10 << 30, Rate: mib}, 100,
			"[1/1] big.mp4  [                            ]   0%  0 B / 10.0 GiB  1.0 MiB/s  2:50:40 left"},
		{"narrow: no bar", progressLine{File: 1, Files: 1, Name: "rec.mp4", Done: 2 * mib, Size: 4 * mib, Rate: mib}, 62,
			"[1/1] rec.mp4   50%  2.0 MiB / 4.0 MiB  1.0 MiB/s  0:02 left"},
		{"narrow: name shortened", progressLine{File: 1, Files: 1, Name: "a-very-long-recording-name.mp4", Done: 0, Size: mib}, 40,
			"[1/1] a-very-long~    0%  0 B / 1.0 MiB"},
		{"unknown width is 80", progressLine{File: 1, Files: 1, Name: "x", Done: 1, Size: 2}, 0,
			"[1/1] x  [==============              ]  50%  1 B / 2 B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := renderProgress(tc.line, tc.width)
			if got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
			width := tc.width
			if width == 0 {
				width = 80
			}
			if n := utf8.RuneCountInString(got); n > width-1 {
				t.Errorf("%d columns, more than %d", n, width-1)
			}
		})
	}
}

func TestRenderWaiting(t *testing.T) {
	if got, want := renderWaiting("connecting to sftp.example.com:22", 3500*time.Millisecond, 80), "connecting to sftp.example.com:22... 3s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := renderWaiting("connecting to sftp.example.com:22", 0, 20); utf8.RuneCountInString(got) != 19 || !strings.HasSuffix(got, "~") {
		t.Errorf("got %q, want 19 columns ending in ~", got)
	}
}

// The rate follows the last few seconds, not the whole file, and starts
// afresh when a file is written again from its start.
func TestMeter(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	var m meter
	if r := m.rate(); r != 0 {
		t.Errorf("empty meter: %v", r)
	}
	m.add(t0, 0)
	m.add(t0.Add(50*time.Millisecond), 1000)
	if r := m.rate(); r != 0 {
		t.Errorf("50 ms of samples: rate %v, want 0 (too little to tell)", r)
	}
	// 1 MB/s for 10 s, then 100 kB/s for 4 s: the window sees the slow part.
	for i := 1; i <= 40; i++ {
		m.add(t0.Add(time.Duration(i)*250*time.Millisecond), int64(i)*250_000)
	}
	if r := m.rate(); r != 1_000_000 {
		t.Errorf("steady 1 MB/s: rate %v", r)
	}
	base := int64(40 * 250_000)
	for i := 1; i <= 16; i++ {
		m.add(t0.Add(10*time.Second+time.Duration(i)*250*time.Millisecond), base+int64(i)*25_000)
	}
	if r := m.rate(); r < 99_000 || r > 101_000 {
		t.Errorf("after slowing to 100 kB/s: rate %v", r)
	}
	m.add(t0.Add(15*time.Second), 0) // written again from the start
	if r := m.rate(); r != 0 {
		t.Errorf("after a restart: rate %v, want 0", r)
	}
}

// The bar redraws in place, says what it waits for before the first file,
// and leaves nothing behind when it finishes.
func TestProgressBarDraws(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(1700000000, 0)
	b := newProgressBar(&out, func() int { return 100 }, []string{"rec.mp4", "rec.jpg"}, "connecting to h:22")
	b.now = func() time.Time { return now }
	b.start = now
	now = now.Add(2 * time.Second)
	b.tick()
	b.progress("rec", 0, 0, 4<<20)
	now = now.Add(time.Second)
	b.progress("rec", 0, 4<<20, 4<<20)
	b.finish()
	b.tick() // nothing after finish
	want := "\rconnecting to h:22... 2s\x1b[K" +
		"\r" + renderProgress(progressLine{File: 1, Files: 2, Name: "rec.mp4", Size: 4 << 20}, 100) + "\x1b[K" +
		"\r" + renderProgress(progressLine{File: 1, Files: 2, Name: "rec.mp4", Done: 4 << 20, Size: 4 << 20, Rate: 4 << 20}, 100) + "\x1b[K" +
		"\r\x1b[K"
	if out.String() != want {
		t.Errorf("drew\n%q\nwant\n%q", out.String(), want)
	}
}
