package metrics_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: a push not finished, a test
// HTTP server not closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
