package sftptest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// A test of code that pushes recordings: start a server, push to it with
// the Config and Credentials it hands out, and look at what arrived. In a
// test, pass the *testing.T to NewServer; Close is then registered with
// t.Cleanup.
func ExampleNewServer() {
	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewServer(env)
	srv.MkdirAll("/upload")

	local := filepath.Join(env.TempDir(), "rec.mp4")
	os.WriteFile(local, []byte("a tiny video"), 0o644)

	var logs sftptest.MemorySink
	cfg := srv.Config()
	cfg.Sink = &logs
	res := sftppush.New(cfg).Push(context.Background(), srv.Credentials("/upload"),
		sftppush.Group{RecordingID: "rec-1", Main: sftppush.File{Path: local}})

	fmt.Println(res.Status, string(srv.ReadFile("/upload/rec.mp4")))
	fmt.Println(logs.Len(), "log entry:", logs.Entries()[0].RecordingID)
	// Output:
	// OK a tiny video
	// 1 log entry: rec-1
}

// A server whose disk fills up after 1000 bytes: the push fails as a full
// disk, and nothing of the file is left under its name.
func ExampleFaults() {
	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewUnstartedServer(env)
	srv.Faults = sftptest.Faults{QuotaBytes: 1000}
	srv.Start()
	srv.MkdirAll("/upload")

	local := filepath.Join(env.TempDir(), "rec.mp4")
	os.WriteFile(local, make([]byte, 50_000), 0o644)

	res := sftppush.New(srv.Config()).Push(context.Background(), srv.Credentials("/upload"),
		sftppush.Group{RecordingID: "rec-1", Main: sftppush.File{Path: local}})
	_, err := os.Stat(srv.Path("/upload/rec.mp4"))
	fmt.Println(res.Status, res.Reason, os.IsNotExist(err))
	// Output:
	// UPLOAD_FAILED no_space true
}
