//go:build race

package sftppush

// storeTestRace tells the store's tests that the race detector is on: it
// makes modernc.org/sqlite, C translated to Go, some 30 times slower.
const storeTestRace = true
