// Package inflight lets the callers that want the same result at the same
// time share one call that makes it: the loaders' upstream calls shared
// across responses, and the gateway's identical queries. It is no cache:
// once a call has answered, the next caller makes its own.
package inflight

import (
	"context"
	"sync"
	"time"
)

// A Group holds the calls in flight, by key. Its zero value is ready.
type Group[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*call[V]
}

// call is one call; done is closed once v and err are set.
type call[V any] struct {
	started time.Time
	done    chan struct{}
	v       V
	err     error
	waiting int // callers that wait for it
	cancel  context.CancelFunc
}

// Do returns fn's result for key. It joins the call for key in flight when
// join, told when that call started, allows it; otherwise it starts fn for
// others to join, on a goroutine of its own and detached from ctx's
// cancellation (ctx's values stay). joined reports which.
//
// Do waits until the call answers, or until ctx ends: it then returns
// ctx's error, and the last caller to stop waiting for a call that has not
// answered cancels it, which nobody joins any more. join runs with the
// group locked; fn must not panic (its goroutine is its own).
func (g *Group[K, V]) Do(ctx context.Context, key K, join func(started time.Time) bool, fn func(context.Context) (V, error)) (v V, err error, joined bool) {
	g.mu.Lock()
	c := g.m[key]
	joined = c != nil && join(c.started)
	if !joined {
		c = g.start(ctx, key, fn)
	}
	c.waiting++
	g.mu.Unlock()

	select {
	case <-c.done:
		return c.v, c.err, joined
	case <-ctx.Done():
		g.mu.Lock()
		c.waiting--
		if c.waiting == 0 {
			select {
			case <-c.done:
			default: // nobody waits: end the call, and let nobody join it
				c.cancel()
				if g.m[key] == c {
					delete(g.m, key)
				}
			}
		}
		g.mu.Unlock()
		var zero V
		return zero, ctx.Err(), joined
	}
}

// start runs fn for others to join. g.mu is held.
func (g *Group[K, V]) start(ctx context.Context, key K, fn func(context.Context) (V, error)) *call[V] {
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &call[V]{started: time.Now(), done: make(chan struct{}), cancel: cancel}
	if g.m == nil {
		g.m = map[K]*call[V]{}
	}
	g.m[key] = c
	go func() {
		defer cancel()
		v, err := fn(cctx)
		g.mu.Lock()
		c.v, c.err = v, err
		if g.m[key] == c {
			delete(g.m, key)
		}
		g.mu.Unlock()
		close(c.done)
	}()
	return c
}

// InFlight returns how many calls may be joined, and how many callers wait
// for them.
func (g *Group[K, V]) InFlight() (calls, waiting int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.m {
		waiting += c.waiting
	}
	return len(g.m), waiting
}
