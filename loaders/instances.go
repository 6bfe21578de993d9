package loaders

import (
	"context"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initInstances() {
	l.instances = newListLoader(l, "instances", func(ctx context.Context, k listKey) ([]upstream.Instance, error) {
		return l.as(k.token).ListInstances(ctx, k.owner, k.app, l.instanceFilters.get(k))
	}, nil)
}

// Instances returns an application's instances; nil opts lists what the
// upstream lists by default.
func Instances(ctx context.Context, ownerID, appID string, opts *upstream.ListInstancesOptions) ([]upstream.Instance, error) {
	l, err := from(ctx, groupInstances)
	if err != nil {
		return nil, err
	}
	k := listKey{l.token, ownerID, appID, query(opts)}
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
	started := func(in *upstream.Instance) bool { return in.DeploymentID != nil && *in.DeploymentID == deploymentID }
	n := 0
	for i := range all {
		if started(&all[i]) {
			n++
		}
	}
	mine := make([]upstream.Instance, 0, n) // none is an empty list, not null
	for i := range all {
		if started(&all[i]) {
			mine = append(mine, all[i])
		}
	}
	return mine, nil
}
