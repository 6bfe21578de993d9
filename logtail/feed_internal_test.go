package logtail

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/cleverql/gateway/upstream"
)

func newFeed() *Feed { return &Feed{wake: make(chan struct{}, 1)} }

func lineItem(i int) *Item { return &Item{Line: &upstream.LogLine{ID: string(rune('a' + i%26))}} }

func (f *Feed) pushLocked(it *Item) {
	f.mu.Lock()
	f.push(it)
	f.mu.Unlock()
}

// A feed hands out what was pushed once each and in order, whatever the
// interleaving of pushes and takes, and its queue stays bounded by what
// waits at once.
func TestFeedKeepsOrderAndBound(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	f := newFeed()
	var pushed, taken []*Item
	maxWaiting := 0
	for range 20000 {
		if rng.IntN(3) > 0 || len(taken) == len(pushed) { // lag builds up, then drains
			it := lineItem(len(pushed))
			pushed = append(pushed, it)
			f.pushLocked(it)
		} else {
			it, ok := f.Next()
			if !ok {
				t.Fatal("the feed ended")
			}
			taken = append(taken, it)
		}
		f.mu.Lock()
		w, c := f.waiting(), cap(f.queue)
		f.mu.Unlock()
		maxWaiting = max(maxWaiting, w)
		if w != len(pushed)-len(taken) {
			t.Fatalf("%d waiting, want %d", w, len(pushed)-len(taken))
		}
		if c > 3*max(maxWaiting, keptQueue) {
			t.Fatalf("queue capacity %d with at most %d waiting so far", c, maxWaiting)
		}
	}
	for len(taken) < len(pushed) {
		it, _ := f.Next()
		taken = append(taken, it)
	}
	for i := range pushed {
		if pushed[i] != taken[i] {
			t.Fatalf("item %d out of order", i)
		}
	}
}

// A subscriber that lagged gives its larger queue back once it catches up;
// one that keeps up reuses one slot.
func TestFeedGivesBackALaggingQueue(t *testing.T) { // not parallel: it counts allocations
	f := newFeed()
	for i := range 50 {
		f.pushLocked(lineItem(i))
	}
	for range 50 {
		f.Next()
	}
	if c := cap(f.queue); c > keptQueue {
		t.Fatalf("caught up with a queue of %d", c)
	}
	it := lineItem(0)
	f.pushLocked(it)
	f.Next()
	allocs := testing.AllocsPerRun(100, func() {
		f.pushLocked(it)
		f.Next()
	})
	if allocs != 0 {
		t.Fatalf("%.0f allocations per line for a subscriber that keeps up", allocs)
	}
}

// An ended feed hands out what waits, then its error once, then ends.
func TestFeedEnd(t *testing.T) {
	t.Parallel()
	f := newFeed()
	f.pushLocked(lineItem(0))
	f.pushLocked(lineItem(1))
	boom := errors.New("boom")
	f.end(boom)
	for i := range 2 {
		if it, ok := f.Next(); !ok || it.Err != nil || it.Line == nil {
			t.Fatalf("line %d: %+v, %v", i, it, ok)
		}
	}
	if it, ok := f.Next(); !ok || !errors.Is(it.Err, boom) {
		t.Fatalf("final: %+v, %v", it, ok)
	}
	if it, ok := f.Next(); ok {
		t.Fatalf("after the error: %+v", it)
	}
}
