package sftptest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sftppush/sftppush"
)

func TestMemorySinkConcurrent(t *testing.T) {
	var m MemorySink
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := m.Log(context.Background(), testEntry(i)); err != nil {
				t.Errorf("Log: %v", err)
			}
			_ = m.Len()
			_ = m.Entries()
		})
	}
	wg.Wait()
	if got := m.Len(); got != n {
		t.Fatalf("Len = %d, want %d", got, n)
	}
	seen := map[string]bool{}
	for _, e := range m.Entries() {
		seen[e.RecordingID] = true
	}
	if len(seen) != n {
		t.Fatalf("got %d distinct entries, want %d", len(seen), n)
	}
	m.Reset()
	if m.Len() != 0 || m.Entries() != nil {
		t.Fatalf("after Reset: Len = %d, Entries = %v", m.Len(), m.Entries())
	}
}

func TestMemorySinkCopies(t *testing.T) {
	var m MemorySink
	in := testEntry(1)
	m.Log(context.Background(), in)
	in.Files[0] = "changed-by-caller"

	got := m.Entries()
	got[0].Files[0] = "changed-by-reader"
	got[0].RecordingID = "changed"

	again := m.Entries()
	if len(again) != 1 {
		t.Fatalf("len = %d, want 1", len(again))
	}
	if want := testEntry(1); !reflect.DeepEqual(again[0], want) {
		t.Fatalf("stored entry changed:\n got %+v\nwant %+v", again[0], want)
	}
}

func testEntry(i int) sftppush.LogEntry {
	return sftppush.LogEntry{
		RecordingID: fmt.Sprintf("rec-%d", i),
		Time:        time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC).Add(time.Duration(i) * time.Second),
		Host:        "sftp.example.com",
		Files:       []string{fmt.Sprintf("rec-%d.mp4", i), "snap.jpg"},
		Status:      sftppush.StatusUploadFailed,
		Reason:      sftppush.ReasonPermissionDenied,
	}
}
