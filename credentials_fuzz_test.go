package sftppush

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// twinPassword returns a password that Validate must treat exactly like p:
// same emptiness, same validity. If Validate's output changes when p is
// swapped for its twin, it depends on the password's content, which is a
// leak even when the password does not show verbatim.
func twinPassword(p string) string {
	switch {
	case p == "":
		return ""
	case !utf8.ValidString(p):
		return "~\xff"
	case utf8.RuneCountInString(p) > MaxFieldLength:
		return strings.Repeat("~", MaxFieldLength+1)
	case strings.IndexByte(p, 0) >= 0:
		return "~\x00"
	}
	return "~"
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// shown is everything Credentials print through: fmt, JSON, slog's value.
func shown(c Credentials) string {
	j, _ := json.Marshal(c)
	return fmt.Sprintf("%v|%+v|%#v|%s|%q|%x|%d|%v|%v|%s", c, c, c, c, c, c, c, &c, c.LogValue(), j)
}

func FuzzValidate(f *testing.F) {
	seeds := []Credentials{
		validCredentials(),
		{Host: "203.0.113.10", Port: 0, Username: "Alice", Password: "p w", Folder: "."},
		{Host: "bücher.example.", Port: 65535, Username: "é", Password: "é", Folder: `C:\upload`},
		{Host: "пример.рф", Port: 2222, Username: "u", Password: "pass", Folder: "upload/rec"},
		{Host: "xn--bcher-kva.example", Port: 1, Username: "u", Password: "pass", Folder: "/"},
		{Host: "１２７.０.０.１", Username: "u", Password: "pass", Folder: "/"},
		{Host: "example.com。", Username: "u", Password: "pass", Folder: "/"},
		{Host: "e\u00adxample.com", Username: "u", Password: "pass", Folder: "/"},
		{Host: "0x7f.1", Port: -1, Username: "u\x00", Password: "p\x00ss", Folder: "/\x00"},
		{Host: "1.2.3.4.", Port: 65536, Username: "\xff", Password: "\xff", Folder: "\xff"},
		{Host: "[2001:db8::1]:22", Username: "u", Password: "pass", Folder: "/"},
		{Host: "sftp://bob@example.com:2222/upload", Username: "u", Password: "example.com", Folder: "sftp://x/y"},
		{Host: "bob@example.com:22", Username: "u", Password: "bob@", Folder: "/"},
		{Host: "example.com:2222", Username: "u", Password: "2222", Folder: "/"},
		{Host: longIDN(), Username: "u", Password: "pass", Folder: "/"},
		{Host: strings.Repeat("a", 63) + "." + strings.Repeat("b", 36), Username: strings.Repeat("é", 100), Password: strings.Repeat("p", 101), Folder: strings.Repeat("f", 100)},
		{Host: "r1---sn-abc.example.net", Username: " u ", Password: "required", Folder: "/upload"},
		{},
	}
	for _, c := range seeds {
		f.Add(c.Host, c.Port, c.Username, c.Password, c.Folder)
	}
	fieldNames := map[string]int{"Host": 0, "Port": 1, "Username": 2, "Password": 3, "Folder": 4}

	f.Fuzz(func(t *testing.T, host string, port int, username, password, folder string) {
		c := Credentials{Host: host, Port: port, Username: username, Password: password, Folder: folder}
		err := c.Validate()

		if again := c.Validate(); errText(again) != errText(err) {
			t.Fatalf("Validate is not deterministic: %q then %q", errText(err), errText(again))
		}

		dest, destErr := destinationOf(c)
		asciiHost, hostMsg := checkHost(c.Host)
		if err == nil {
			if destErr != nil || dest.host != asciiHost {
				t.Fatalf("Validate passed but destinationOf = %+v, %v", dest.addr, destErr)
			}
			if len(asciiHost) == 0 || len(asciiHost) > maxDNSName {
				t.Fatalf("ASCII host %q: length %d out of 1..253", asciiHost, len(asciiHost))
			}
			if strings.Contains(asciiHost, ":") || !isASCII(asciiHost) || asciiHost != strings.ToLower(asciiHost) || strings.HasSuffix(asciiHost, ".") {
				t.Fatalf("ASCII host %q: want lower-case ASCII without ':' or a trailing dot", asciiHost)
			}
			if p := c.port(); p < 1 || p > 65535 {
				t.Fatalf("port() = %d", p)
			}
		} else {
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidCredentials) || len(ve.Fields) == 0 {
				t.Fatalf("Validate error %v (%T) is not a non-empty *ValidationError", err, err)
			}
			last := -1
			for _, fe := range ve.Fields {
				i, ok := fieldNames[fe.Field]
				if !ok || i <= last || fe.Message == "" {
					t.Fatalf("bad field list %+v", ve.Fields)
				}
				last = i
			}
			// checkHost agrees with Validate about Host.
			if _, hostBad := ve.Field("Host"); hostBad != (hostMsg != "") {
				t.Fatalf("Validate says Host bad=%v, checkHost says %q", hostBad, hostMsg)
			}
			if destErr == nil || !errors.Is(destErr, ErrInvalidCredentials) {
				t.Fatalf("Validate failed but destinationOf = %v", destErr)
			}
		}

		// The password shows nowhere: the outputs are the same for any
		// password of the same kind.
		twin := c
		twin.Password = twinPassword(password)
		twinErr := twin.Validate()
		if errText(twinErr) != errText(err) {
			t.Fatalf("Validate depends on the password's content:\n%q\n%q", errText(err), errText(twinErr))
		}
		if (password == "") == (twin.Password == "") && shown(c) != shown(twin) {
			t.Fatalf("output depends on the password's content:\n%s\n%s", shown(c), shown(twin))
		}
		// And verbatim: unless it is short or typed into another field too,
		// or is text that the twin's output shows anyway (a message word).
		if utf8.RuneCountInString(password) >= 4 &&
			!strings.Contains(host+"\x00"+username+"\x00"+folder, password) &&
			strings.Contains(errText(err), password) && !strings.Contains(errText(twinErr), password) {
			t.Fatalf("Validate error shows the password: %v", err)
		}
	})
}
