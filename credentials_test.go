package sftppush

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// testPassword is recognisable in any output, and so are its encodings.
const testPassword = "Sup3r-S3cret-P4ss"

func validCredentials() Credentials {
	return Credentials{
		Host:     "sftp.example.com",
		Port:     22,
		Username: "alice",
		Password: testPassword,
		Folder:   "/upload",
	}
}

// longIDN is a host of fewer than 100 characters whose ASCII form is longer
// than 253 bytes, each label staying under 63: punycode of scattered CJK
// characters takes about three bytes per character.
func longIDN() string {
	var labels []string
	cp := rune(0x4E00)
	for range 10 {
		var b strings.Builder
		for range 9 {
			b.WriteRune(cp)
			cp += 211
		}
		labels = append(labels, b.String())
	}
	return strings.Join(labels, ".")
}

func TestCredentialsValidate(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	host100 := strings.Repeat("h", 60) + "." + strings.Repeat("e", 35) + ".com" // 100 characters
	tests := []struct {
		name string
		edit func(c *Credentials)
		// bad maps each field that must be reported to a text its message
		// must contain ("" for no particular text).
		bad map[string]string
	}{
		{name: "valid", edit: func(c *Credentials) {}},

		// Host, valid.
		{name: "host single label", edit: func(c *Credentials) { c.Host = "localhost" }},
		{name: "host mixed case", edit: func(c *Credentials) { c.Host = "SFTP.Example.COM" }},
		{name: "host trailing dot", edit: func(c *Credentials) { c.Host = "sftp.example.com." }},
		{name: "host IDN latin", edit: func(c *Credentials) { c.Host = "bücher.example" }},
		{name: "host IDN cyrillic", edit: func(c *Credentials) { c.Host = "пример.рф" }},
		{name: "host punycode", edit: func(c *Credentials) { c.Host = "xn--bcher-kva.example" }},
		{name: "host IPv4", edit: func(c *Credentials) { c.Host = "203.0.113.10" }},
		{name: "host IPv4 zeros", edit: func(c *Credentials) { c.Host = "0.0.0.0" }},
		{name: "host IPv4 max", edit: func(c *Credentials) { c.Host = "255.255.255.255" }},
		{name: "host numeric first label", edit: func(c *Credentials) { c.Host = "123.example.com" }},
		{name: "host hyphens inside", edit: func(c *Credentials) { c.Host = "r1---sn-abc.example.net" }},
		{name: "host label 63", edit: func(c *Credentials) { c.Host = label63 + ".example" }},
		{name: "host 100 characters", edit: func(c *Credentials) { c.Host = host100 }},

		// Host, invalid.
		{name: "host empty", edit: func(c *Credentials) { c.Host = "" }, bad: map[string]string{"Host": "type the server's host name"}},
		{name: "host 101 characters", edit: func(c *Credentials) { c.Host = host100 + "m" }, bad: map[string]string{"Host": "100 characters"}},
		{name: "host invalid UTF-8", edit: func(c *Credentials) { c.Host = "sftp.\xffexample.com" }, bad: map[string]string{"Host": "UTF-8"}},
		{name: "host three octets", edit: func(c *Credentials) { c.Host = "1.2.3" }, bad: map[string]string{"Host": "IPv4"}},
		{name: "host five octets", edit: func(c *Credentials) { c.Host = "1.2.3.4.5" }, bad: map[string]string{"Host": "IPv4"}},
		{name: "host octet over 255", edit: func(c *Credentials) { c.Host = "256.1.1.1" }, bad: map[string]string{"Host": "IPv4"}},
		{name: "host leading zero", edit: func(c *Credentials) { c.Host = "010.0.0.1" }, bad: map[string]string{"Host": "without leading zeros"}},
		{name: "host hex octet", edit: func(c *Credentials) { c.Host = "0x7f.1" }, bad: map[string]string{"Host": "IPv4"}},
		{name: "host hex address", edit: func(c *Credentials) { c.Host = "0x7f000001" }, bad: map[string]string{"Host": "IPv4"}},
		{name: "host integer address", edit: func(c *Credentials) { c.Host = "2130706433" }, bad: map[string]string{"Host": "IPv4"}},
		{name: "host IPv4 trailing dot", edit: func(c *Credentials) { c.Host = "1.2.3.4." }, bad: map[string]string{"Host": "without the dot (1.2.3.4)"}},
		{name: "host fullwidth digits", edit: func(c *Credentials) { c.Host = "１２７.０.０.１" }, bad: map[string]string{"Host": "IPv4"}},
		{name: "host IPv6 loopback", edit: func(c *Credentials) { c.Host = "::1" }, bad: map[string]string{"Host": "IPv6 address, which is not supported; type the server's IPv4 address"}},
		{name: "host IPv6 brackets", edit: func(c *Credentials) { c.Host = "[::1]" }, bad: map[string]string{"Host": "IPv6"}},
		{name: "host IPv6 zone", edit: func(c *Credentials) { c.Host = "fe80::1%eth0" }, bad: map[string]string{"Host": "IPv6"}},
		{name: "host IPv6 with port", edit: func(c *Credentials) { c.Host = "[2001:db8::1]:22" }, bad: map[string]string{"Host": "IPv6"}},
		{name: "host IPv4-mapped IPv6", edit: func(c *Credentials) { c.Host = "::ffff:1.2.3.4" }, bad: map[string]string{"Host": "IPv6"}},
		{name: "host with port", edit: func(c *Credentials) { c.Host = "example.com:2222" }, bad: map[string]string{"Host": "type the port in the Port field, not in Host (Host: example.com, Port: 2222)"}},
		{name: "host with bad port", edit: func(c *Credentials) { c.Host = "example.com:x" }, bad: map[string]string{"Host": "type the port in the Port field, not in Host"}},
		{name: "host URL", edit: func(c *Credentials) { c.Host = "sftp://example.com/upload" }, bad: map[string]string{"Host": "type only the host name (example.com), and put the folder (e.g. /upload) in Folder"}},
		{name: "host URL with user and port", edit: func(c *Credentials) { c.Host = "sftp://bob@example.com:2222/upload" }, bad: map[string]string{"Host": "(example.com)"}},
		{name: "host URL without host", edit: func(c *Credentials) { c.Host = "sftp:///upload" }, bad: map[string]string{"Host": "(e.g. example.com)"}},
		{name: "host user@host", edit: func(c *Credentials) { c.Host = "alice@example.com" }, bad: map[string]string{"Host": "type the username in Username"}},
		{name: "host path", edit: func(c *Credentials) { c.Host = "example.com/upload" }, bad: map[string]string{"Host": "put the folder (e.g. /upload) in Folder"}},
		{name: "host backslash", edit: func(c *Credentials) { c.Host = `example.com\upload` }, bad: map[string]string{"Host": "Folder"}},
		{name: "host leading space", edit: func(c *Credentials) { c.Host = " example.com" }, bad: map[string]string{"Host": "without spaces around it"}},
		{name: "host trailing newline", edit: func(c *Credentials) { c.Host = "example.com\n" }, bad: map[string]string{"Host": "without spaces around it"}},
		{name: "host inner space", edit: func(c *Credentials) { c.Host = "exam ple.com" }, bad: map[string]string{"Host": "without spaces"}},
		{name: "host inner control", edit: func(c *Credentials) { c.Host = "exam\x00ple.com" }, bad: map[string]string{"Host": "control character"}},
		{name: "host underscore", edit: func(c *Credentials) { c.Host = "my_host.example" }, bad: map[string]string{"Host": "letters, digits, hyphens and dots"}},
		{name: "host empty label", edit: func(c *Credentials) { c.Host = "example..com" }, bad: map[string]string{"Host": "empty part"}},
		{name: "host leading dot", edit: func(c *Credentials) { c.Host = ".example.com" }, bad: map[string]string{"Host": "empty part"}},
		{name: "host two trailing dots", edit: func(c *Credentials) { c.Host = "example.com.." }, bad: map[string]string{"Host": "empty part"}},
		{name: "host only a dot", edit: func(c *Credentials) { c.Host = "." }, bad: map[string]string{"Host": "only a dot"}},
		{name: "host leading hyphen", edit: func(c *Credentials) { c.Host = "-sftp.example.com" }, bad: map[string]string{"Host": "hyphen"}},
		{name: "host trailing hyphen", edit: func(c *Credentials) { c.Host = "sftp-.example.com" }, bad: map[string]string{"Host": "hyphen"}},
		{name: "host label 64", edit: func(c *Credentials) { c.Host = label63 + "a.example" }, bad: map[string]string{"Host": "63 characters"}},
		{name: "host bad punycode", edit: func(c *Credentials) { c.Host = "xn--zzzz.example" }, bad: map[string]string{"Host": "not a valid host name"}},
		{name: "host IDN too long in ASCII", edit: func(c *Credentials) { c.Host = longIDN() }, bad: map[string]string{"Host": "253"}},

		// Port.
		{name: "port default", edit: func(c *Credentials) { c.Port = 0 }},
		{name: "port 1", edit: func(c *Credentials) { c.Port = 1 }},
		{name: "port 65535", edit: func(c *Credentials) { c.Port = 65535 }},
		{name: "port negative", edit: func(c *Credentials) { c.Port = -1 }, bad: map[string]string{"Port": "type a number from 1 to 65535, or leave it empty for 22"}},
		{name: "port 65536", edit: func(c *Credentials) { c.Port = 65536 }, bad: map[string]string{"Port": "type a number from 1 to 65535"}},

		// Username.
		{name: "username case kept", edit: func(c *Credentials) { c.Username = "Alice" }},
		{name: "username spaces kept", edit: func(c *Credentials) { c.Username = " alice smith " }},
		{name: "username unicode", edit: func(c *Credentials) { c.Username = "jürgen" }},
		{name: "username 100", edit: func(c *Credentials) { c.Username = strings.Repeat("u", 100) }},
		{name: "username 100 multibyte", edit: func(c *Credentials) { c.Username = strings.Repeat("é", 100) }},
		{name: "username empty", edit: func(c *Credentials) { c.Username = "" }, bad: map[string]string{"Username": "type the login name"}},
		{name: "username 101", edit: func(c *Credentials) { c.Username = strings.Repeat("u", 101) }, bad: map[string]string{"Username": "100 characters"}},
		{name: "username 101 multibyte", edit: func(c *Credentials) { c.Username = strings.Repeat("é", 101) }, bad: map[string]string{"Username": "100 characters"}},
		{name: "username invalid UTF-8", edit: func(c *Credentials) { c.Username = "al\xc3ice" }, bad: map[string]string{"Username": "UTF-8"}},
		{name: "username NUL", edit: func(c *Credentials) { c.Username = "al\x00ice" }, bad: map[string]string{"Username": "control character"}},
		{name: "username tab", edit: func(c *Credentials) { c.Username = "al\tice" }, bad: map[string]string{"Username": "control character"}},
		{name: "username DEL", edit: func(c *Credentials) { c.Username = "al\x7fice" }, bad: map[string]string{"Username": "control character"}},
		{name: "username C1", edit: func(c *Credentials) { c.Username = "al\u0085ice" }, bad: map[string]string{"Username": "control character"}},

		// Password.
		{name: "password spaces", edit: func(c *Credentials) { c.Password = " pass word " }},
		{name: "password tab", edit: func(c *Credentials) { c.Password = "pass\tword" }},
		{name: "password unicode", edit: func(c *Credentials) { c.Password = "pässwörd✓" }},
		{name: "password 100", edit: func(c *Credentials) { c.Password = strings.Repeat("p", 100) }},
		{name: "password 100 multibyte", edit: func(c *Credentials) { c.Password = strings.Repeat("é", 100) }},
		{name: "password empty", edit: func(c *Credentials) { c.Password = "" }, bad: map[string]string{"Password": "type the password"}},
		{name: "password 101", edit: func(c *Credentials) { c.Password = strings.Repeat("p", 101) }, bad: map[string]string{"Password": "100 characters"}},
		{name: "password 101 multibyte", edit: func(c *Credentials) { c.Password = strings.Repeat("é", 101) }, bad: map[string]string{"Password": "100 characters"}},
		{name: "password NUL", edit: func(c *Credentials) { c.Password = "pass\x00word" }, bad: map[string]string{"Password": "NUL"}},
		{name: "password invalid UTF-8", edit: func(c *Credentials) { c.Password = "pass\xffword" }, bad: map[string]string{"Password": "UTF-8"}},

		// Folder.
		{name: "folder relative", edit: func(c *Credentials) { c.Folder = "upload/rec" }},
		{name: "folder dot", edit: func(c *Credentials) { c.Folder = "." }},
		{name: "folder root", edit: func(c *Credentials) { c.Folder = "/" }},
		{name: "folder parent", edit: func(c *Credentials) { c.Folder = "../shared" }},
		{name: "folder backslashes", edit: func(c *Credentials) { c.Folder = `C:\upload\rec` }},
		{name: "folder spaces", edit: func(c *Credentials) { c.Folder = "/My Videos" }},
		{name: "folder 100 multibyte", edit: func(c *Credentials) { c.Folder = strings.Repeat("é", 100) }},
		{name: "folder empty", edit: func(c *Credentials) { c.Folder = "" }, bad: map[string]string{"Folder": "type the folder"}},
		{name: "folder 101", edit: func(c *Credentials) { c.Folder = "/" + strings.Repeat("f", 100) }, bad: map[string]string{"Folder": "100 characters"}},
		{name: "folder 101 multibyte", edit: func(c *Credentials) { c.Folder = strings.Repeat("é", 101) }, bad: map[string]string{"Folder": "100 characters"}},
		{name: "folder NUL", edit: func(c *Credentials) { c.Folder = "/up\x00load" }, bad: map[string]string{"Folder": "control character"}},
		{name: "folder newline", edit: func(c *Credentials) { c.Folder = "/upload\n" }, bad: map[string]string{"Folder": "control character"}},
		{name: "folder invalid UTF-8", edit: func(c *Credentials) { c.Folder = "/up\xfeload" }, bad: map[string]string{"Folder": "UTF-8"}},
		{name: "folder URL", edit: func(c *Credentials) { c.Folder = "sftp://example.com/upload" }, bad: map[string]string{"Folder": "type only the folder's path (e.g. /upload)"}},

		// Several at once.
		{name: "all five bad", edit: func(c *Credentials) { *c = Credentials{Host: "::1", Port: 70000, Password: "a\x00"} }, bad: map[string]string{
			"Host": "IPv6", "Port": "70000", "Username": "required", "Password": "NUL", "Folder": "required",
		}},
		{name: "zero value", edit: func(c *Credentials) { *c = Credentials{} }, bad: map[string]string{
			"Host": "required", "Username": "required", "Password": "required", "Folder": "required",
		}},
	}
	order := []string{"Host", "Port", "Username", "Password", "Folder"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCredentials()
			tt.edit(&c)
			err := c.Validate()
			if len(tt.bad) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v (%T), want *ValidationError", err, err)
			}
			var got, want []string
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
			for _, name := range order {
				if _, ok := tt.bad[name]; ok {
					want = append(want, name)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("bad fields = %q, want %q (%v)", got, want, err)
			}
			for _, f := range ve.Fields {
				if !strings.Contains(f.Message, tt.bad[f.Field]) {
					t.Errorf("%s message %q does not contain %q", f.Field, f.Message, tt.bad[f.Field])
				}
				// Every message tells the person what to type.
				if !strings.Contains(f.Message, "type") {
					t.Errorf("%s message %q does not say what to type", f.Field, f.Message)
				}
			}
		})
	}
}

