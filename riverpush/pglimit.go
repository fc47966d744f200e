package riverpush

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgLimiter counts slots across processes with PostgreSQL session advisory
// locks: slot k of a destination is the lock on a hash of both. Each
// process holds its locks on one dedicated connection, so a process that
// dies releases them with its connection. A session may take a lock it
// holds again, so the slots this process holds are also kept here.
//
// Should the dedicated connection break, its locks are gone while this
// process's pushes go on: until those end, other processes may connect to
// the same destinations too. The connection is made again at the next
// acquire.
type pgLimiter struct {
	pool *pgxpool.Pool

	mu   sync.Mutex
	conn *pgx.Conn
	gen  int // counts connections: a slot of an earlier one is gone with it
	held map[int64]bool
}

func newPGLimiter(pool *pgxpool.Pool) *pgLimiter {
	return &pgLimiter{pool: pool, held: map[int64]bool{}}
}

// slotKey is the advisory lock key of slot k of a destination. Keys of two
// destinations may collide; the cost is a slot shared, never a limit passed.
func slotKey(dest string, k int) int64 {
	h := fnv.New64a()
	h.Write([]byte("sftppush destination slot\x00" + dest + "\x00" + strconv.Itoa(k)))
	return int64(h.Sum64())
}

func (l *pgLimiter) acquire(ctx context.Context, dest string, n int) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil || l.conn.IsClosed() {
		if err := l.connect(ctx); err != nil {
			return nil, false, err
		}
	}
	for k := range n {
		key := slotKey(dest, k)
		if l.held[key] {
			continue
		}
		var got bool
		if err := l.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
			l.drop()
			return nil, false, fmt.Errorf("riverpush: taking a connection slot: %w", err)
		}
		if got {
			l.held[key] = true
			gen := l.gen
			var once sync.Once
			return func() { once.Do(func() { l.release(key, gen) }) }, true, nil
		}
	}
	return nil, false, nil
}

func (l *pgLimiter) release(key int64, gen int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if gen != l.gen || l.conn == nil || l.conn.IsClosed() {
		return // the lock went with its connection
	}
	delete(l.held, key)
	// Bounded: a hung connection must not hold every acquire behind this
	// lock; dropping it releases every slot it held.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
		l.drop()
	}
}

// connect takes a connection out of the pool for good.
func (l *pgLimiter) connect(ctx context.Context) error {
	c, err := l.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("riverpush: a connection for the per-destination limit: %w", err)
	}
	l.conn = c.Hijack()
	l.gen++
	l.held = map[int64]bool{}
	return nil
}

// drop closes a connection that failed: its locks are released with it.
func (l *pgLimiter) drop() {
	if l.conn != nil {
		l.conn.Close(context.Background())
		l.conn = nil
	}
	l.held = map[int64]bool{}
}

func (l *pgLimiter) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop()
}
