package sftppush

// Credentials are what a customer types into the SFTP form: where to connect,
// how to log in and where to put the files.
//
// The password never prints: String, GoString, Format (every fmt verb),
// LogValue and MarshalJSON all redact it.
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

// Validate checks the credentials against the form's rules. It returns nil
// or a *ValidationError listing every bad field.
func (c Credentials) Validate() error {
	return nil // TODO(credentials helper)
}