func TestCredentialsValidationError(t *testing.T) {
	c := Credentials{Host: "example.com:2222", Port: 22, Username: "alice", Password: testPassword}
	err := c.Validate()
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("errors.Is(%v, ErrInvalidCredentials) = false", err)
	}
	wrapped := fmt.Errorf("push: %w", err)
	if !errors.Is(wrapped, ErrInvalidCredentials) {
		t.Errorf("errors.Is through a wrapper = false")
	}
	var ve *ValidationError
	if !errors.As(wrapped, &ve) {
		t.Fatalf("errors.As through a wrapper failed")
	}
	const wantPrefix = "sftppush: invalid credentials: Host: contains a port; "
	if got := err.Error(); !strings.HasPrefix(got, wantPrefix) || !strings.Contains(got, "; Folder: required; ") {
		t.Errorf("Error() = %q, want prefix %q and a Folder part", got, wantPrefix)
	}
	if f, ok := ve.Field("Folder"); !ok || f.Field != "Folder" || f.Error() != "Folder: "+f.Message {
		t.Errorf("Field(Folder) = %+v, %v", f, ok)
	}
	if _, ok := ve.Field("Password"); ok {
		t.Errorf("Field(Password) found, want not")
	}
	if errors.Is(errors.New("other"), ErrInvalidCredentials) {
		t.Errorf("an unrelated error is ErrInvalidCredentials")
	}
}

