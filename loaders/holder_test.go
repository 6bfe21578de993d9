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
	l, err := from(ctx, groupZones)
	if err != nil || l == nil || l.token != "Bearer t" {
		t.Fatalf("from: %v, %v", l, err)
	}
	// Only the group asked for is built.
	if l.zones == nil || l.self != nil || l.organisations != nil || l.applications != nil || l.deployments != nil ||
		l.instances != nil || l.loadBalancers != nil || l.invoices != nil || l.operator != nil {
		t.Fatalf("zones asked for, built: zones %v, self %v, organisations %v, applications %v, deployments %v, instances %v, load balancers %v, invoices %v, operators %v",
			l.zones != nil, l.self != nil, l.organisations != nil, l.applications != nil, l.deployments != nil,
			l.instances != nil, l.loadBalancers != nil, l.invoices != nil, l.operator != nil)
	}
	if l2, _ := from(ctx, groupDeployments); l2 != l || l.deployments == nil || l.deployment == nil {
		t.Fatal("deployments asked for later: not built into the same loaders")
	}
	if _, err := Client(t.Context()); err != ErrNoLoaders {
		t.Fatalf("Client without loaders: %v, want ErrNoLoaders", err)
	}
}
