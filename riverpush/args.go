package riverpush

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/riverqueue/river"
)

// Kind is the River job kind of a push.
const Kind = "sftppush"

// DefaultQueue is the River queue pushes go to when Config.Queue is empty.
const DefaultQueue = "sftppush"

// maxIDLength caps the IDs of Args, as sftppush caps a Group's.
const maxIDLength = 100

// Args are a push job's arguments. They are stored as plain JSON in the job
// row, shown in dashboards and copied to backups, so they hold no secret:
// never credentials or file contents.
//
// A destination and a recording have at most one push job waiting or
// running at once: inserting it again is skipped as a duplicate. Set PushID
// to push the same recording again on purpose.
type Args struct {
	// DestinationID names the customer's saved credentials, as
	// Config.Credentials looks them up. Required.
	DestinationID string `json:"destination_id" river:"unique"`
	// RecordingID names the recording, as Config.Group looks up its files;
	// it goes into the log entry. Required.
	RecordingID string `json:"recording_id" river:"unique"`
	// PushID, if set, tells a deliberate re-push from the first one.
	PushID string `json:"push_id,omitempty" river:"unique"`
	// Account names the tenant, for the log entry and for
	// CancelAccount-style clean-ups of the caller's own.
	Account string `json:"account,omitempty"`
	// TotalBytes is the size of the group's files together: the job's
	// time limit grows with it (see Config.MinRate).
	TotalBytes int64 `json:"total_bytes"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return Kind }

// validate checks the IDs: required, bounded, printable.
func (a Args) validate() error {
	var errs []error
	for _, f := range []struct{ name, v string }{
		{"DestinationID", a.DestinationID}, {"RecordingID", a.RecordingID}, {"PushID", a.PushID}, {"Account", a.Account},
	} {
		switch {
		case f.v == "" && (f.name == "DestinationID" || f.name == "RecordingID"):
			errs = append(errs, fmt.Errorf("%s is required", f.name))
		case !utf8.ValidString(f.v), utf8.RuneCountInString(f.v) > maxIDLength:
			errs = append(errs, fmt.Errorf("%s must be valid UTF-8 of at most %d characters", f.name, maxIDLength))
		default:
			for _, r := range f.v {
				if unicode.IsControl(r) {
					errs = append(errs, fmt.Errorf("%s contains a control character", f.name))
					break
				}
			}
		}
	}
	if a.TotalBytes < 0 {
		errs = append(errs, errors.New("TotalBytes is negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("riverpush: invalid Args: %w", err)
	}
	return nil
}

// Metadata keys riverpush keeps in a job row.
const (
	metaAttempts    = "sftppush_attempts"    // push attempts made, by the schedule's count
	metaStopped     = "sftppush_stopped"     // the Reason a job stopped for, when a customer must fix it
	metaDestination = "sftppush_destination" // the destination, for listing a destination's jobs
)

// state is what riverpush keeps of a job in its metadata.
type state struct {
	Attempts int    `json:"sftppush_attempts"`
	Stopped  string `json:"sftppush_stopped"`
	Snoozes  int    `json:"snoozes"` // River's own count of snoozes
}

func readState(metadata []byte) state {
	var st state
	json.Unmarshal(metadata, &st) // a row without ours has none
	return st
}

// insertOpts are the River options of a push job.
func (q *settings) insertOpts(a Args) *river.InsertOpts {
	meta, _ := json.Marshal(map[string]string{metaDestination: a.DestinationID})
	return &river.InsertOpts{
		Queue:       q.queue,
		MaxAttempts: q.riverAttempts,
		Metadata:    meta,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}
