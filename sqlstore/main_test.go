package sqlstore

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: a pruner not stopped, a push
// not finished, a connection pool not closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
