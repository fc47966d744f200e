package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The WAN mode's flag types: sizes and lists of sizes and round trips.

// byteSize is a flag of bytes: a plain count or one with a K, M or G
// suffix (powers of 1024).
type byteSize int64

// Set reads the flag's value (flag.Value).
func (b *byteSize) Set(s string) error {
	n, err := parseSize(s)
	*b = byteSize(n)
	return err
}

// String shows the flag's value as Set reads it (flag.Value).
func (b *byteSize) String() string { return formatSize(int64(*b)) }

// sizeList is a comma-separated list of sizes.
type sizeList []int64

// Set reads the flag's value, replacing the default (flag.Value).
func (l *sizeList) Set(s string) error {
	var out sizeList
	for _, f := range strings.Split(s, ",") {
		n, err := parseSize(f)
		if err != nil {
			return err
		}
		out = append(out, n)
	}
	*l = out
	return nil
}

// String shows the flag's value as Set reads it (flag.Value).
func (l *sizeList) String() string {
	var f []string
	for _, n := range *l {
		f = append(f, formatSize(n))
	}
	return strings.Join(f, ",")
}

// msList is a comma-separated list of durations in milliseconds.
type msList []time.Duration

// Set reads the flag's value, replacing the default (flag.Value).
func (l *msList) Set(s string) error {
	var out msList
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v < 0 {
			return fmt.Errorf("bad round trip %q: want milliseconds, e.g. 0,50,100", f)
		}
		out = append(out, time.Duration(v*float64(time.Millisecond)))
	}
	*l = out
	return nil
}

// String shows the flag's value as Set reads it (flag.Value).
func (l *msList) String() string {
	var f []string
	for _, d := range *l {
		f = append(f, strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64))
	}
	return strings.Join(f, ",")
}

var suffixes = []struct {
	s string
	n int64
}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}}

// parseSize reads "256M", "3m", "100K", "1G" or a plain byte count.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, x := range suffixes {
		if rest, ok := strings.CutSuffix(t, x.s); ok {
			t, mult = rest, x.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q: want bytes, or a number with a K, M or G suffix", s)
	}
	return n * mult, nil
}

// formatSize is parseSize's inverse, with the largest exact suffix.
func formatSize(n int64) string {
	for _, x := range suffixes {
		if n != 0 && n%x.n == 0 {
			return strconv.FormatInt(n/x.n, 10) + x.s
		}
	}
	return strconv.FormatInt(n, 10)
}
