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
	"fmt"
	"log"
	"runtime/debug"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// Flights are the calls in flight that responses may join; one for a
// whole gateway, shared by the [Options] of all its responses.
type Flights struct {
	mu     sync.Mutex
	m      map[flightKey]*flight
	writes map[string]time.Time // token → when its last mutation ended
	joined func(kind string)    // may be nil
}

// NewFlights returns an empty Flights; joined, when not nil, is told the
// loader kind of every call a response joins (metrics).
func NewFlights(joined func(kind string)) *Flights {
	return &Flights{m: map[flightKey]*flight{}, writes: map[string]time.Time{}, joined: joined}
}

// writesKept bounds the tokens whose last write Flights remembers; past it,
// writes older than forgetWrites are forgotten (no call lasts that long).
const (
	writesKept   = 4096
	forgetWrites = 5 * time.Minute
)

// Wrote records that a mutation of token has ended: calls in flight since
// before now are not joined by that caller's later responses.
func (fs *Flights) Wrote(token string) {
	now := time.Now()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.writes[token] = now
	if len(fs.writes) > writesKept {
		for tok, at := range fs.writes {
			if now.Sub(at) > forgetWrites {
				delete(fs.writes, tok)
			}
		}
	}
}

// joinable reports whether l's response may join f. fs.mu must be held.
func (fs *Flights) joinable(l *Loaders, f *flight) bool {
	return fs.mayJoin(l.token, l.created, f.started)
}

// mayJoin is the rule: a response of token that began at begun may join
// what started at started if that started after the response began, or no
// write of the caller ended since it started. fs.mu must be held.
func (fs *Flights) mayJoin(token string, begun, started time.Time) bool {
	return !started.Before(begun) || fs.writes[token].Before(started)
}

// MayJoin applies the rule of [Flights] to something else shared in
// flight (a whole query's response, in the gateway): whether a response of
// token that began at begun may join what started at started.
func (fs *Flights) MayJoin(token string, begun, started time.Time) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.mayJoin(token, begun, started)
}

// InFlight returns how many calls responses may join, and how many
// responses wait for them.
func (fs *Flights) InFlight() (calls, waiting int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.m {
		waiting += f.waiting
	}
	return len(fs.m), waiting
}

// flightKey names a call: the loader's kind and its key (with the token).
type flightKey struct {
	kind string
	key  any
}

// flight is one call; done is closed once v and err are set.
type flight struct {
	started time.Time
	done    chan struct{}
	v       any
	err     error
	waiting int // responses that wait for it
	cancel  context.CancelFunc
}

// fetch makes fn(ctx, key), the call of loader kind, within the response's
// bound; with [Options.Share], it joins the same call in flight instead
// when l's response may (see [Flights]), or makes it for others to join.
func fetch[K comparable, V any](ctx context.Context, l *Loaders, kind string, fn func(context.Context, K) (V, error), key K) (V, error) {
	fs := l.opts.Share
	if fs == nil || l.opts.Naive {
		return bounded(ctx, l, fn, key)
	}
	fk := flightKey{kind, key}
	fs.mu.Lock()
	f := fs.m[fk]
	joins := f != nil && fs.joinable(l, f)
	if !joins {
		f = startFlight(ctx, fs, l, fk, fn, key)
	}
	f.waiting++
	fs.mu.Unlock()
	if joins && fs.joined != nil {
		fs.joined(kind)
	}

	select {
	case <-f.done:
		v, _ := f.v.(V)
		return v, f.err
	case <-ctx.Done():
		fs.mu.Lock()
		f.waiting--
		if f.waiting == 0 {
			select {
			case <-f.done:
			default: // nobody waits: end the call, and let nobody join it
				f.cancel()
				if fs.m[fk] == f {
					delete(fs.m, fk)
				}
			}
		}
		fs.mu.Unlock()
		var zero V
		return zero, dataloader.NewSkipCacheError(ctx.Err())
	}
}

// startFlight makes a call for others to join, in a goroutine of its own
// and detached from ctx's cancellation. fs.mu must be held.
func startFlight[K comparable, V any](ctx context.Context, fs *Flights, l *Loaders, fk flightKey, fn func(context.Context, K) (V, error), key K) *flight {
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{started: time.Now(), done: make(chan struct{}), cancel: cancel}
	fs.m[fk] = f
	go func() {
		defer cancel()
		v, err := guarded(fctx, l, fn, key)
		fs.mu.Lock()
		f.v, f.err = v, err
		if fs.m[fk] == f {
			delete(fs.m, fk)
		}
		fs.mu.Unlock()
		close(f.done)
	}()
	return f
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
