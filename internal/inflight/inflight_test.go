package inflight_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cleverql/gateway/internal/inflight"
	"github.com/cleverql/gateway/internal/wait"
)

func always(time.Time) bool { return true }
func never(time.Time) bool  { return false }

type result struct {
	v      int
	err    error
	joined bool
}

func do(g *inflight.Group[string, int], ctx context.Context, join func(time.Time) bool, fn func(context.Context) (int, error)) <-chan result {
	c := make(chan result, 1)
	go func() {
		v, err, joined := g.Do(ctx, "k", join, fn)
		c <- result{v, err, joined}
	}()
	return c
}

// Callers of one key share one call while its rule lets them; a caller the
// rule turns away makes its own, and nothing is kept once a call answered.
func TestGroupShares(t *testing.T) {
	t.Parallel()
	var g inflight.Group[string, int]
	var calls atomic.Int32
	release := make(chan struct{})
	fn := func(context.Context) (int, error) {
		n := calls.Add(1)
		<-release
		return int(n), nil
	}
	first := do(&g, t.Context(), always, fn)
	wait.Until(t, "the first call", func() bool { return calls.Load() == 1 })
	second := do(&g, t.Context(), always, fn)
	wait.Until(t, "the second caller to join", func() bool { _, w := g.InFlight(); return w == 2 })
	third := do(&g, t.Context(), never, fn) // replaces the first call for later callers
	wait.Until(t, "a call of its own", func() bool { return calls.Load() == 2 })
	close(release)
	a, b, c := <-first, <-second, <-third
	if a != (result{1, nil, false}) || b != (result{1, nil, true}) || c != (result{2, nil, false}) {
		t.Fatalf("first %+v, second %+v, third %+v", a, b, c)
	}
	if n, w := g.InFlight(); n != 0 || w != 0 {
		t.Fatalf("after the answers: %d calls, %d waiting", n, w)
	}
	if r := <-do(&g, t.Context(), always, func(context.Context) (int, error) { return 7, nil }); r != (result{7, nil, false}) {
		t.Fatalf("a later caller: %+v", r)
	}
}

// The call goes on while someone waits for it, and is cancelled when the
// last one leaves.
func TestGroupCancelsWithTheLastWaiter(t *testing.T) {
	t.Parallel()
	var g inflight.Group[string, int]
	ended := make(chan error, 1)
	fn := func(ctx context.Context) (int, error) {
		<-ctx.Done()
		ended <- ctx.Err()
		return 0, ctx.Err()
	}
	ctxA, leaveA := context.WithCancel(t.Context())
	ctxB, leaveB := context.WithCancel(t.Context())
	a := do(&g, ctxA, always, fn)
	b := do(&g, ctxB, always, fn)
	wait.Until(t, "both to wait", func() bool { _, w := g.InFlight(); return w == 2 })
	leaveA()
	if r := <-a; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the caller that left: %+v", r)
	}
	select {
	case err := <-ended:
		t.Fatalf("the call ended (%v) while a caller still waited", err)
	default:
	}
	leaveB()
	<-b
	if n, w := g.InFlight(); n != 0 || w != 0 {
		t.Fatalf("after both left: %d calls, %d waiting", n, w)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("the call ended with %v", err)
	}
}
