// Package hostkey decides whether to trust an SFTP server's host key
// before the password is sent: by trust on first use, pinning each
// server's first key in a Store (in memory, in a known_hosts-format file,
// or in the caller's database), or by OpenSSH known_hosts files.
//
// Both policies plug into sftppush.Config.HostKeyPolicy:
//
//	p := sftppush.New(sftppush.Config{
//		HostKeyPolicy: hostkey.TrustOnFirstUse(hostkey.NewFileStore("/var/lib/pusher/pins")),
//	})
//
// A refused key ends the push with SFTP_CONNECTION_TIMEOUT and
// sftppush.ReasonHostKeyChanged or sftppush.ReasonHostKeyUnknown; the
// *Error in the result says which keys were trusted, which was presented
// and how an operator re-pins after a legitimate change.
package hostkey
