package loaders

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// listsUnder returns a list loader whose calls fetch counts and answers.
func listsUnder(t *testing.T, opts Options, fetch func(context.Context, string) ([]int, error)) (*listLoader[string, int], *atomic.Int32) {
	t.Helper()
	l := &Loaders{opts: opts, sem: make(chan struct{}, 4)}
	var calls atomic.Int32
	return newListLoader(l, "test", func(ctx context.Context, k string) ([]int, error) {
		calls.Add(1)
		return fetch(ctx, k)
	}, nil), &calls
}

func TestListLoadsShareOneCall(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	ll, calls := listsUnder(t, Options{}, func(context.Context, string) ([]int, error) {
		close(started) // a second call would panic
		<-release
		return []int{1, 2}, nil
	})
	get := func() {
		if got, err := ll.get(t.Context(), "a"); err != nil || len(got) != 2 {
			t.Errorf("get: %v, %v", got, err)
		}
	}
	var wg sync.WaitGroup
	wg.Go(get)
	<-started // the call is in flight: these wait for it
	for range 8 {
		wg.Go(get)
	}
	close(release)
	wg.Wait()
	get() // and this one finds it kept
	if n := calls.Load(); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestListFailuresThatAreNotKept(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		fetch func(context.Context, string) ([]int, error)
		want  func(error) bool
	}{
		{"cancelled", func(ctx context.Context, _ string) ([]int, error) { return nil, context.Canceled },
			func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"panic", func(context.Context, string) ([]int, error) { panic("boom") },
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "boom") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ll, calls := listsUnder(t, Options{}, tt.fetch)
			for range 2 {
				if _, err := ll.get(t.Context(), "a"); !tt.want(err) {
					t.Fatalf("get: %v", err)
				}
			}
			if n := calls.Load(); n != 2 || ll.requested(t.Context(), "a") {
				t.Errorf("%d calls (want 2), kept: %v", n, ll.requested(t.Context(), "a"))
			}
		})
	}
}

func TestNaiveListsKeepNothing(t *testing.T) {
	t.Parallel()
	ll, calls := listsUnder(t, Options{Naive: true}, func(context.Context, string) ([]int, error) { return []int{1}, nil })
	for range 3 {
		if _, err := ll.get(t.Context(), "a"); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}
