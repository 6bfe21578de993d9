package loaders

import (
	"context"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initLoadBalancers() {
	l.loadBalancers = newListLoader(l, "loadBalancers", func(ctx context.Context, k childKey) ([]upstream.LoadBalancer, error) {
		return l.as(k.token).ListLoadBalancers(ctx, k.parent, k.id, upstream.DefaultLoadBalancer)
	}, nil)
}

// LoadBalancers returns an application's "default" load balancers.
func LoadBalancers(ctx context.Context, ownerID, appID string) ([]upstream.LoadBalancer, error) {
	l, err := from(ctx, groupLoadBalancers)
	if err != nil {
		return nil, err
	}
	return l.loadBalancers.get(ctx, childKey{l.token, ownerID, appID})
}
