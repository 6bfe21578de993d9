package cache_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/cleverql/gateway/internal/cache"
)

func byLength(key, value string) int { return len(key) + len(value) }

func TestBoundedByEntriesAndBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.New(3, 800, byLength)
	for _, k := range []string{"a", "b", "c"} {
		c.Add(ctx, k, strings.Repeat(k, 9))
	}
	if _, ok := c.Get(ctx, "a"); !ok { // a is now the most recent
		t.Fatal("a was not kept")
	}
	c.Add(ctx, "d", "dddddddd")
	if _, ok := c.Get(ctx, "b"); ok {
		t.Error("b, the least recently used, was kept past 3 entries")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.Get(ctx, k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if n, bytes := c.Len(); n != 3 || bytes != 29 {
		t.Errorf("%d entries, %d bytes; want 3 and 29", n, bytes)
	}

	// By weight: entries of 99 + 1 bytes, the most an 800-byte cache
	// keeps (an eighth of it); the ninth evicts the oldest.
	c = cache.New(100, 800, byLength)
	for i := range 9 {
		c.Add(ctx, fmt.Sprint(i), strings.Repeat("x", 99))
	}
	if n, bytes := c.Len(); n != 8 || bytes != 800 {
		t.Errorf("%d entries, %d bytes; want 8 and 800", n, bytes)
	}
	if _, ok := c.Get(ctx, "0"); ok {
		t.Error("the oldest entry outlived the byte bound")
	}
	// Heavier than an eighth of the bound: not kept, nothing evicted.
	c.Add(ctx, "big", strings.Repeat("x", 99))
	if _, ok := c.Get(ctx, "big"); ok {
		t.Error("an entry heavier than an eighth of the bound was kept")
	}
	if n, _ := c.Len(); n != 8 {
		t.Errorf("%d entries after refusing a heavy one, want 8", n)
	}
	// Replacing a value reweighs it.
	c.Add(ctx, "1", "y")
	if _, bytes := c.Len(); bytes != 700+2 {
		t.Errorf("%d bytes after replacing a value, want 702", bytes)
	}
}

func TestBoundedConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.New(50, 1000, byLength)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := fmt.Sprint(g, "-", i%70)
				if v, ok := c.Get(ctx, k); ok && v != k {
					t.Errorf("%s holds %s", k, v)
				}
				c.Add(ctx, k, k)
			}
		}()
	}
	wg.Wait()
	if n, bytes := c.Len(); n > 50 || bytes > 1000 {
		t.Errorf("%d entries, %d bytes: over the bounds", n, bytes)
	}
}
