package sftppush

import (
	"errors"
	"io/fs"
	"testing"
)

func TestErrorTextAndUnwrap(t *testing.T) {
	e := &Error{Reason: ReasonPermissionDenied, Op: "create", Subject: "/in/rec.mp4", Err: fs.ErrPermission}
	if got, want := e.Error(), "sftppush: create /in/rec.mp4 (UPLOAD_FAILED/permission_denied): permission denied"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, fs.ErrPermission) {
		t.Error("errors.Is does not reach the cause")
	}
	var pe *Error
	if !errors.As(error(e), &pe) || pe.Reason != ReasonPermissionDenied {
		t.Error("errors.As does not find *Error")
	}
	bare := &Error{Reason: ReasonNone, Op: "validate"}
	if got, want := bare.Error(), "sftppush: validate (OK/none)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
