package loaders

import (
	"context"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initOrganisations() {
	l.organisations = newListLoader(l, "organisations", func(ctx context.Context, k tokenKey) ([]upstream.Organisation, error) {
		return l.as(k.token).ListOrganisations(ctx)
	}, func(ctx context.Context, k tokenKey, orgs []upstream.Organisation) {
		for i := range orgs {
			l.organisation.Prime(ctx, idKey{k.token, orgs[i].ID}, &orgs[i])
		}
	})
	l.organisation = newByIDLoader(l, byIDSpec[idKey, tokenKey, tokenKey, upstream.Organisation]{
		name:    "organisation",
		parent:  func(k idKey) tokenKey { return tokenKey{k.token} },
		listKey: func(p tokenKey) tokenKey { return p },
		list:    l.organisations,
		id:      func(k idKey) string { return k.id },
		itemID:  func(o *upstream.Organisation) string { return o.ID },
		get:     l.getOrganisation,
	})
}

// getOrganisation reads one organisation; the caller's personal space is
// read from /v2/self, as Clever Cloud's clients do.
func (l *Loaders) getOrganisation(ctx context.Context, k idKey) (*upstream.Organisation, error) {
	self, err := l.isSelf(ctx, k.token, k.id)
	if err != nil {
		return nil, err
	}
	if !self {
		return l.as(k.token).GetOrganisation(ctx, k.id)
	}
	u, err := l.self.Load(ctx, tokenKey{k.token})() // built: isSelf was true
	if err != nil {
		return nil, err
	}
	return personalSpace(u), nil
}

// isSelf reports whether ownerID is the caller's personal space, whose v2
// endpoints live under /v2/self. Only user ids cost a (cached) /v2/self call.
func (l *Loaders) isSelf(ctx context.Context, token, ownerID string) (bool, error) {
	if !upstream.IsPersonal(ownerID) {
		return false, nil
	}
	l.need(groupSelf)
	u, err := l.self.Load(ctx, tokenKey{token})()
	if err != nil {
		return false, err
	}
	return u.ID == ownerID, nil
}

func personalSpace(u *upstream.User) *upstream.Organisation {
	org := &upstream.Organisation{ID: u.ID, Avatar: u.Avatar}
	if u.Name != nil {
		org.Name = *u.Name
	}
	return org
}

// Self returns the caller.
func Self(ctx context.Context) (*upstream.User, error) {
	l, err := from(ctx, groupSelf)
	if err != nil {
		return nil, err
	}
	return l.self.Load(ctx, tokenKey{l.token})()
}

// Organisations returns the caller's organisations, the personal space included.
func Organisations(ctx context.Context) ([]upstream.Organisation, error) {
	l, err := from(ctx, groupOrganisations)
	if err != nil {
		return nil, err
	}
	return l.organisations.get(ctx, tokenKey{l.token})
}

// Organisation returns one organisation (a user id: that user's personal space).
func Organisation(ctx context.Context, id string) (*upstream.Organisation, error) {
	l, err := from(ctx, groupOrganisations)
	if err != nil {
		return nil, err
	}
	return l.organisation.Load(ctx, idKey{l.token, id})()
}

// OrganisationAmong is [Organisation] for one of several lookups the
// response is known to make together: siblings holds their ids, one row
// of one id each (this lookup's own may be among them). Two or more
// distinct ids are answered from the caller's organisations list (one call,
// then a GET for each id it lacks), whichever lookup comes first and
// however late the others; the answer and error for id are as for a batch
// of them.
func OrganisationAmong(ctx context.Context, id string, siblings [][]string) (*upstream.Organisation, error) {
	l, err := from(ctx, groupOrganisations)
	if err != nil {
		return nil, err
	}
	keys := keysOf(siblings, func(r []string) idKey { return idKey{l.token, r[0]} }, 1)
	return l.organisation.loadAmong(ctx, idKey{l.token, id}, keys)
}
