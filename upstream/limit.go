package upstream

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
)

// defaultMaxConcurrentPerToken bounds one caller's calls in flight. Once
// the loaders batch them, one GraphQL response fans out to at most a few
// calls per application at one depth: 67 for the nested query over two
// organisations of 20 and 2 applications (3 lists each, and the zones).
// A bound below that costs such a response a whole extra upstream round
// trip; 128 still keeps a caller that opens many responses at once from
// holding hundreds of calls open upstream (and getting every token of the
// gateway rate limited).
const defaultMaxConcurrentPerToken = 128

// WithMaxConcurrentPerToken allows at most n upstream calls in flight at once
// per distinct Authorization value (anonymous calls share one bound), over
// every copy of the Client made by [Client.WithToken]. A call waits for a
// slot as long as its context allows. The default is 128; 0 means unbounded.
//
// The bound is held by the Client that [New] returns, so a process that
// builds one Client (as the gateway does) has one bound per token.
//
// Logs streams ([Client.StreamApplicationLogs]) take no slot, not even
// while their headers are awaited: a stream lives for minutes or hours, and
// one per subscription would soon leave its token no slot for its queries.
// Opening one is already bounded by the per-call timeout; how many a token
// holds open is bounded apart ([WithMaxStreamsPerToken]).
func WithMaxConcurrentPerToken(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("upstream concurrency bound must not be negative, got %d", n)
		}
		c.limit = newLimiter(n)
		return nil
	}
}

// limiter holds one counting semaphore per token with calls in flight or
// waiting. A token's bucket is dropped as soon as nobody holds or waits for
// one of its slots, so the map only grows with the callers active right now.
// Buckets are keyed by a digest of the Authorization value, so the map never
// holds a token.
type limiter struct {
	max int

	mu      sync.Mutex
	buckets map[[sha256.Size]byte]*bucket
}

type bucket struct {
	slots chan struct{} // one element per call in flight
	users int           // calls holding or waiting for a slot; guarded by limiter.mu
}

// newLimiter returns a limiter of n calls per token, or nil (no bound) for 0.
func newLimiter(n int) *limiter {
	if n <= 0 {
		return nil
	}
	return &limiter{max: n, buckets: make(map[[sha256.Size]byte]*bucket)}
}

// acquire waits for a slot of authorization's bucket and returns the
// function that gives it back, which may be called more than once. If ctx
// ends first, it returns ctx's error and the call must not be sent.
func (l *limiter) acquire(ctx context.Context, authorization string) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l == nil {
		return func() {}, nil
	}
	key := bucketKey(authorization)
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{slots: make(chan struct{}, l.max)}
		l.buckets[key] = b
	}
	b.users++
	l.mu.Unlock()

	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		l.leave(key, b)
		return nil, ctx.Err()
	}
	if err := ctx.Err(); err != nil { // both were ready: the caller left, send nothing
		<-b.slots
		l.leave(key, b)
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-b.slots
			l.leave(key, b)
		})
	}, nil
}

// leave counts one user out of b and drops b when it was the last.
func (l *limiter) leave(key [sha256.Size]byte, b *bucket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b.users--
	if b.users == 0 {
		delete(l.buckets, key)
	}
}

// bucketKey is the digest a token's bucket is known by.
func bucketKey(authorization string) [sha256.Size]byte {
	return sha256.Sum256([]byte(authorization))
}