func TestCredentialsASCIIHost(t *testing.T) {
	tests := []struct {
		name, host, want string
	}{
		{"IPv4", "203.0.113.10", "203.0.113.10"},
		{"plain", "sftp.example.com", "sftp.example.com"},
		{"mixed case", "SFTP.Example.COM", "sftp.example.com"},
		{"trailing dot", "sftp.example.com.", "sftp.example.com"},
		{"ideographic full stop", "sftp.example.com。", "sftp.example.com"},
		{"IDN", "bücher.example", "xn--bcher-kva.example"},
		{"IDN upper case", "BÜCHER.example", "xn--bcher-kva.example"},
		{"IDN cyrillic", "пример.рф", "xn--e1afmkfd.xn--p1ai"},
		{"punycode kept", "XN--BCHER-KVA.example", "xn--bcher-kva.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := checkHost(tt.host)
			if msg != "" || got != tt.want {
				t.Errorf("checkHost(%q) = %q, %q; want %q", tt.host, got, msg, tt.want)
			}
		})
	}
	for _, host := range []string{"", "::1", "1.2.3", "example.com:22"} {
		if got, msg := checkHost(host); msg == "" || got != "" {
			t.Errorf("checkHost(%q) = %q, %q; want a message", host, got, msg)
		}
	}
}

