package sftppush_test

import (
	"context"
	"fmt"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// Check answers the credentials form's "test connection" button with the
// Status and Reason a push would get.
func ExamplePusher_Check() {
	env := sftptest.NewEnv()
	defer env.Close()
	srv := sftptest.NewServer(env)
	srv.MkdirAll("/upload")

	p := sftppush.New(srv.Config()) // loopback allowed, the server's key trusted
	creds := srv.Credentials("/upload")
	res := p.Check(context.Background(), creds)
	fmt.Println(res.Status, res.Reason, len(res.Leftovers))

	creds.Folder = "/uploads"
	res = p.Check(context.Background(), creds)
	fmt.Println(res.Status, res.Reason)
	// Output:
	// OK none 0
	// INCORRECT_SFTP_FOLDER folder_not_found
}
