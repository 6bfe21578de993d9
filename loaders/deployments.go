package loaders

import (
	"context"
	"slices"
	"strconv"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initDeployments() {
	l.deployments = newListLoader(l, "deployments", func(ctx context.Context, k listKey) ([]upstream.Deployment, error) {
		opts := &upstream.ListDeploymentsOptions{Order: "DESC"}
		if k.query != "" {
			opts.Limit, _ = strconv.Atoi(k.query)
		}
		ds, err := l.as(k.token).ListDeployments(ctx, k.owner, k.app, opts)
		if err != nil {
			return nil, err
		}
		// Newest first, whatever order the upstream kept.
		slices.SortStableFunc(ds, func(a, b upstream.Deployment) int { return b.StartDate.Compare(a.StartDate.Time) })
		return ds, nil
	}, func(ctx context.Context, k listKey, ds []upstream.Deployment) {
		for i := range ds {
			l.deployment.Prime(ctx, grandchildKey{k.token, k.owner, k.app, ds[i].ID}, &ds[i])
		}
	})
	l.deployment = newByIDLoader(l, byIDSpec[grandchildKey, listKey, listKey, upstream.Deployment]{
		name:    "deployment",
		viaList: true, // an application's deployments: a short list, wanted by siblings
		parent:  func(k grandchildKey) listKey { return listKey{token: k.token, owner: k.owner, app: k.app} },
		listKey: func(p listKey) listKey { return p },
		list:    l.deployments,
		id:      func(k grandchildKey) string { return k.id },
		itemID:  func(d *upstream.Deployment) string { return d.ID },
		get: func(ctx context.Context, k grandchildKey) (*upstream.Deployment, error) {
			return l.as(k.token).GetDeployment(ctx, k.owner, k.app, k.id)
		},
	})
}

// Deployments returns an application's deployments, newest first; limit 0
// asks for what the upstream lists by default.
func Deployments(ctx context.Context, ownerID, appID string, limit int) ([]upstream.Deployment, error) {
	l, err := from(ctx, groupDeployments)
	if err != nil {
		return nil, err
	}
	return l.deployments.get(ctx, l.deploymentsKey(ownerID, appID, limit))
}

// deploymentsKey is the key of an application's deployments list.
func (l *Loaders) deploymentsKey(ownerID, appID string, limit int) listKey {
	k := listKey{token: l.token, owner: ownerID, app: appID}
	if limit > 0 {
		k.query = strconv.Itoa(limit)
	}
	return k
}

// Deployment returns one deployment of an application.
func Deployment(ctx context.Context, ownerID, appID, id string) (*upstream.Deployment, error) {
	l, err := from(ctx, groupDeployments)
	if err != nil {
		return nil, err
	}
	return l.deployment.Load(ctx, grandchildKey{l.token, ownerID, appID, id})()
}
