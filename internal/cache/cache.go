// Package cache is a least-recently-used cache bounded by the number of its
// entries and by their weight in bytes, for gqlgen's caches of documents
// and of persisted queries (graphql.Cache).
//
// A bound on entries alone (gqlgen's lru) lets their size go unbounded: a
// caller without a token can fill a 1,000-document cache with documents of
// a megabyte each, whose syntax trees weigh some 19 times their text, and
// they stay cached even when refused afterwards (gqlgen caches a document
// once validated, before the gateway's limits measure it).
package cache

import (
	"container/list"
	"context"
	"sync"
)

// Bounded is an LRU cache of at most maxEntries values weighing maxBytes
// in all; a value heavier than an eighth of maxBytes is not kept. Safe for
// concurrent use.
type Bounded[T any] struct {
	maxEntries, maxBytes int
	weigh                func(key string, value T) int

	mu    sync.Mutex
	order *list.List // of *entry[T], most recently used first
	byKey map[string]*list.Element
	bytes int
}

type entry[T any] struct {
	key    string
	value  T
	weight int
}

// New returns an empty cache; weigh says what an entry weighs, in bytes.
func New[T any](maxEntries, maxBytes int, weigh func(key string, value T) int) *Bounded[T] {
	return &Bounded[T]{maxEntries: maxEntries, maxBytes: maxBytes, weigh: weigh, order: list.New(), byKey: map[string]*list.Element{}}
}

// Get returns key's value, if kept, and makes it the most recently used.
func (c *Bounded[T]) Get(_ context.Context, key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		var zero T
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry[T]).value, true
}

// Add keeps value under key, evicting the least recently used entries
// while the cache is over either bound.
func (c *Bounded[T]) Add(_ context.Context, key string, value T) {
	w := c.weigh(key, value)
	if w > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		e := el.Value.(*entry[T])
		c.bytes += w - e.weight
		e.value, e.weight = value, w
		c.order.MoveToFront(el)
	} else {
		c.byKey[key] = c.order.PushFront(&entry[T]{key: key, value: value, weight: w})
		c.bytes += w
	}
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		el := c.order.Back()
		e := el.Value.(*entry[T])
		c.order.Remove(el)
		delete(c.byKey, e.key)
		c.bytes -= e.weight
	}
}

// Len returns how many entries the cache keeps, and their weight.
func (c *Bounded[T]) Len() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}
