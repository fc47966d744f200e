package sftppush

import (
	"testing"
	"time"
)

func TestSessionsFor(t *testing.T) {
	const MiB = 1 << 20
	cases := []struct {
		name  string
		size  int64
		rtt   time.Duration
		limit int
		want  int
	}{
		{"snapshot far away", 100 << 10, 150 * time.Millisecond, 10, 1},
		{"large file on a LAN", 1 << 30, 500 * time.Microsecond, 10, 1},
		{"large file at 8 ms", 1 << 30, 8 * time.Millisecond, 10, 1},
		{"large file at 10 ms", 1 << 30, 10 * time.Millisecond, 10, 2},
		{"large file at 50 ms", 256 * MiB, 50 * time.Millisecond, 10, 6},
		{"large file at 100 ms", 256 * MiB, 100 * time.Millisecond, 10, 10},
		{"large file at 150 ms, capped", 256 * MiB, 150 * time.Millisecond, 10, 10},
		{"capped by Config", 256 * MiB, 150 * time.Millisecond, 3, 3},
		{"striping off", 256 * MiB, 150 * time.Millisecond, 1, 1},
		{"just below two stripes", 2*minStripe - 1, time.Second, 10, 1},
		{"two stripes", 2 * minStripe, time.Second, 10, 2},
		{"size caps sessions", 5*minStripe + 7, time.Second, 10, 5},
		{"20 MiB main file at 150 ms", 20 * MiB, 150 * time.Millisecond, 10, 10},
		{"5 MiB raw recording at 100 ms", 5 * MiB, 100 * time.Millisecond, 10, 2},
		{"3 MiB filmstrip at 100 ms", 3 * MiB, 100 * time.Millisecond, 10, 1},
		{"unknown round trip", 1 << 30, 0, 10, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := sessionsFor(tc.size, tc.rtt, tc.limit, minStripe); got != tc.want {
				t.Errorf("sessionsFor(%d, %v, %d) = %d, want %d", tc.size, tc.rtt, tc.limit, got, tc.want)
			}
		})
	}
}

func TestStripesCoverTheFile(t *testing.T) {
	for _, size := range []int64{1, stripeAlign - 1, stripeAlign + 1, 10*stripeAlign + 3, 1_000_003, 64 << 20} {
		for n := 1; n <= 10; n++ {
			s := newStripes(nil, size, n)
			if s.count < 1 || s.count > int64(n*stripesPerSession) || s.width%stripeAlign != 0 {
				t.Fatalf("size %d, n %d: %d stripes of %d", size, n, s.count, s.width)
			}
			var next int64
			for {
				off, end, ok := s.take()
				if !ok {
					break
				}
				if off != next || end <= off {
					t.Fatalf("size %d, n %d: stripe [%d,%d) after %d", size, n, off, end, next)
				}
				next = end
			}
			if next != size {
				t.Fatalf("size %d, n %d: stripes end at %d", size, n, next)
			}
		}
	}
}
