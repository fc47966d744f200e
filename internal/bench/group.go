package main

import (
	"time"

	"github.com/sftppush/sftppush/internal/wanproxy"
)

// WAN mode's group rows: the recording group (recordingGroup) pushed over
// one connection across an emulated long link, timed in ms against the
// least time the link allows.

// startRoundTrips is what a connection costs, at the least, before its
// first file is opened:
//
//	TCP handshake                                       1
//	SSH version exchange and KEXINIT                    1
//	ECDH key exchange                                   1
//	NEWKEYS and the ssh-userauth service request        1
//	user authentication ("none" for the methods, then
//	the password)                                       2
//	session channel open                                1
//	sftp subsystem request, SFTP INIT sent behind it    1
//	                                                    8
//
// A client that waits for the subsystem's reply before its INIT, or for
// any other reply in turn, pays more, and the files' own opens, closes and
// renames are not counted at all: the floor is a bound that no client
// reaches, not a target.
const startRoundTrips = 8

// linkFloor is the least time that uploading n bytes over one new
// connection can take across the link: the bytes at the link's speed,
// min(Window/RTT, Rate), plus startRoundTrips round trips. A zero Window or
// RTT leaves the Rate; a zero Rate is no cap, and with no limit at all the
// bytes take no time. At RTT 0 the floor is therefore n/Rate.
func linkFloor(n int64, link wanproxy.Config) time.Duration {
	speed := link.Rate // bytes/s; 0: unlimited
	if link.Window > 0 && link.RTT > 0 {
		byWindow := float64(link.Window) / link.RTT.Seconds()
		if speed == 0 || byWindow < speed {
			speed = byWindow
		}
	}
	floor := startRoundTrips * link.RTT
	if speed > 0 {
		floor += time.Duration(float64(n) / speed * float64(time.Second))
	}
	return floor
}
