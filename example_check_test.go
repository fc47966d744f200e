package sftppush_test

import (
	"context"
	"fmt"
	"net/netip"

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

	p := sftppush.New(sftppush.Config{
		// The embedded server listens on loopback, which the default policy refuses.
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	creds := sftppush.Credentials{Host: srv.Host, Port: srv.Port, Username: srv.Username, Password: srv.Password, Folder: "/upload"}
	res := p.Check(context.Background(), creds)
	fmt.Println(res.Status, res.Reason, len(res.Leftovers))

	creds.Folder = "/uploads"
	res = p.Check(context.Background(), creds)
	fmt.Println(res.Status, res.Reason)
	// Output:
	// OK none 0
	// INCORRECT_SFTP_FOLDER folder_not_found
}
