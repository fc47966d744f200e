package sqlstore

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
)

func fullEntry() sftppush.LogEntry {
	return sftppush.LogEntry{
		RecordingID: "rec-1",
		Time:        time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC),
		Host:        "sftp.example.com",
		Username:    "Camera",
		Folder:      "/in/box",
		Port:        2222,
		Files:       []string{"a.mp4", "a_raw.webm", "a.jpg", "a_filmstrip.jpg", "fifth.txt"},
		Status:      sftppush.StatusUploadFailed,
		Reason:      sftppush.ReasonNoSpace,
		Error:       "sftppush: upload /in/box/a.mp4: no space (UPLOAD_FAILED/no_space): quota",
		Duration:    1500 * time.Millisecond,
		BytesSent:   123456,
		Account:     "acct-7",
		Attempt:     3,

		RemoteAddr:         "127.0.0.1:2222",
		ServerVersion:      "SSH-2.0-OpenSSH_9.2",
		HostKeyFingerprint: "SHA256:abc",
		Banner:             "Authorized use only.",
		Algorithms:         "kex=curve25519-sha256 hostkey=ssh-ed25519 cipher=aes128-gcm@openssh.com",
		ConnectDuration:    300 * time.Millisecond,
		UploadDuration:     1200 * time.Millisecond,
	}
}

// Every field comes back as it went in; text that neither database could
// keep comes back cleaned.
func TestStoreRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		s := tdb.store(t, Options{})
		ctx := context.Background()
		full := fullEntry()
		bare := sftppush.LogEntry{RecordingID: "rec-2", Time: full.Time.Add(time.Second), Status: sftppush.StatusOK}
		hostile := sftppush.LogEntry{
			RecordingID: "rec-3", Time: full.Time.Add(2 * time.Second), Status: sftppush.StatusConnectionTimeout,
			Host: "<script>alert(1)</script>", Folder: "'; DROP TABLE x; --", Error: "nul\x00byte and bad \xff utf8",
			Files: []string{"\x00"},
		}
		for _, e := range []sftppush.LogEntry{full, bare, hostile} {
			if err := s.Log(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got := queryAll(t, s, Query{})
		hostile.Error = "nul\uFFFDbyte and bad \uFFFD utf8"
		hostile.Files = []string{"\uFFFD"}
		want := []sftppush.LogEntry{hostile, bare, full} // newest first
		if len(got) != len(want) {
			t.Fatalf("got %d entries, want %d", len(got), len(want))
		}
		for i := range want {
			if !got[i].Time.Equal(want[i].Time) || got[i].Time.Location() != time.UTC {
				t.Errorf("entry %d: time %v, want %v in UTC", i, got[i].Time, want[i].Time)
			}
			got[i].Time = want[i].Time
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("entry %d:\n got %#v\nwant %#v", i, got[i], want[i])
			}
		}

		// A zero time is stored as the time of the write.
		before := time.Now()
		if err := s.Log(ctx, sftppush.LogEntry{RecordingID: "no-time", Status: sftppush.StatusOK}); err != nil {
			t.Fatal(err)
		}
		p, err := s.Query(ctx, Query{RecordingID: "no-time"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 1 || p.Entries[0].Time.Before(before.Add(-time.Millisecond)) || p.Entries[0].Time.After(time.Now()) {
			t.Errorf("zero time stored as %+v", p.Entries)
		}
		if err := s.Log(ctx, sftppush.LogEntry{RecordingID: "far", Time: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
			t.Error("a time past 2262 was accepted")
		}
	})
}

func TestStoreOptions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, tdb *testDB) {
		ctx := context.Background()
		for _, name := range []string{"Logs", "1logs", "logs;drop", "a-b", "schema.logs", strings.Repeat("a", 41), "lögs", `"x"`} {
			if _, err := New(ctx, tdb.db, Options{Table: name}); err == nil {
				t.Errorf("table %q accepted", name)
			}
		}
		if _, err := New(ctx, tdb.db, Options{Dialect: "oracle"}); err == nil {
			t.Error("dialect oracle accepted")
		}
		if _, err := New(ctx, nil, Options{}); err == nil {
			t.Error("nil db accepted")
		}
		s, err := New(ctx, tdb.db, Options{Table: tdb.table})
		if err != nil {
			t.Fatal(err)
		}
		if s.Dialect() != tdb.dialect || s.Table() != tdb.table || s.Retention() != DefaultRetention || s.timeout != DefaultWriteTimeout || s.batch != DefaultPruneBatch {
			t.Errorf("detected dialect %q table %q retention %v timeout %v batch %d", s.Dialect(), s.Table(), s.Retention(), s.timeout, s.batch)
		}
	})
}

func TestStoreDefaultTable(t *testing.T) {
	tdb := newSQLiteDB(t)
	s, err := New(context.Background(), tdb.db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Table() != DefaultTable {
		t.Fatalf("table %q", s.Table())
	}
	var n int
	if err := tdb.db.QueryRow(`SELECT COUNT(*) FROM ` + DefaultTable).Scan(&n); err != nil {
		t.Fatal(err)
	}
}
