package sftppush

import (
	"context"
	"errors"
	"net"
	"strconv"
)

// destination is where a push connects and who logs in, from validated
// credentials. It holds the password: it is never printed or logged.
type destination struct {
	host     string // the IPv4 address, or the DNS name in lower-case ASCII
	port     string
	addr     string // host:port, the subject of connection errors
	user     string
	password string
}

// destinationOf validates the credentials and returns where to connect.
// The Reason of invalid credentials follows the first bad field, in the
// order the connection would have used them: Host and Port would have
// failed to connect, Username and Password to log in, Folder to find the
// folder.
func destinationOf(c Credentials) (destination, *Error) {
	if err := c.Validate(); err != nil {
		r := ReasonInvalidHost
		var ve *ValidationError
		if errors.As(err, &ve) && len(ve.Fields) > 0 {
			switch ve.Fields[0].Field {
			case "Username", "Password":
				r = ReasonInvalidLogin
			case "Folder":
				r = ReasonInvalidFolder
			}
		}
		return destination{}, newError(OpValidate, "", r, err)
	}
	host, _ := checkHost(c.Host)
	port := strconv.Itoa(c.port())
	return destination{host: host, port: port, addr: net.JoinHostPort(host, port), user: c.Username, password: c.Password}, nil
}

// dial resolves the destination to IPv4 addresses and connects to the
// first that answers. A literal IPv4 address is not looked up.
func dial(ctx context.Context, set *settings, d destination) (net.Conn, error) {
	var ips []net.IP
	if ip := net.ParseIP(d.host).To4(); ip != nil {
		ips = []net.IP{ip}
	} else {
		var err error
		if ips, err = set.resolver.LookupIP(ctx, "ip4", d.host); err != nil {
			return nil, err
		}
	}
	var errs, blocked []error
	for _, ip := range ips {
		conn, err := set.dial(ctx, "tcp4", net.JoinHostPort(ip.String(), d.port))
		if err == nil {
			return conn, nil
		}
		if isBlocked(err) {
			// Refused by the destination policy: nothing was sent. Another
			// address's real failure, if any, says more.
			blocked = append(blocked, err)
			continue
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		errs = blocked
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, errors.Join(errs...)
}
