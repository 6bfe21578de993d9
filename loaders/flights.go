package loaders

// Calls shared across responses.
//
// A response's loaders make each call once for that response. Responses
// of one caller that run at once, though (a console's panels, a script's
// parallel queries, every caller of a gateway that serves one token), ask
// for the same resources at the same moments. With [Options.Share], a
// response that needs a call another response of the same caller has in
// flight joins it instead of making it again, and gets its answer: the same
// decoded values, which every resolver only reads.
//
// What sharing keeps of a response's own calls:
//   - The caller: every key holds the token, so calls of two callers never
//     meet.
//   - The caller's own writes: a response joins a call that started
//     before the response itself did only if no mutation of the caller
//     ended, through this gateway, since the call started ([Flights.Wrote]).
//     A query sent once a mutation has answered sees the mutation, as it
//     would without sharing. (A change made elsewhere, with the CLI or the
//     console, may be missed by a query that joins a call started before
//     it: by at most that call's round trip.) Mutations themselves never
//     share: they may read what they just wrote.
//   - Cancellation: the call runs detached from the response that started
//     it, and ends once no response waits for it any more.
//   - Nothing is kept: once the call has answered, the next response makes
//     its own. This is no cache.
//
// A shared call counts towards the bound, the statistics and the trace of
// the response that started it.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/cleverql/gateway/internal/inflight"
)

// Flights are the calls in flight that responses may join; one for a
// whole gateway, shared by the [Options] of all its responses.
type Flights struct {
	calls  inflight.Group[flightKey, any]
	mu     sync.Mutex             // guards writes and forgot
	writes map[[32]byte]time.Time // token's digest → when its last mutation ended
	// forgot is the latest write forgotten: a caller without an entry in
	// writes is taken to have written then, which can only deny a join.
	forgot time.Time
	joined func(kind string) // may be nil
}

// NewFlights returns an empty Flights; joined, when not nil, is told the
// loader kind of every call a response joins (metrics).
func NewFlights(joined func(kind string)) *Flights {
	return &Flights{writes: map[[32]byte]time.Time{}, joined: joined}
}

// writesKept bounds the callers whose last write Flights remembers: past
// it, the older half is forgotten at once (see Flights.forgot). Any
// mutation counts, one refused for a bad token too, so the bound must not
// depend on time: 10,000 mutations a second, each with a token of its
// own, would otherwise fill it as fast as they come.
const writesKept = 4096

// Wrote records that a mutation of token has ended: calls in flight since
// before now are not joined by that caller's later responses.
func (fs *Flights) Wrote(token string) {
	now := time.Now()
	key := sha256.Sum256([]byte(token)) // no token sits in the map, whatever its length
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.writes[key] = now
	if len(fs.writes) > writesKept {
		fs.forgetOlderHalf()
	}
}

// forgetOlderHalf forgets the writes at or before the median one: a sort
// every writesKept/2 writes. fs.mu is held.
func (fs *Flights) forgetOlderHalf() {
	times := make([]time.Time, 0, len(fs.writes))
	for _, at := range fs.writes {
		times = append(times, at)
	}
	slices.SortFunc(times, time.Time.Compare)
	cut := times[len(times)/2-1]
	for tok, at := range fs.writes {
		if !at.After(cut) {
			delete(fs.writes, tok)
		}
	}
	if cut.After(fs.forgot) {
		fs.forgot = cut
	}
}

// MayJoin is the rule of [Flights], which the gateway applies to whole
// queries too: a response of token that began at begun may join a call (or
// an execution) that started at started if it started after the response
// began, or if no write of the caller ended since it started.
func (fs *Flights) MayJoin(token string, begun, started time.Time) bool {
	if !started.Before(begun) {
		return true
	}
	key := sha256.Sum256([]byte(token))
	fs.mu.Lock()
	defer fs.mu.Unlock()
	last, ok := fs.writes[key]
	if !ok {
		last = fs.forgot
	}
	return last.Before(started)
}

// InFlight returns how many calls responses may join, and how many
// responses wait for them.
func (fs *Flights) InFlight() (calls, waiting int) { return fs.calls.InFlight() }

// flightKey names a call: the loader's kind and its key (with the token).
type flightKey struct {
	kind string
	key  any
}

// fetch makes fn(ctx, key), the call of loader kind, within the response's
// bound; with [Options.Share], it joins the same call in flight instead
// when l's response may (see [Flights]), or makes it for others to join.
func fetch[K comparable, V any](ctx context.Context, l *Loaders, kind string, fn func(context.Context, K) (V, error), key K) (V, error) {
	fs := l.opts.Share
	if fs == nil || l.opts.Naive {
		return bounded(ctx, l, fn, key)
	}
	v, err, joined := fs.calls.Do(ctx, flightKey{kind, key},
		func(started time.Time) bool { return fs.MayJoin(l.token, l.created, started) },
		func(ctx context.Context) (any, error) { return guarded(ctx, l, fn, key) })
	if joined && fs.joined != nil {
		fs.joined(kind)
	}
	if err != nil && err == ctx.Err() { // the response stopped waiting
		var zero V
		return zero, dataloader.NewSkipCacheError(err)
	}
	r, _ := v.(V)
	return r, err
}

// guarded is bounded on a goroutine of the loaders' own: a panic in fn
// becomes an error that no loader keeps, as a dataloader's would.
func guarded[K any, V any](ctx context.Context, l *Loaders, fn func(context.Context, K) (V, error), key K) (v V, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Printf("loaders: panic in a shared call: %v\n%s", r, debug.Stack())
			var zero V
			v, err = zero, dataloader.NewSkipCacheError(fmt.Errorf("panic in a shared call: %v", r))
		}
	}()
	return bounded(ctx, l, fn, key)
}
