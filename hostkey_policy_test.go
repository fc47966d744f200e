package sftppush_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/sftppush/sftppush"

	"github.com/sftppush/sftppush/sftptest"
	"golang.org/x/crypto/ssh"
)

// A policy of the caller's own returning a plain error refuses the key as
// unknown, before the password.
func TestCustomHostKeyPolicyError(t *testing.T) {
	s := serverWith(t, sftptest.Faults{})
	res := newTestPusher(sftppush.Config{HostKeyPolicy: refuseAll{}}).Push(context.Background(), s.Credentials("/upload"), okGroup(t, 10))
	if res.Status != sftppush.StatusConnectionTimeout || res.Reason != sftppush.ReasonHostKeyUnknown || !errors.Is(res.Err, errRefuseAll) {
		t.Fatalf("got %s/%s %v", res.Status, res.Reason, res.Err)
	}
	if s.Logins() != 0 {
		t.Error("password sent")
	}
}

var errRefuseAll = errors.New("refused by test policy")

type refuseAll struct{}

func (refuseAll) HostKeyAlgorithms(context.Context, string, net.Addr) []string { return nil }
func (refuseAll) CheckHostKey(context.Context, string, net.Addr, ssh.PublicKey) error {
	return errRefuseAll
}
