package sftppush

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Credentials are what a customer types into the SFTP form: where to connect,
// how to log in and where to put the files.
//
// The password never prints: String, GoString, Format (every fmt verb),
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
// Username, Password and Folder may each have.
const MaxFieldLength = 100

// maxDNSName is the longest DNS name in ASCII form, without the trailing dot
// (RFC 1035 allows 255 octets on the wire, which is 253 as text).
const maxDNSName = 253

// redacted stands in for a non-empty password wherever credentials are shown.
const redacted = "[REDACTED]"

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

// idnaProfile converts internationalized host names to ASCII. It is the
// strict lookup profile of RFC 5891 and UTS #46 (non-transitional mapping,
// STD3 ASCII rules, hyphen, joiner and bidi checks), spelled out so that a
// change of idna.Lookup does not change what we accept. Label and name
// lengths are checked by checkDNSName on the result, for clearer messages.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
)

// checkHost validates a Host and returns the address to connect to, or a
// message for the person who typed it.
func checkHost(h string) (ascii, msg string) {
	switch {
	case h == "":
		return "", "required; " + hostExample
	case !utf8.ValidString(h):
		return "", msgNotUTF8 + " as the server's host name (e.g. sftp.example.com) or IPv4 address"
	case utf8.RuneCountInString(h) > MaxFieldLength:
		return "", msgTooLong + hostExample
	}
	first, _ := utf8.DecodeRuneInString(h)
	last, _ := utf8.DecodeLastRuneInString(h)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return "", "starts or ends with a space; type the host name without spaces around it"
	}
	if i := strings.Index(h, "://"); i >= 0 {
		return "", "looks like a URL; type only the host name" + suggestHost(urlHost(h[i+3:])) + ", and put the folder (e.g. /upload) in Folder"
	}
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		return "", "contains @; type the username in Username, and only the host name" + suggestHost(h[i+1:]) + " in Host"
	}
	if strings.ContainsFunc(h, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "", "contains a space or control character; type the host name without spaces (e.g. sftp.example.com)"
	}
	// Every IPv6 form has '[' or at least two colons: "::1", "[::1]:22",
	// "fe80::1%eth0", "::ffff:1.2.3.4".
	if strings.HasPrefix(h, "[") || strings.Count(h, ":") >= 2 {
		return "", msgIPv6
	}
	if i := strings.IndexByte(h, ':'); i >= 0 {
		msg := "contains a port; type the port in the Port field, not in Host"
		if host, _ := checkHost(h[:i]); host != "" {
			if port, err := strconv.Atoi(h[i+1:]); err == nil && checkPort(port) == "" && port != 0 {
				msg += fmt.Sprintf(" (Host: %s, Port: %d)", h[:i], port)
			}
		}
		return "", msg
	}
	if strings.ContainsAny(h, `/\`) {
		return "", "contains a path; type only the host name (e.g. example.com), and put the folder (e.g. /upload) in Folder"
	}
	if isDottedQuad(h) {
		return h, ""
	}
	return checkDNSName(h)
}

// checkDNSName validates h, which is not a dotted quad, as a DNS name.
func checkDNSName(h string) (ascii, msg string) {
	if h == "." {
		return "", "is only a dot; " + hostExample
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if looksNumeric(labels[len(labels)-1]) {
		return "", ipv4Message(h)
	}
	// Check the labels as typed where they are ASCII, so the message can say
	// what is wrong; the IDNA library only says "invalid label".
	for _, l := range labels {
		if !isASCII(l) {
			continue
		}
		if msg := checkASCIILabel(l); msg != "" {
			return "", msg
		}
	}
	a := h
	if needsIDNA(h) {
		var err error
		if a, err = idnaProfile.ToASCII(h); err != nil {
			return "", "is not a valid host name; check its spelling, or " + hostExample
		}
	}
	a = strings.ToLower(strings.TrimSuffix(a, "."))
	labels = strings.Split(a, ".")
	// Mapping can turn look-alikes into ASCII digits ("１２７.０.０.１"), so the
	// numeric check is repeated on the result.
	if looksNumeric(labels[len(labels)-1]) {
		return "", ipv4Message(a)
	}
	for _, l := range labels {
		if msg := checkASCIILabel(l); msg != "" {
			return "", msg
		}
	}
	if len(a) > maxDNSName {
		return "", "is too long: its ASCII form has more than 253 characters; " + hostExample
	}
	return a, ""
}

// needsIDNA reports whether h has non-ASCII characters or punycode labels
// ("xn--"), which only the IDNA rules can check. Plain ASCII names follow the
// DNS rules alone: IDNA's lookup profile would refuse names like
// "r1---sn-abc.example.net" that resolve fine.
func needsIDNA(h string) bool {
	if !isASCII(h) {
		return true
	}
	for _, l := range strings.Split(h, ".") {
		if len(l) >= 4 && strings.EqualFold(l[:4], "xn--") {
			return true
		}
	}
	return false
}

// checkASCIILabel checks one label of a DNS name in ASCII form.
func checkASCIILabel(l string) string {
	switch {
	case l == "":
		return "has an empty part between dots; " + hostExample
	case len(l) > 63:
		return "has a part longer than 63 characters between dots; " + hostExample
	case l[0] == '-' || l[len(l)-1] == '-':
		return "has a part that starts or ends with a hyphen; " + hostExample
	}
	for i := 0; i < len(l); i++ {
		if b := l[i]; !isLetterDigitHyphen(b) {
			return fmt.Sprintf("contains %q; a host name may only contain letters, digits, hyphens and dots; %s", b, hostExample)
		}
	}
	return ""
}

// ipv4Message explains a host that looks like an IPv4 address but is not a
// plain dotted quad; s is the host with any trailing dot.
func ipv4Message(s string) string {
	if t := strings.TrimSuffix(s, "."); t != s && isDottedQuad(t) {
		return "is an IPv4 address with a dot at the end; type it without the dot (" + t + ")"
	}
	return msgIPv4
}

// isDottedQuad reports whether s is exactly four decimal numbers 0-255
// separated by dots, without leading zeros. Other forms that some resolvers
// accept ("0x7f.1", "2130706433", "010.0.0.1" read as octal) are refused,
// because what they mean depends on the resolver.
func isDottedQuad(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || (len(p) > 1 && p[0] == '0') {
			return false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// looksNumeric reports whether a last label would make a C resolver
// (inet_aton) read the whole name as an IPv4 address: decimal digits, or
// "0x" and hex digits. No top-level domain looks like that, so such a name is
// an address typed wrong, not a host name.
func looksNumeric(l string) bool {
	if len(l) >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X') {
		for i := 2; i < len(l); i++ {
			if !isHexDigit(l[i]) {
				return false
			}
		}
		return true
	}
	if l == "" {
		return false
	}
	for i := 0; i < len(l); i++ {
		if l[i] < '0' || l[i] > '9' {
			return false
		}
	}
	return true
}

// urlHost returns the host part of what follows "scheme://".
func urlHost(rest string) string {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[:i], ":") {
		rest = rest[:i]
	}
	return rest
}

// suggestHost returns " (h)" when h is a valid host to suggest, else
// " (e.g. example.com)".
func suggestHost(h string) string {
	if _, msg := checkHost(h); msg == "" {
		return " (" + h + ")"
	}
	return " (e.g. example.com)"
}

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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLetterDigitHyphen(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-'
}

func isHexDigit(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

// shownPassword is what stands for the password in every output: nothing
// when there is none (so a missing password is visible), else "[REDACTED]".
func (c Credentials) shownPassword() string {
	if c.Password == "" {
		return ""
	}
	return redacted
}

// String returns the credentials with the password redacted, in the form
// {Host:sftp.example.com Port:22 Username:alice Password:[REDACTED] Folder:/upload}.
// Values that are empty or hold spaces, quotes or unprintable characters are
// quoted as Go strings, so a hostile value cannot fake another field or a
// log line. Port is shown as stored: 0 stays 0.
func (c Credentials) String() string {
	return fmt.Sprintf("{Host:%s Port:%d Username:%s Password:%s Folder:%s}",
		quoteIfNeeded(c.Host), c.Port, quoteIfNeeded(c.Username),
		quoteIfNeeded(c.shownPassword()), quoteIfNeeded(c.Folder))
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return r == '"' || r == '\\' || r == '{' || r == '}' || r == utf8.RuneError || unicode.IsSpace(r) || !strconv.IsPrint(r)
	}) {
		return strconv.Quote(s)
	}
	return s
}

// GoString returns a Go expression for the credentials with the password
// redacted, for %#v.
func (c Credentials) GoString() string {
	return fmt.Sprintf("sftppush.Credentials{Host:%q, Port:%d, Username:%q, Password:%q, Folder:%q}",
		c.Host, c.Port, c.Username, c.shownPassword(), c.Folder)
}

// Format implements fmt.Formatter so that no verb can reach the password:
// %#v prints GoString, and every other verb (%v, %+v, %s, %q, %x, %X, %d,
// ...) formats String, the redacted text, with the same flags and width.
// fmt does not call Format for %p and %w when they are misused (see
// Credentials).
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, c.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
}

// LogValue implements slog.LogValuer: the credentials log as a group of
// host, port, username, password and folder, the password being
// "[REDACTED]" (or "" when empty).
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("username", c.Username),
		slog.String("password", c.shownPassword()),
		slog.String("folder", c.Folder),
	)
}

// MarshalJSON writes the credentials as a JSON object with the keys host,
// port, username, password and folder, the password being "[REDACTED]" (or
// "" when empty). The keys decode back into Credentials, but the password
// does not survive: do not store this output.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		Username string `json:"username"`
		Password string `json:"password"`
		Folder   string `json:"folder"`
	}{c.Host, c.Port, c.Username, c.shownPassword(), c.Folder})
}