func TestCredentialsPort(t *testing.T) {
	for _, tt := range []struct{ port, want int }{{0, 22}, {22, 22}, {2222, 2222}, {65535, 65535}} {
		if got := (Credentials{Port: tt.port}).port(); got != tt.want {
			t.Errorf("port() with Port %d = %d, want %d", tt.port, got, tt.want)
		}
	}
}

// secretForms are the password and the encodings a careless formatter would
// print it in.
func secretForms(pw string) []string {
	b := []byte(pw)
	return []string{
		pw,
		"S3cret", // any piece of it
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		fmt.Sprintf("% x", b),
		base64.StdEncoding.EncodeToString(b),
		fmt.Sprint(b), // [83 117 112 ...]
	}
}

func assertRedacted(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range secretForms(testPassword) {
		if strings.Contains(out, s) {
			t.Errorf("%s leaks the password as %q: %s", what, s, out)
		}
	}
}

type holder struct {
	Name  string
	Creds Credentials
}

type pointerHolder struct {
	Name  string
	Creds *Credentials
}

type embedder struct {
	Credentials
	Name string
}

func TestCredentialsRedactFormat(t *testing.T) {
	c := validCredentials()
	values := map[string]any{
		"value":          c,
		"pointer":        &c,
		"field":          holder{"h", c},
		"pointer field":  pointerHolder{"h", &c},
		"pointer holder": &holder{"h", c},
		"embedded":       embedder{c, "e"},
		"slice":          []Credentials{c, c},
		"map":            map[string]Credentials{"k": c},
		"any slice":      []any{c, &c},
	}
	// Not here: %w outside Errorf and %p on a non-pointer. fmt prints their
	// argument by reflection without calling Format, so no method can
	// redact it; go vet reports both (see the Credentials doc).
	verbs := []string{
		"%v", "%+v", "%#v", "%s", "%q", "%+q", "%#q", "%x", "%X", "% x", "%#x", "%d", "%b", "%o",
		"%c", "%U", "%e", "%f", "%g", "%t", "%T", "%z", "%30v", "%-30s", "%.5s", "%08.3x", "%[2]v",
	}
	for name, v := range values {
		for _, verb := range verbs {
			assertRedacted(t, name+" "+verb, fmt.Sprintf(verb, v))
		}
		assertRedacted(t, name+" Sprint", fmt.Sprint(v))
		assertRedacted(t, name+" Sprintln", fmt.Sprintln(v, v))
		extra := "x" // not a constant, so vet lets the extra argument through
		//lint:ignore SA5009 the extra argument is what is tested: fmt prints it as %!(EXTRA ...)
		assertRedacted(t, name+" extra argument", fmt.Sprintf(extra, v))
		assertRedacted(t, name+" Errorf %v", fmt.Errorf("push: %v", v).Error())
	}
	assertRedacted(t, "pointer %p", fmt.Sprintf("%p", &c))
	if got, want := c.String(), "{Host:sftp.example.com Port:22 Username:alice Password:[REDACTED] Folder:/upload}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%#v", c), `sftppush.Credentials{Host:"sftp.example.com", Port:22, Username:"alice", Password:"[REDACTED]", Folder:"/upload"}`; got != want {
		t.Errorf("%%#v = %q, want %q", got, want)
	}
	if got := fmt.Sprintf("%+v", holder{"h", c}); !strings.Contains(got, "Password:[REDACTED]") {
		t.Errorf("%%+v of a holder = %q, want the redacted credentials", got)
	}
	// A missing password shows as missing, values with spaces are quoted.
	if got, want := (Credentials{Host: "h", Username: "a b"}).String(), `{Host:h Port:0 Username:"a b" Password:"" Folder:""}`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var nilCreds *Credentials
	if got := fmt.Sprintf("%v", nilCreds); got != "<nil>" {
		t.Errorf("nil pointer prints %q", got)
	}
}

