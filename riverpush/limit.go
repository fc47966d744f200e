package riverpush

import (
	"context"
	"sync"
)

// limiter hands out the connection slots of destinations: at most n pushes
// to one destination at once.
type limiter interface {
	// acquire takes a slot of the destination, or reports false when all n
	// are taken. release gives it back; it is safe to call more than once.
	acquire(ctx context.Context, destinationID string, n int) (release func(), ok bool, err error)
	close()
}

// localLimiter counts slots in this process: the limit of a queue whose
// workers are all in one process (SQLite).
type localLimiter struct {
	mu   sync.Mutex
	busy map[string]int
}

func newLocalLimiter() *localLimiter { return &localLimiter{busy: map[string]int{}} }

func (l *localLimiter) acquire(_ context.Context, dest string, n int) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[dest] >= n {
		return nil, false, nil
	}
	l.busy[dest]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.busy[dest]--; l.busy[dest] <= 0 {
				delete(l.busy, dest)
			}
		})
	}, true, nil
}

func (l *localLimiter) close() {}
