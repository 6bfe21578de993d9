package loaders

import (
	"context"
	"errors"
	"fmt"
	"log"
	"runtime"
	"sync"

	"github.com/graph-gophers/dataloader/v7"
)

// listLoader loads whole lists, one upstream call per key, at most once per
// response, and remembers which keys this response asked for, so by-id
// loaders can wait for a list in flight instead of calling again.
//
// It is not a dataloader: a list is one call per key, with nothing to batch
// it with, and a dataloader's Load would start two goroutines (the batch and
// its timer) and a dozen allocations for each. Here the first load of a key
// makes the call in its own goroutine, and later loads wait for its answer.
// The contract is the dataloader's: the call gets the first load's context;
// a cancelled call ([dataloader.SkipCacheError]) or a panic is answered to
// the loads waiting for it but not kept; in naive mode nothing is kept.
type listLoader[K comparable, V any] struct {
	l     *Loaders
	kind  string // names its calls among the loaders' (Flights)
	fetch func(context.Context, K) ([]V, error)
	prime func(context.Context, K, []V) // nil: nothing to prime

	mu    sync.Mutex
	calls map[K]*listCall[V]
}

// listCall is one list's call: done is closed once items and err are set.
type listCall[V any] struct {
	done  chan struct{}
	items []V
	err   error
}

// newListLoader returns the list loader of fetch; prime, when non-nil, runs
// on every list answer (to prime by-id loaders).
func newListLoader[K comparable, V any](l *Loaders, kind string, fetch func(context.Context, K) ([]V, error), prime func(context.Context, K, []V)) *listLoader[K, V] {
	if l.opts.Naive {
		prime = nil
	}
	return &listLoader[K, V]{l: l, kind: kind, fetch: fetch, prime: prime, calls: make(map[K]*listCall[V])}
}

// requested reports whether this response already asked for key.
func (ll *listLoader[K, V]) requested(_ context.Context, key K) bool {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	_, ok := ll.calls[key]
	return ok
}

// get loads one list and waits for it.
func (ll *listLoader[K, V]) get(ctx context.Context, key K) ([]V, error) {
	if ll.l.opts.Naive {
		c := &listCall[V]{done: make(chan struct{})}
		ll.call(ctx, key, c)
		return c.items, c.err
	}
	ll.mu.Lock()
	c, ok := ll.calls[key]
	if !ok {
		c = &listCall[V]{done: make(chan struct{})}
		ll.calls[key] = c
	}
	ll.mu.Unlock()
	if !ok {
		ll.call(ctx, key, c)
	}
	<-c.done
	return c.items, c.err
}

// start makes key's call in a goroutine of its own, unless this response
// has asked for key already, and returns without waiting: a later get
// waits for that call instead of making one. In naive mode, where nothing
// is kept for a later get, it does nothing.
func (ll *listLoader[K, V]) start(ctx context.Context, key K) {
	if ll.l.opts.Naive {
		return
	}
	ll.mu.Lock()
	_, ok := ll.calls[key]
	var c *listCall[V]
	if !ok {
		c = &listCall[V]{done: make(chan struct{})}
		ll.calls[key] = c
	}
	ll.mu.Unlock()
	if !ok {
		go ll.call(ctx, key, c)
	}
}

// call makes c's call and closes c.done, forgetting c first when its
// answer must not be kept.
func (ll *listLoader[K, V]) call(ctx context.Context, key K, c *listCall[V]) {
	defer close(c.done)
	defer func() {
		if r := recover(); r != nil {
			const size = 64 << 10
			buf := make([]byte, size)
			buf = buf[:runtime.Stack(buf, false)]
			log.Printf("Dataloader: Panic received in batch function: %v\n%s", r, buf)
			c.items, c.err = nil, fmt.Errorf("panic received in batch function: %v", r)
			ll.forget(key, c)
		}
	}()
	c.items, c.err = fetch(ctx, ll.l, ll.kind, ll.fetch, key)
	var skip *dataloader.SkipCacheError
	switch {
	case c.err == nil && ll.prime != nil:
		ll.prime(ctx, key, c.items)
	case c.err != nil && errors.As(c.err, &skip):
		ll.forget(key, c)
	}
}

// forget drops key's call c, unless another has replaced it.
func (ll *listLoader[K, V]) forget(key K, c *listCall[V]) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if ll.calls[key] == c {
		delete(ll.calls, key)
	}
}