func TestCredentialsRedactJSON(t *testing.T) {
	c := validCredentials()
	for name, v := range map[string]any{
		"value": c, "pointer": &c, "field": holder{"h", c}, "pointer field": pointerHolder{"h", &c},
		"slice": []Credentials{c}, "map": map[string]*Credentials{"k": &c},
	} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertRedacted(t, name+" JSON", string(b))
		if !strings.Contains(string(b), `"password":"[REDACTED]"`) {
			t.Errorf("%s JSON = %s, want a redacted password", name, b)
		}
	}
	b, _ := json.Marshal(Credentials{Host: "h"})
	if want := `{"host":"h","port":0,"username":"","password":"","folder":""}`; string(b) != want {
		t.Errorf("JSON of empty password = %s, want %s", b, want)
	}

	// Decoding still reads the real password, whether it came with our keys
	// or with the Go field names.
	for _, in := range []string{
		`{"host":"h","port":2222,"username":"u","password":"Sup3r-S3cret-P4ss","folder":"/f"}`,
		`{"Host":"h","Port":2222,"Username":"u","Password":"Sup3r-S3cret-P4ss","Folder":"/f"}`,
	} {
		var got Credentials
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Fatal(err)
		}
		if want := (Credentials{"h", 2222, "u", testPassword, "/f"}); got != want {
			t.Errorf("Unmarshal(%s) = %#v", in, got)
		}
		var h holder
		if err := json.Unmarshal([]byte(`{"Creds":`+in+`}`), &h); err != nil || h.Creds.Password != testPassword {
			t.Errorf("Unmarshal into a field: password %v lost (%v)", h.Creds.Password == testPassword, err)
		}
	}
}

