package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/sftppush/sftppush"
)

// typed is the credentials form as the person typed it, every field as
// text.
type typed struct {
	Host, Port, Username, Password, Folder string
}

func readForm(r *http.Request) typed {
	return typed{
		Host:     r.PostFormValue("host"),
		Port:     r.PostFormValue("port"),
		Username: r.PostFormValue("username"),
		Password: r.PostFormValue("password"),
		Folder:   r.PostFormValue("folder"),
	}
}

// typedFrom is the form filled with saved credentials: what the page
// shows when nothing was typed. The password is left out, as always.
func typedFrom(c sftppush.Credentials) typed {
	return typed{Host: c.Host, Port: strconv.Itoa(port(c)), Username: c.Username, Folder: c.Folder}
}

// port returns c's port, 22 for 0 as sftppush reads it.
func port(c sftppush.Credentials) int {
	if c.Port == 0 {
		return sftppush.DefaultPort
	}
	return c.Port
}

// Messages of the page's own, for what the library cannot see: text in
// the port field that is no int, and an empty password field whose saved
// password may not be used.
const (
	msgPortNotNumber  = "is not a number; type a number from 1 to 65535, or leave it empty for 22"
	msgPortFarOut     = "is far out of range; type a number from 1 to 65535, or leave it empty for 22"
	msgRetypePassword = "type the password again: the saved password is sent only to the host, port and username it was saved with"
)

// credentials turns the typed form into Credentials, and returns every bad
// field's message, keyed by the Go field name ("Host", "Port", ...). The
// messages are the library's (Credentials.Validate), except those above.
//
// An empty password field means the saved password (saved, when not nil),
// but only when the host, port and username are the saved ones: a saved
// password is never sent to another server than the one it was typed for,
// so that whoever opens the page cannot point "Test connection" at a
// server of theirs and collect it.
func credentials(t typed, saved *sftppush.Credentials) (sftppush.Credentials, map[string]string) {
	errs := map[string]string{}
	c := sftppush.Credentials{Host: t.Host, Username: t.Username, Password: t.Password, Folder: t.Folder}
	if p := strings.TrimSpace(t.Port); p != "" {
		n, err := strconv.Atoi(p)
		switch {
		case err == nil:
			c.Port = n
		case errors.Is(err, strconv.ErrRange):
			errs["Port"] = msgPortFarOut
		default:
			errs["Port"] = msgPortNotNumber
		}
	}
	if c.Port == 0 {
		c.Port = sftppush.DefaultPort // what 0 means, saved as such
	}
	if c.Password == "" && saved != nil {
		if c.Host == saved.Host && port(c) == port(*saved) && c.Username == saved.Username {
			c.Password = saved.Password
		} else {
			errs["Password"] = msgRetypePassword
		}
	}
	var verr *sftppush.ValidationError
	if errors.As(c.Validate(), &verr) {
		for _, f := range verr.Fields {
			if _, ours := errs[f.Field]; !ours {
				errs[f.Field] = f.Message
			}
		}
	}
	return c, errs
}

// field is one input of the credentials form, as the page shows it.
type field struct {
	ID, Label, Type, Help string
	Value                 string // never set for the password
	Placeholder           string
	Autocomplete          string
	InputMode             string
	Error                 string
	Note                  string // beside the field, not an error
}

// fields lays out the form: the values typed (never the password), each
// field's message, and whether a password is saved.
func fields(t typed, errs map[string]string, passwordSaved bool) []field {
	pw := field{ID: "password", Label: "SFTP Password", Type: "password", Autocomplete: "new-password",
		Help: "The password of the SFTP account: at most 100 characters, case-sensitive.", Error: errs["Password"]}
	if passwordSaved {
		pw.Placeholder = "Saved: leave empty to keep it"
		pw.Note = "A password is saved. It is never shown; type a new one to replace it."
	}
	if t.Password != "" && pw.Error == "" {
		pw.Note = "The password you typed is not shown again: type it again before you save."
		if passwordSaved {
			pw.Note = "The password you typed is not shown again: type it again to save it, or leave it empty to keep the saved one."
		}
	}
	return []field{
		{ID: "host", Label: "SFTP Host", Type: "text", Value: t.Host, Placeholder: "sftp.example.com", Autocomplete: "off",
			Help: "The IPv4 address or domain name of your SFTP server (IPv6 is not supported): at most 100 characters.", Error: errs["Host"]},
		{ID: "port", Label: "Port", Type: "text", Value: t.Port, Placeholder: "22", InputMode: "numeric", Autocomplete: "off",
			Help: "The port your SFTP server runs SSH on: 1 to 65535. Empty means 22.", Error: errs["Port"]},
		{ID: "username", Label: "SFTP Username", Type: "text", Value: t.Username, Autocomplete: "off",
			Help: "The login name: at most 100 characters, case-sensitive.", Error: errs["Username"]},
		pw,
		{ID: "folder", Label: "SFTP Folder", Type: "text", Value: t.Folder, Placeholder: "/upload", Autocomplete: "off",
			Help: "The folder the files are pushed into: it must exist and the user must be able to write there. At most 100 characters.", Error: errs["Folder"]},
	}
}

// checkView is the outcome of "Test connection".
type checkView struct {
	OK                   bool
	Status, Reason, Hint string
	Error                string
	Leftovers            []string
}

func checkViewOf(res *sftppush.Result) *checkView {
	v := &checkView{OK: res.Status == sftppush.StatusOK, Status: string(res.Status), Reason: res.Reason.String(),
		Hint: res.Reason.Hint(), Leftovers: res.Leftovers}
	if v.OK {
		v.Hint = "Nothing: we logged in, wrote a small test file into the folder and removed it."
	}
	if res.Err != nil {
		// The library removes the password from every error it returns.
		v.Error = res.Err.Error()
	}
	return v
}
