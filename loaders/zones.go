package loaders

import (
	"cmp"
	"context"
	"fmt"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initZones() {
	l.zones = newListLoader(l, "zones", func(ctx context.Context, k tokenKey) ([]upstream.Zone, error) {
		return l.as(k.token).ListZones(ctx, nil)
	}, nil)
}

// Zones returns every zone. Zones are public: they need no token.
func Zones(ctx context.Context) ([]upstream.Zone, error) {
	l, err := from(ctx, groupZones)
	if err != nil {
		return nil, err
	}
	return l.zones.get(ctx, tokenKey{l.token})
}

// Zone returns the zone with id (when non-empty) or else name, from the
// zones list: one call answers every zone of a response.
func Zone(ctx context.Context, id, name string) (*upstream.Zone, error) {
	zones, err := Zones(ctx)
	if err != nil {
		return nil, err
	}
	for i := range zones {
		if (id != "" && zones[i].ID == id) || (id == "" && zones[i].Name == name) {
			return &zones[i], nil
		}
	}
	if id != "" && name != "" {
		return Zone(ctx, "", name)
	}
	return nil, fmt.Errorf("zone %q: %w", cmp.Or(id, name), upstream.ErrNotFound)
}
