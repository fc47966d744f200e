package metrics

import (
	"slices"

	"github.com/sftppush/sftppush"
)

// Unknown is the status and reason label value of a LogEntry whose Status
// is not one of the six, and the reason label value of one whose Reason is
// not a Reason of its Status. Entries from Push never get it; an entry
// made by hand or read back from elsewhere can. Counting such entries
// under one fixed value keeps the number of series bounded whatever
// strings reach Log.
const Unknown = "unknown"

// labels are the label values of one entry: always a pair the library
// defines, (status, Unknown) or (Unknown, Unknown).
type labels struct{ status, reason string }

// labelsOf maps an entry's Status and Reason to label values. The status
// is kept when it is one of the six; the reason when it is a Reason of
// that status. Everything else becomes Unknown, so no string from an
// entry other than the library's own names ever becomes a label value.
func labelsOf(st sftppush.Status, r sftppush.Reason) labels {
	if !slices.Contains(sftppush.Statuses(), st) {
		return labels{Unknown, Unknown}
	}
	if r.Status() != st {
		return labels{string(st), Unknown}
	}
	return labels{string(st), r.String()}
}
