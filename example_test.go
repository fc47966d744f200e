package sftppush_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// Push a recording's main file and snapshot, and read the outcome.
func ExamplePusher_Push() {
	env := sftptest.NewEnv() // an embedded SFTP server stands in for the customer's
	defer env.Close()
	srv := sftptest.NewServer(env)
	srv.MkdirAll("/upload")
	dir := env.TempDir()
	os.WriteFile(filepath.Join(dir, "rec.mp4"), make([]byte, 1<<20), 0o644)
	os.WriteFile(filepath.Join(dir, "rec.jpg"), make([]byte, 10<<10), 0o644)

	// srv.Config allows loopback, which the destination policy refuses by
	// default, and trusts the server's host key; a service builds its
	// Config itself, and takes the Credentials from the customer's form.
	p := sftppush.New(srv.Config())
	res := p.Push(context.Background(), srv.Credentials("/upload"), sftppush.Group{
		RecordingID: "rec_1",
		Main:        sftppush.File{Path: filepath.Join(dir, "rec.mp4")},
		Extras:      []sftppush.File{{Path: filepath.Join(dir, "rec.jpg"), RemoteName: "snapshot.jpg"}},
	})
	fmt.Println(res.Status, res.Reason)
	for _, f := range res.Files {
		fmt.Println(f.Remote, f.State, f.Bytes)
	}
	// Output:
	// OK none
	// rec.mp4 uploaded 1048576
	// snapshot.jpg uploaded 10240
}

// Validate lists every bad field with a message to show next to it.
func ExampleCredentials_Validate() {
	err := sftppush.Credentials{Host: "sftp://files.example.com/upload", Port: 70000, Username: "pipe", Password: "pw"}.Validate()
	var ve *sftppush.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Println(f.Field)
		}
	}
	// Output:
	// Host
	// Port
	// Folder
}