func TestCredentialsRedactSlog(t *testing.T) {
	c := validCredentials()
	for _, handler := range []string{"json", "text"} {
		t.Run(handler, func(t *testing.T) {
			var buf bytes.Buffer
			var h slog.Handler = slog.NewTextHandler(&buf, nil)
			if handler == "json" {
				h = slog.NewJSONHandler(&buf, nil)
			}
			log := slog.New(h)
			log.Info("push", "creds", c)
			log.Info("push", "creds", &c)
			log.Info("push", slog.Any("holder", holder{"h", c}))
			log.Info("push", slog.Any("embedded", embedder{c, "e"}))
			log.With("creds", c).WithGroup("g").Info("push", "creds", c)
			out := buf.String()
			assertRedacted(t, handler+" handler", out)
			for _, want := range []string{"sftp.example.com", "alice", "/upload", "[REDACTED]"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s log lacks %q:\n%s", handler, want, out)
				}
			}
		})
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("push", "creds", c)
	if !strings.Contains(buf.String(), `"creds":{"host":"sftp.example.com","port":22,"username":"alice","password":"[REDACTED]","folder":"/upload"}`) {
		t.Errorf("JSON log = %s, want a group of the five fields", buf.String())
	}
}

func TestCredentialsRedactValidateErrors(t *testing.T) {
	long := strings.Repeat(testPassword, 7) // 119 characters
	for name, pw := range map[string]string{
		"too long":      long,
		"NUL":           testPassword + "\x00",
		"invalid UTF-8": testPassword + "\xff",
		"valid":         testPassword,
	} {
		c := validCredentials()
		c.Password = pw
		c.Host = "::1" // so there is always an error to read
		err := c.Validate()
		if err == nil {
			t.Fatalf("%s: Validate() = nil", name)
		}
		assertRedacted(t, name+" Validate error", err.Error())
		assertRedacted(t, name+" Validate error %+v", fmt.Sprintf("%+v %#v", err, err))
		if utf8.ValidString(pw) && strings.Contains(err.Error(), pw[:8]) {
			t.Errorf("%s: error echoes part of the password: %v", name, err)
		}
	}
}
