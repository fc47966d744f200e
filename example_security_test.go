package sftppush_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// By default a push reaches only public IPv4 addresses: a host a stranger
// typed cannot lead into the service's own network. The refusal costs no
// packet and names the Config field that changes it.
func ExampleBlockedError() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	main := filepath.Join(dir, "rec.mp4")
	os.WriteFile(main, []byte("video"), 0o644)

	p := sftppush.New(sftppush.Config{})
	res := p.Push(context.Background(), sftppush.Credentials{
		Host: "169.254.169.254", Username: "u", Password: "p", Folder: "/",
	}, sftppush.Group{RecordingID: "rec-1", Main: sftppush.File{Path: main}})

	fmt.Println(res.Status, res.Reason)
	var be *sftppush.BlockedError
	if errors.As(res.Err, &be) {
		fmt.Println(be.Addr, "is", be.Rule)
	}
	// Output:
	// SFTP_CONNECTION_TIMEOUT blocked_by_policy
	// 169.254.169.254:22 is link-local, where cloud metadata services live (169.254.0.0/16)
}

// The default schedule, as a durable queue would read it.
func ExampleDefaultRetryPolicy() {
	p := sftppush.DefaultRetryPolicy()
	var total time.Duration
	for _, d := range p.Delays {
		total += d
	}
	fmt.Println(len(p.Delays)+1, "attempts, waits from", p.Delays[0], "to", p.Delays[len(p.Delays)-1], "spanning", total)

	lost := &sftppush.Result{Status: sftppush.StatusUploadFailed, Reason: sftppush.ReasonConnectionLost}
	wrong := &sftppush.Result{Status: sftppush.StatusLoginFailed, Reason: sftppush.ReasonAuthRejected}
	_, again := p.Next(1, lost)
	_, again2 := p.Next(1, wrong)
	fmt.Println("retry a lost connection:", again, "- a wrong password:", again2)
	// Output:
	// 13 attempts, waits from 1m0s to 24h0m0s spanning 73h51m0s
	// retry a lost connection: true - a wrong password: false
}

// Short in-process retries: a connection lost mid-upload is tried again
// a few seconds later; each attempt has its own numbered log entry.
func ExamplePusher_PushWithRetry() {
	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewServer(env)
	srv.MkdirAll("/upload")
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	main := filepath.Join(dir, "rec.mp4")
	os.WriteFile(main, []byte("video"), 0o644)

	p := sftppush.New(srv.Config()) // loopback allowed, the server's key trusted
	creds := srv.Credentials("/upload")
	policy := sftppush.RetryPolicy{Delays: []time.Duration{2 * time.Second, 5 * time.Second}, Jitter: 0.2}

	results := p.PushWithRetry(context.Background(), creds, sftppush.Group{RecordingID: "rec-1", Main: sftppush.File{Path: main}}, policy)
	last := results[len(results)-1]
	fmt.Println(len(results), last.Status, last.Entry.Attempt)
	// Output: 1 OK 1
}
