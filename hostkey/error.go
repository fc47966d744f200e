package hostkey

import (
	"fmt"
	"strings"
)

// Error is the error of a host key a policy of this package refuses. The
// push ends with SFTP_CONNECTION_TIMEOUT, and with
// sftppush.ReasonHostKeyChanged when Known is not empty (HostKeyChanged
// reports true), sftppush.ReasonHostKeyUnknown otherwise. The password was
// not sent. Push results reach it with errors.As.
type Error struct {
	// HostPort is the server, "host:port".
	HostPort string
	// Known are the SHA256 fingerprints of the keys trusted for the server;
	// empty when none is.
	Known []string
	// Presented is the SHA256 fingerprint of the key the server presented.
	Presented string
	// Fix says how an operator trusts the new key after checking, out of
	// band, that the change is legitimate.
	Fix string
	// Err is the cause, if any, such as a store or file error.
	Err error
}

// HostKeyChanged reports whether a different key was trusted for the
// server: an impostor answers, or the server was reinstalled. sftppush
// asks an error for this method to tell ReasonHostKeyChanged from
// ReasonHostKeyUnknown.
func (e *Error) HostKeyChanged() bool { return len(e.Known) > 0 }

// Error names the server and both fingerprints.
func (e *Error) Error() string {
	var b strings.Builder
	if e.HostKeyChanged() {
		fmt.Fprintf(&b, "host key of %s changed: trusted %s, the server presented %s; the password was not sent (an impostor, or a reinstalled server)",
			e.HostPort, strings.Join(e.Known, ", "), e.Presented)
	} else {
		fmt.Fprintf(&b, "host key %s of %s is not trusted; the password was not sent", e.Presented, e.HostPort)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Fix != "" {
		b.WriteString(". ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
