package upstream

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// Retries of idempotent requests.
//
// Only GETs are retried. A POST, PATCH or DELETE that failed may still have
// been applied upstream (an operator rebooted, a storage policy changed), so
// sending it again is the caller's decision, never this package's. The logs
// stream of logs.go does not go through [Client.send] at all: its caller
// reconnects from the last event id, which a blind retry would not know.
const (
	defaultRetries = 2                      // 3 attempts: enough to ride over a proxy restart, short enough for one GraphQL response
	retryBaseDelay = 100 * time.Millisecond // first back-off bound, doubled at each retry
	retryMaxDelay  = 2 * time.Second        // cap on the exponential back-off
	maxRetryAfter  = 5 * time.Second        // a longer Retry-After is returned to the caller, not waited for
)

// WithRetries sets how many times a GET that failed for a passing reason
// (no answer, the per-call timeout, 429, 502, 503 or 504) is sent again: n
// retries mean at most n+1 attempts. The default is 2; 0 disables retries.
// Other methods are never retried.
func WithRetries(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("upstream retries must not be negative, got %d", n)
		}
		c.retries = n
		return nil
	}
}

// retry calls attempt until it succeeds or [Client.retryWait] says to stop,
// and returns the last attempt's error. The caller's context bounds it all:
// once it ends, the wait stops and its error is returned.
func (c *Client) retry(req *http.Request, attempt func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	for n := 0; ; n++ {
		resp, err := attempt(req)
		if err == nil {
			return resp, nil
		}
		wait, ok := c.retryWait(req, n, err)
		if !ok {
			return nil, err
		}
		if err := c.sleep(req.Context(), wait); err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.EscapedPath(), err)
		}
	}
}

// retryWait reports whether attempt n (from 0), which failed with err, is
// worth another one, and how long to wait before it.
func (c *Client) retryWait(req *http.Request, n int, err error) (time.Duration, bool) {
	if n >= c.retries || !idempotent(req) {
		return 0, false
	}
	e, ok := retryable(err)
	if !ok {
		return 0, false
	}
	wait := c.jitter(backoff(n))
	if e.RetryAfter > 0 {
		// The upstream said when to come back. Sooner would only be
		// refused again; much later is no longer this request's business.
		if e.RetryAfter > maxRetryAfter {
			return 0, false
		}
		wait = e.RetryAfter
	}
	if deadline, ok := req.Context().Deadline(); ok && time.Until(deadline) < wait {
		// No attempt could be made in time: the upstream's error says more
		// than the DeadlineExceeded that waiting would end with.
		return 0, false
	}
	return wait, true
}

// idempotent reports whether req may be sent again. GETs of this package
// carry no body, so nothing consumed by an attempt is missing from the next.
func idempotent(req *http.Request) bool {
	return req.Method == http.MethodGet && (req.Body == nil || req.Body == http.NoBody)
}

// retryable returns the [*Error] of a failure that another attempt may not
// meet: no answer (connection refused or reset, EOF before the headers), the
// per-call timeout, or an answer saying the upstream is overloaded or
// restarting. A 500 is a bug upstream: the same request fails the same way
// again, so retrying only adds load. Other 4xx refuse the request itself, and
// a malformed 2xx body would come back just as malformed. An error that is
// not an [*Error] is the caller's context ending, or a request never sent.
func retryable(err error) (*Error, bool) {
	var e *Error
	if !errors.As(err, &e) {
		return nil, false
	}
	switch e.StatusCode {
	case 0:
		return e, e.kind == ErrUnavailable || e.kind == ErrTimeout
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return e, true
	}
	return e, false
}

// backoff returns the bound of the wait before retry n+1: retryBaseDelay ×
// 2^n, capped at retryMaxDelay.
func backoff(n int) time.Duration {
	if n >= 16 { // well past the cap; also keeps the shift from overflowing
		return retryMaxDelay
	}
	return min(retryBaseDelay<<n, retryMaxDelay)
}

// fullJitter picks a wait uniformly in [0, d], so that callers which failed
// together do not all come back together.
func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// sleepContext waits d, or returns ctx's error as soon as ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
