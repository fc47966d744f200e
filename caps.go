package sftppush

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxRecordingIDLength is the longest Group.RecordingID accepted, in
// characters (Unicode code points). IDs go into every log entry, so a
// caller's mistake must not turn one into megabytes.
const MaxRecordingIDLength = 100

// MaxAccountLength is the longest Group.Account accepted, in characters.
const MaxAccountLength = 100

// checkLabels checks the group's RecordingID and Account: bounded, valid
// UTF-8, no control characters (they would forge lines in a text log).
func checkLabels(g Group) []error {
	var errs []error
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"RecordingID", g.RecordingID, MaxRecordingIDLength},
		{"Account", g.Account, MaxAccountLength},
	} {
		switch {
		case !utf8.ValidString(f.value):
			errs = append(errs, fmt.Errorf("%s is not valid UTF-8", f.name))
		case utf8.RuneCountInString(f.value) > f.max:
			errs = append(errs, fmt.Errorf("%s has %d characters; at most %d are allowed", f.name, utf8.RuneCountInString(f.value), f.max))
		default:
			for _, r := range f.value {
				if unicode.IsControl(r) {
					errs = append(errs, fmt.Errorf("%s contains a control character", f.name))
					break
				}
			}
		}
	}
	return errs
}
