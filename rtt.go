package sftppush

import (
	"context"
	"time"
)

// rttProbeTimeout bounds the round-trip probe. A server that takes longer
// to answer a global request is either very far or busy: either way,
// opening more sessions on it is no bet worth making.
const rttProbeTimeout = 2 * time.Second

// roundTrip measures one round trip of the connection with an SSH global
// request, keepalive@openssh.com. OpenSSH answers it from its network
// process at once (with a failure, which is all we need), so the time is
// the network's, not the SFTP server's. ok is false when no answer came
// within rttProbeTimeout or ctx ended first.
//
// The probe goroutine can only block on the SSH connection itself: when it
// is abandoned, it returns once the attempt closes the connection.
func (s *session) roundTrip(ctx context.Context) (rtt time.Duration, ok bool) {
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, _, err := s.ssh.SendRequest("keepalive@openssh.com", true, nil)
		done <- err
	}()
	t := time.NewTimer(rttProbeTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return time.Since(start), err == nil
	case <-t.C:
	case <-ctx.Done():
	}
	return 0, false
}
