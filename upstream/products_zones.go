package upstream

import (
	"context"
	"net/http"
	"net/url"
)

// Zone is a Clever Cloud deployment zone.
type Zone struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Country     *string  `json:"country"`
	CountryCode *string  `json:"countryCode"`
	City        *string  `json:"city"`
	DisplayName *string  `json:"displayName"`
	Lat         *float64 `json:"lat"`
	Lon         *float64 `json:"lon"`
	OutboundIPs []string `json:"outboundIPs"`
	Tags        []string `json:"tags"`
}

// ListZonesOptions filters [Client.ListZones]; the zero value lists all.
type ListZonesOptions struct {
	Tag     string // e.g. "infra:clever-cloud"
	OwnerID string // zones available to this owner
}

func (o *ListZonesOptions) Values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	setString(v, "tag", o.Tag)
	setString(v, "ownerId", o.OwnerID)
	return v
}

// ListZones lists the zones. It is public: no token is needed.
//
// Clever Cloud API: GET /v4/products/zones
func (c *Client) ListZones(ctx context.Context, opts *ListZonesOptions) ([]Zone, error) {
	path := buildPath("v4/products/zones")
	path.public = true
	return list[Zone](ctx, c, path, opts.Values())
}

// GetZone returns one zone by name. It is public: no token is needed.
//
// Clever Cloud API: GET /v4/products/zones/{name}
func (c *Client) GetZone(ctx context.Context, name string) (*Zone, error) {
	path := buildPath("v4/products/zones/%s", name)
	path.public = true
	return call[Zone](ctx, c, http.MethodGet, path, nil, nil)
}
