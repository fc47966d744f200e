package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sftppush/sftppush"
)

// logColumns are the log table's columns but id, in the order of
// insertArgs and scanEntry. Query texts use "?" placeholders; PostgreSQL's
// are rewritten to $n.
const logColumns = `time_ns, recording_id, account, host, username, folder, protocol, port, files,
	status, reason, error, duration_ns, bytes_sent, attempt,
	remote_addr, server_version, host_key_fingerprint, connect_duration_ns, upload_duration_ns,
	banner, algorithms`

// insertArgs returns the values of the insert statement's columns.
func insertArgs(e sftppush.LogEntry) ([]any, error) {
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	ns, err := timeToNS(t)
	if err != nil {
		return nil, err
	}
	files := make([]string, len(e.Files))
	for i, f := range e.Files {
		files[i] = cleanText(f)
	}
	fj, err := json.Marshal(files)
	if err != nil {
		return nil, err
	}
	return []any{
		ns, cleanText(e.RecordingID), cleanText(e.Account),
		cleanText(e.Host), cleanText(e.Username), cleanText(e.Folder), "SFTP", int64(e.Port),
		string(fj), cleanText(string(e.Status)), cleanText(string(e.Reason)), cleanText(e.Error),
		int64(e.Duration), e.BytesSent, int64(e.Attempt),
		cleanText(e.RemoteAddr), cleanText(e.ServerVersion), cleanText(e.HostKeyFingerprint),
		int64(e.ConnectDuration), int64(e.UploadDuration),
		cleanText(e.Banner), cleanText(e.Algorithms),
	}, nil
}

// scanEntry reads a row of "id, " + logColumns into an entry, and returns
// it with the row's id and time_ns, which make its cursor.
func scanEntry(rows *sql.Rows) (e sftppush.LogEntry, id, ns int64, err error) {
	var (
		port, dur, attempt, cdur, ud    int64
		files, status, reason, protocol string
	)
	err = rows.Scan(&id, &ns, &e.RecordingID, &e.Account, &e.Host, &e.Username, &e.Folder, &protocol, &port,
		&files, &status, &reason, &e.Error, &dur, &e.BytesSent, &attempt,
		&e.RemoteAddr, &e.ServerVersion, &e.HostKeyFingerprint, &cdur, &ud,
		&e.Banner, &e.Algorithms)
	if err != nil {
		return e, 0, 0, err
	}
	e.Time = time.Unix(0, ns).UTC()
	e.Port, e.Attempt = int(port), int(attempt)
	e.Status, e.Reason = sftppush.Status(status), sftppush.Reason(reason)
	e.Duration, e.ConnectDuration, e.UploadDuration = time.Duration(dur), time.Duration(cdur), time.Duration(ud)
	if err := json.Unmarshal([]byte(files), &e.Files); err != nil {
		return e, 0, 0, fmt.Errorf("entry %d: files: %w", id, err)
	}
	if len(e.Files) == 0 {
		e.Files = nil
	}
	return e, id, ns, nil
}

// Nanoseconds since the epoch fit an int64 between these years.
var (
	minTime = time.Unix(0, -1<<63).UTC()
	maxTime = time.Unix(0, 1<<63-1).UTC()
)

// timeToNS returns t as the time_ns column holds it.
func timeToNS(t time.Time) (int64, error) {
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("time %s out of the storable range (years 1678 to 2262)", t.UTC().Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}
