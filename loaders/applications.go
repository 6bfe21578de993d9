package loaders

import (
	"context"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initApplications() {
	l.applications = newListLoader(l, "applications", func(ctx context.Context, k idKey) ([]upstream.Application, error) {
		self, err := l.isSelf(ctx, k.token, k.id)
		if err != nil {
			return nil, err
		}
		return l.as(k.token).ListApplications(ctx, k.id, self, nil)
	}, func(ctx context.Context, k idKey, apps []upstream.Application) {
		for i := range apps {
			l.application.Prime(ctx, childKey{k.token, k.id, apps[i].ID}, &apps[i])
		}
	})
	l.application = newByIDLoader(l, byIDSpec[childKey, idKey, idKey, upstream.Application]{
		name:    "application",
		parent:  func(k childKey) idKey { return idKey{k.token, k.parent} },
		listKey: func(p idKey) idKey { return p },
		list:    l.applications,
		id:      func(k childKey) string { return k.id },
		itemID:  func(a *upstream.Application) string { return a.ID },
		get: func(ctx context.Context, k childKey) (*upstream.Application, error) {
			self, err := l.isSelf(ctx, k.token, k.parent)
			if err != nil {
				return nil, err
			}
			return l.as(k.token).GetApplication(ctx, k.parent, self, k.id)
		},
	})
}

// Applications returns an owner's applications.
func Applications(ctx context.Context, ownerID string) ([]upstream.Application, error) {
	l, err := from(ctx, groupApplications)
	if err != nil {
		return nil, err
	}
	return l.applications.get(ctx, idKey{l.token, ownerID})
}

// Application returns one application of an owner.
func Application(ctx context.Context, ownerID, id string) (*upstream.Application, error) {
	l, err := from(ctx, groupApplications)
	if err != nil {
		return nil, err
	}
	return l.application.Load(ctx, childKey{l.token, ownerID, id})()
}

// ApplicationAmong is [Application] for one of several lookups the
// response is known to make together: siblings holds their keys, one row
// of owner id and application id each (this lookup's own may be among
// them). Two or more distinct applications of one owner are answered from
// the owner's applications list, as [OrganisationAmong] explains.
func ApplicationAmong(ctx context.Context, ownerID, id string, siblings [][]string) (*upstream.Application, error) {
	l, err := from(ctx, groupApplications)
	if err != nil {
		return nil, err
	}
	keys := keysOf(siblings, func(r []string) childKey { return childKey{l.token, r[0], r[1]} }, 2)
	return l.application.loadAmong(ctx, childKey{l.token, ownerID, id}, keys)
}
