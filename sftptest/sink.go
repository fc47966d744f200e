package sftptest

import (
	"context"
	"sync"

	"github.com/sftppush/sftppush"
)

// MemorySink is a sftppush.Sink that keeps every entry in memory, for tests
// and small tools. Its zero value is ready to use; it is safe for concurrent use.
// It must not be copied after first use.
type MemorySink struct {
	mu      sync.Mutex
	entries []sftppush.LogEntry
}

// Log stores a copy of e. It never fails.
func (m *MemorySink) Log(_ context.Context, e sftppush.LogEntry) error {
	e = clone(e) // the caller may reuse e.Files
	m.mu.Lock()
	m.entries = append(m.entries, e)
	m.mu.Unlock()
	return nil
}

// Entries returns a copy of the stored entries, oldest first. Changing the
// result, including its Files slices, does not change the sink.
func (m *MemorySink) Entries() []sftppush.LogEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) == 0 {
		return nil
	}
	out := make([]sftppush.LogEntry, len(m.entries))
	for i, e := range m.entries {
		out[i] = clone(e)
	}
	return out
}

// Len returns the number of stored entries.
func (m *MemorySink) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Reset forgets all stored entries.
func (m *MemorySink) Reset() {
	m.mu.Lock()
	m.entries = nil
	m.mu.Unlock()
}

// clone returns a copy of e that shares no memory with it.
func clone(e sftppush.LogEntry) sftppush.LogEntry {
	if e.Files != nil {
		e.Files = append([]string{}, e.Files...)
	}
	return e
}
