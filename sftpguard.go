package sftppush

import (
	"io/fs"

	"github.com/pkg/sftp"
)

// A hostile or broken server may answer a request that expects attributes
// or a handle with an SSH_FXP_STATUS of OK. pkg/sftp then returns neither
// a value nor an error (a nil *sftp.File, or a FileInfo whose methods
// dereference nil), which would panic the process. These wrappers turn such
// an answer into an *emptyReplyError, classified as ReasonRemoteError.

// emptyReplyError is a success status where data was due.
type emptyReplyError struct {
	op, want string
}

func (e *emptyReplyError) Error() string {
	return "the server answered " + e.op + " with a bare success status instead of " + e.want
}

// statRemote is sftp.Client.Stat that never returns an empty FileInfo.
func statRemote(c *sftp.Client, p string) (fs.FileInfo, error) {
	fi, err := c.Stat(p)
	if err != nil {
		return nil, err
	}
	if st, _ := fi.Sys().(*sftp.FileStat); st == nil {
		return nil, &emptyReplyError{op: "Stat " + p, want: "the file's attributes"}
	}
	return fi, nil
}

// openRemote is sftp.Client.OpenFile that never returns a nil file.
func openRemote(c *sftp.Client, p string, flags int) (*sftp.File, error) {
	f, err := c.OpenFile(p, flags)
	if err == nil && f == nil {
		err = &emptyReplyError{op: "Open " + p, want: "a file handle"}
	}
	return f, err
}

// statVFSRemote is sftp.Client.StatVFS that never returns nil.
func statVFSRemote(c *sftp.Client, p string) (*sftp.StatVFS, error) {
	v, err := c.StatVFS(p)
	if err == nil && v == nil {
		err = &emptyReplyError{op: "statvfs " + p, want: "file system statistics"}
	}
	return v, err
}
