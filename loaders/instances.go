package loaders

import (
	"context"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initInstances() {
	l.instances = newListLoader(l, func(ctx context.Context, k listKey) ([]upstream.Instance, error) {
		return l.as(k.token).ListInstances(ctx, k.owner, k.app, l.instanceFilters.get(k))
	}, nil)
}

// Instances returns an application's instances; nil opts lists what the
// upstream lists by default.
func Instances(ctx context.Context, ownerID, appID string, opts *upstream.ListInstancesOptions) ([]upstream.Instance, error) {
	l, err := from(ctx)
	if err != nil {
		return nil, err
	}
	k := listKey{l.token, ownerID, appID, opts.Values().Encode()}
	l.instanceFilters.put(k, opts)
	return l.instances.get(ctx, k)
}

// DeploymentInstances returns the instances a deployment started, from the
// application's instance list: one call answers every deployment of an
// application.
func DeploymentInstances(ctx context.Context, ownerID, appID, deploymentID string) ([]upstream.Instance, error) {
	all, err := Instances(ctx, ownerID, appID, nil)
	if err != nil {
		return nil, err
	}
	mine := []upstream.Instance{} // none is an empty list, not null
	for _, in := range all {
		if in.DeploymentID != nil && *in.DeploymentID == deploymentID {
			mine = append(mine, in)
		}
	}
	return mine, nil
}
