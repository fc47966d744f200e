package sftppush

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Credentials are what a customer types into the SFTP form: where to connect,
// how to log in and where to put the files.
//
// The password never prints: String, Format (every fmt verb, %#v too),
// LogValue and MarshalJSON all redact it. That also holds for a
// *Credentials, and for a struct, slice or map that holds Credentials in an
// exported field or element. fmt cannot call methods on unexported struct
// fields, so a Credentials kept in an unexported field of a printed struct is
// printed field by field, password included: keep it in an exported field,
// or give the outer type its own String method. Likewise fmt prints the
// argument of a misused %w (outside fmt.Errorf, or with a non-error) or of
// %p on a non-pointer by reflection, without calling any method: go vet
// reports both mistakes, so keep it in the build.
//
// Embedding Credentials in another struct promotes these methods: the outer
// struct then prints and marshals to JSON as its Credentials alone. Use a
// named field instead.
//
// MarshalJSON is meant for logs and APIs that show the credentials, not for
// storage: it writes the password as "[REDACTED]". Decoding JSON into a
// *Credentials uses the default struct decoding and reads a real password.
type Credentials struct {
	// Host is the server's IPv4 address (dotted quad) or DNS name. IPv6 is
	// not supported. Internationalized names are accepted and connected to
	// in their ASCII (punycode) form.
	Host string
	// Port is the server's SSH port, 1-65535; 0 means 22.
	Port int
	// Username is the login name, case-sensitive, used exactly as given.
	Username string
	// Password is the login password, case-sensitive, used exactly as given.
	Password string
	// Folder is the remote directory the files go into: absolute
	// ("/upload") or relative to the login directory ("upload/rec").
	Folder string
}

// MaxFieldLength is the most characters (Unicode code points) that Host,
// Username, Password and Folder may each have, and Group.RecordingID and
// Group.Account too.
const MaxFieldLength = 100

// ErrInvalidCredentials is reported by errors.Is for every *ValidationError,
// so callers can test for bad credentials without errors.As.
var ErrInvalidCredentials = errors.New("sftppush: invalid credentials")

// FieldError is one bad field of Credentials.
type FieldError struct {
	// Field is the Go name of the field: "Host", "Port", "Username",
	// "Password" or "Folder".
	Field string
	// Message says what is wrong and what to type instead, in words meant
	// for the person filling in the form. It never contains any part of the
	// password.
	Message string
}

// Error returns the field name and the message, e.g. "Port: 70000 is out of
// range; type a number from 1 to 65535, or leave it empty for 22".
func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError is the error of Credentials.Validate: it lists every bad
// field, in the order Host, Port, Username, Password, Folder, one entry per
// field.
type ValidationError struct {
	Fields []FieldError
}

// Error returns "sftppush: invalid credentials: " followed by the field
// errors, separated by "; ".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalidCredentials.Error())
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalidCredentials.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidCredentials }

// Field returns the error of the named field ("Host", "Port", "Username",
// "Password" or "Folder"), and whether that field is bad.
func (e *ValidationError) Field(name string) (FieldError, bool) {
	for _, f := range e.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return FieldError{}, false
}

// Validate checks the credentials against the form's rules. It returns nil
// or a *ValidationError listing every bad field.
//
// Lengths count characters (Unicode code points), at most MaxFieldLength,
// and any field that is not valid UTF-8 is rejected.
//
// Host must be a dotted-quad IPv4 address or a DNS name. One trailing dot is
// accepted on a name (and dropped before connecting). Internationalized names go
// through the IDNA lookup rules; plain ASCII names follow the DNS rules only.
// A name whose last label is all digits or "0x" and hex digits ("1.2.3",
// "0x7f.1", "2130706433") is refused as a mistyped IPv4 address, since some
// resolvers would read it as one.
//
// Port must be 0 (meaning 22) or 1-65535. Username, Password and Folder are
// required and used exactly as typed, spaces included; none may hold control
// characters, except the password, which may hold anything but NUL.
// Backslashes in Folder are allowed and passed to the server unchanged,
// since some Windows servers use them as separators; a Folder containing
// "://" is refused as a pasted URL.
func (c Credentials) Validate() error {
	var fields []FieldError
	add := func(field, msg string) {
		if msg != "" {
			fields = append(fields, FieldError{Field: field, Message: msg})
		}
	}
	_, hostMsg := checkHost(c.Host)
	add("Host", hostMsg)
	add("Port", checkPort(c.Port))
	add("Username", checkUsername(c.Username))
	add("Password", checkPassword(c.Password))
	add("Folder", checkFolder(c.Folder))
	if len(fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: fields}
}

// port returns Port, or DefaultPort when it is 0.
func (c Credentials) port() int {
	if c.Port == 0 {
		return DefaultPort
	}
	return c.Port
}

// The messages name something to type, because the person reading them is
// looking at a web form, not at our code.
const (
	hostExample = "type the server's host name (e.g. sftp.example.com) or its IPv4 address (e.g. 203.0.113.10)"
	msgNotUTF8  = "contains bytes that are not valid text (UTF-8); retype it"
	msgIPv4     = "is not a valid IPv4 address; type four numbers from 0 to 255 separated by dots, without leading zeros (e.g. 203.0.113.10), or a host name"
	msgIPv6     = "looks like an IPv6 address, which is not supported; type the server's IPv4 address (e.g. 203.0.113.10) or host name (e.g. sftp.example.com)"
	msgTooLong  = "is longer than 100 characters; "
	msgControl  = "contains a control character (such as a tab or line break); "
)

func checkPort(p int) string {
	if p < 0 || p > 65535 {
		return strconv.Itoa(p) + " is out of range; type a number from 1 to 65535, or leave it empty for 22"
	}
	return ""
}

func checkUsername(u string) string {
	switch {
	case u == "":
		return "required; type the login name of the SFTP account"
	case !utf8.ValidString(u):
		return msgNotUTF8 + " as the login name of the SFTP account"
	case utf8.RuneCountInString(u) > MaxFieldLength:
		return msgTooLong + "type only the login name of the SFTP account"
	case strings.ContainsFunc(u, unicode.IsControl):
		return msgControl + "type the login name without it"
	}
	return ""
}

// checkPassword's messages are constants: nothing of the password may show.
func checkPassword(p string) string {
	switch {
	case p == "":
		return "required; type the password of the SFTP account"
	case !utf8.ValidString(p):
		return msgNotUTF8 + " as the password of the SFTP account"
	case utf8.RuneCountInString(p) > MaxFieldLength:
		return msgTooLong + "passwords of up to 100 characters are supported; set a shorter one on the server and type it here"
	case strings.IndexByte(p, 0) >= 0:
		return "contains a NUL character, which SFTP servers cannot accept; retype the password"
	}
	return ""
}

func checkFolder(f string) string {
	switch {
	case f == "":
		return "required; type the folder to put the files in, e.g. /upload, or . for the login folder"
	case !utf8.ValidString(f):
		return msgNotUTF8 + " as the folder's path, e.g. /upload"
	case utf8.RuneCountInString(f) > MaxFieldLength:
		return msgTooLong + "type a shorter path to the folder"
	case strings.ContainsFunc(f, unicode.IsControl):
		return msgControl + "type the folder's path without it, e.g. /upload"
	case strings.Contains(f, "://"):
		// A legal relative path in theory, but in practice a pasted URL.
		return "looks like a URL; type only the folder's path (e.g. /upload), and put the host name in Host"
	}
	return ""
}
