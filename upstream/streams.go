package upstream

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// defaultMaxStreamsPerToken bounds the logs streams one caller holds open.
// A live tail is shared by whoever follows the same application with the
// same filter and token, so a console's panels need one stream each; a
// caller that opens more, each with a filter of its own, holds upstream
// connections (and the gateway's memory) without end.
const defaultMaxStreamsPerToken = 200

// ErrTooManyStreams refuses a logs stream to a caller that holds
// [WithMaxStreamsPerToken] of them already. It is a rate limit: a
// reconnect that meets it waits and retries, as for a 429.
var ErrTooManyStreams = fmt.Errorf("%w: the caller holds as many logs streams as allowed", ErrRateLimited)

// WithMaxStreamsPerToken allows at most n logs streams open at once per
// distinct Authorization value (anonymous callers share one bound), over
// every copy of the Client made by [Client.WithToken]; a stream past it
// is refused with [ErrTooManyStreams] at once. The default is 200; 0
// means unbounded.
func WithMaxStreamsPerToken(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("upstream streams bound must not be negative, got %d", n)
		}
		c.streams = newStreamCounter(n)
		return nil
	}
}

// streamCounter counts the streams open per token, keyed by a digest of
// the Authorization value; a token's entry goes with its last stream.
type streamCounter struct {
	max int

	mu   sync.Mutex
	open map[[sha256.Size]byte]int
}

// newStreamCounter returns a counter of n streams per token, or nil (no
// bound) for 0.
func newStreamCounter(n int) *streamCounter {
	if n <= 0 {
		return nil
	}
	return &streamCounter{max: n, open: map[[sha256.Size]byte]int{}}
}

// take counts a stream of authorization, and returns what gives it back
// (once, however often it is called); ErrTooManyStreams when the token
// holds the most already.
func (s *streamCounter) take(authorization string) (release func(), err error) {
	if s == nil {
		return func() {}, nil
	}
	key := sha256.Sum256([]byte(authorization))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[key] >= s.max {
		return nil, ErrTooManyStreams
	}
	s.open[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.open[key]--; s.open[key] == 0 {
				delete(s.open, key)
			}
		})
	}, nil
}
