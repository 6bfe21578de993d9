package upstream

import (
	"context"
)

// LoadBalancer is one of an application's load balancers.
type LoadBalancer struct {
	ID     string          `json:"id"`
	Name   *string         `json:"name"` // the zone it serves
	ZoneID *string         `json:"zoneId"`
	DNS    LoadBalancerDNS `json:"dns"`
}

// LoadBalancerDNS is what to point a domain at.
type LoadBalancerDNS struct {
	CNAME *string  `json:"cname"`
	A     []string `json:"a"`
}

// DefaultLoadBalancer is the load balancer kind every application has.
const DefaultLoadBalancer = "default"

// ListLoadBalancers lists an application's load balancers of one kind
// ([DefaultLoadBalancer] when kind is empty).
//
// Clever Cloud API: GET /v4/load-balancers/organisations/{ownerId}/applications/{applicationId}/load-balancers/{kind}
func (c *Client) ListLoadBalancers(ctx context.Context, ownerID, appID, kind string) ([]LoadBalancer, error) {
	if kind == "" {
		kind = DefaultLoadBalancer
	}
	path := buildPath("v4/load-balancers/organisations/%s/applications/%s/load-balancers/%s", ownerID, appID, kind)
	return list[LoadBalancer](ctx, c, path, nil)
}
