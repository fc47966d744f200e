package sftppush

import "strings"

// TEMPORARY until the credentials branch lands.
func (c Credentials) ASCIIHost() (string, error) { return strings.ToLower(c.Host), nil }
func (c Credentials) PortOrDefault() int {
	if c.Port == 0 {
		return 22
	}
	return c.Port
}

type FieldError struct{ Field, Message string }
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string { return "invalid" }
