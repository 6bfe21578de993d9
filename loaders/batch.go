package loaders

import (
	"context"
	"errors"
	"sync"

	"github.com/graph-gophers/dataloader/v7"
)

// newLoader returns a loader for resources that cost one upstream call per
// key. Keys are dispatched at once (batch capacity 1: there is nothing to
// batch them into; and an input queue of 1, where dataloader's default of
// 1000 would allocate 8 KB per Load), deduplicated by the cache, and
// bounded by the response's call slots.
func newLoader[K comparable, V any](l *Loaders, kind string, fn func(context.Context, K) (V, error)) *dataloader.Loader[K, V] {
	return dataloader.NewBatchedLoader(func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		results := make([]*dataloader.Result[V], len(keys))
		for i, key := range keys {
			v, err := fetch(ctx, l, kind, fn, key)
			results[i] = &dataloader.Result[V]{Data: v, Error: err}
		}
		return results
	}, dataloader.WithBatchCapacity[K, V](1), dataloader.WithInputCapacity[K, V](1), cacheOption[K, V](l))
}

// cacheOption is the loaders' cache: the default one, or none in naive mode.
func cacheOption[K comparable, V any](l *Loaders) dataloader.Option[K, V] {
	if l.opts.Naive {
		return dataloader.WithCache[K, V](&dataloader.NoCache[K, V]{})
	}
	return func(*dataloader.Loader[K, V]) {}
}

// bounded runs fetch(ctx, key), one upstream call, within the response's
// concurrency bound. A cancelled call is not cached: it says nothing about
// the resource.
func bounded[K any, V any](ctx context.Context, l *Loaders, fetch func(context.Context, K) (V, error), key K) (V, error) {
	var zero V
	if err := l.acquire(ctx); err != nil {
		return zero, dataloader.NewSkipCacheError(err)
	}
	defer l.release()
	v, err := fetch(ctx, key)
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return zero, dataloader.NewSkipCacheError(err)
	}
	return v, err
}

// byIDGroup is the part of a by-id batch below one parent: its keys'
// positions in the batch.
type byIDGroup[K comparable] struct {
	keys []K
	pos  []int
}

// groupKeys splits a batch by parent, keeping each group in key order.
func groupKeys[K comparable, P comparable](keys []K, parent func(K) P) (map[P]*byIDGroup[K], []P) {
	groups := map[P]*byIDGroup[K]{}
	var order []P
	for i, k := range keys {
		p := parent(k)
		g, ok := groups[p]
		if !ok {
			g = &byIDGroup[K]{}
			groups[p] = g
			order = append(order, p)
		}
		g.keys = append(g.keys, k)
		g.pos = append(g.pos, i)
	}
	return groups, order
}

// byIDSpec describes a by-id loader whose resources a list can also answer.
type byIDSpec[K comparable, P comparable, LK comparable, V any] struct {
	name    string                               // for metrics
	parent  func(K) P                            // the list a key belongs to
	listKey func(P) LK                           // that list's key in list
	list    *listLoader[LK, V]                   // the list loader
	id      func(K) string                       // the id a key asks for
	itemID  func(*V) string                      // the id of a list item
	get     func(context.Context, K) (*V, error) // one GET
	// viaList answers every batch from the list (misses still cost a GET):
	// for short lists that sibling fields usually want anyway, so that the
	// sharing does not depend on which field the scheduler runs first.
	viaList bool
}

// byIDInputCapacity is the queue of keys waiting for a by-id batch: the
// batcher drains it as keys come, so a few slots do (dataloader's default,
// 1000, allocates 8 KB per batch).
const byIDInputCapacity = 16

// byIDLoader is a by-id loader and the spec it follows.
type byIDLoader[K comparable, P comparable, LK comparable, V any] struct {
	*dataloader.Loader[K, *V]
	l    *Loaders
	spec byIDSpec[K, P, LK, V]
}

