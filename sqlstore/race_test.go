//go:build race

package sqlstore

// raceEnabled tells the store's tests that the race detector is on: it
// makes modernc.org/sqlite, C translated to Go, some 30 times slower.
const raceEnabled = true
