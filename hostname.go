package sftppush

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// maxDNSName is the longest DNS name in ASCII form, without the trailing dot
// (RFC 1035 allows 255 octets on the wire, which is 253 as text).
const maxDNSName = 253

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