// newByIDLoader returns a loader that gathers keys for BatchWait, then per
// parent: when the response already asked for the parent's list, or asks
// for more than one of its items, the list answers (one call, shared with
// the list field), and only ids the list lacks cost a GET each; otherwise
// one GET answers. A failed list fails every key of its parent.
func newByIDLoader[K comparable, P comparable, LK comparable, V any](l *Loaders, spec byIDSpec[K, P, LK, V]) *byIDLoader[K, P, LK, V] {
	loader := dataloader.NewBatchedLoader(func(ctx context.Context, keys []K) []*dataloader.Result[*V] {
		if l.opts.OnBatch != nil {
			l.opts.OnBatch(spec.name, len(keys))
		}
		results := make([]*dataloader.Result[*V], len(keys))
		groups, order := groupKeys(keys, spec.parent)
		var wg sync.WaitGroup
		for _, p := range order {
			g := groups[p]
			wg.Go(func() { resolveGroup(ctx, l, spec, p, g, results) })
		}
		wg.Wait()
		return results
	}, dataloader.WithWait[K, *V](l.opts.BatchWait), dataloader.WithBatchCapacity[K, *V](l.opts.MaxBatch),
		dataloader.WithInputCapacity[K, *V](byIDInputCapacity), cacheOption[K, *V](l))
	return &byIDLoader[K, P, LK, V]{Loader: loader, l: l, spec: spec}
}

// loadAmong loads key, one of keys: the keys that the response is known to
// load together (the root fields of one name, which gqlgen resolves each in
// its own goroutine). It decides as a batch of keys would, without the
// batch: when keys hold another key of key's parent, it waits for the
// parent's list first, so that the list answers every one of them, however
// late their loads come. The others find the list cached or in flight; the
// keys the list lacks, and key's own answer or error, are what Load gives.
// The decision depends on keys alone, never on whether the loads meet
// within BatchWait; and as keys are all there is to wait for, the load goes
// at once instead of after BatchWait (a root organisation(id) alone saves
// that wait on its way to the upstream).
func (b *byIDLoader[K, P, LK, V]) loadAmong(ctx context.Context, key K, keys []K) (*V, error) {
	if len(keys) == 0 || b.l.opts.Naive {
		return b.Load(ctx, key)()
	}
	if sharesParent(key, keys, b.spec.parent) {
		if _, err := b.spec.list.get(ctx, b.spec.listKey(b.spec.parent(key))); err != nil {
			return nil, err // as a batch of them would fail
		}
	}
	thunk := b.Load(ctx, key)
	b.Flush()
	return thunk()
}

// keysOf turns rows of n key parts into keys, leaving out rows of another
// length.
func keysOf[K any](rows [][]string, key func([]string) K, n int) []K {
	keys := make([]K, 0, len(rows))
	for _, r := range rows {
		if len(r) == n {
			keys = append(keys, key(r))
		}
	}
	return keys
}

// sharesParent reports whether keys hold a key other than key below key's
// parent.
func sharesParent[K comparable, P comparable](key K, keys []K, parent func(K) P) bool {
	p := parent(key)
	for _, k := range keys {
		if k != key && parent(k) == p {
			return true
		}
	}
	return false
}

func resolveGroup[K comparable, P comparable, LK comparable, V any](ctx context.Context, l *Loaders, spec byIDSpec[K, P, LK, V], p P, g *byIDGroup[K], results []*dataloader.Result[*V]) {
	var found map[string]*V
	if lk := spec.listKey(p); !l.opts.Naive && (spec.viaList || len(g.keys) > 1 || spec.list.requested(ctx, lk)) {
		items, err := spec.list.get(ctx, lk)
		if err != nil {
			for _, i := range g.pos {
				results[i] = &dataloader.Result[*V]{Error: err}
			}
			return
		}
		found = make(map[string]*V, len(items))
		for i := range items {
			found[spec.itemID(&items[i])] = &items[i]
		}
	}
	var wg sync.WaitGroup
	for j, k := range g.keys {
		if v, ok := found[spec.id(k)]; ok {
			results[g.pos[j]] = &dataloader.Result[*V]{Data: v}
			continue
		}
		wg.Go(func() {
			v, err := fetch(ctx, l, spec.name, spec.get, k)
			results[g.pos[j]] = &dataloader.Result[*V]{Data: v, Error: err}
		})
	}
	wg.Wait()
}
