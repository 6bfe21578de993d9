package loaders

import (
	"testing"
	"time"

	"github.com/cleverql/gateway/upstream"
)

// A stream asks only for the caller's client: a subscription must not hold
// a response's worth of loaders for its lifetime.
func TestClientBuildsNoLoaders(t *testing.T) {
	client, err := upstream.New(upstream.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithLazy(t.Context(), client, "Bearer t", Options{})
	c, err := Client(ctx)
	if err != nil || c == nil {
		t.Fatalf("Client: %v, %v", c, err)
	}
	h := ctx.Value(ctxKey{}).(*holder)
	if h.l != nil {
		t.Fatal("Client built the loaders")
	}
	l, err := from(ctx)
	if err != nil || l == nil || l.token != "Bearer t" {
		t.Fatalf("from: %v, %v", l, err)
	}
	if _, err := Client(t.Context()); err != ErrNoLoaders {
		t.Fatalf("Client without loaders: %v, want ErrNoLoaders", err)
	}
}
