package upstream

import (
	"context"
)

// Addon is a v2 add-on. RealID (e.g. "keycloak_…") is the id v4 operator
// endpoints take; ID ("addon_…") is the v2 id.
type Addon struct {
	ID           string        `json:"id"`
	Name         *string       `json:"name"`
	RealID       string        `json:"realId"`
	Region       *string       `json:"region"`
	ZoneID       *string       `json:"zoneId"`
	Provider     AddonProvider `json:"provider"`
	Plan         *AddonPlan    `json:"plan"`
	CreationDate Time          `json:"creationDate"`
}

// AddonProvider is the service behind an add-on.
type AddonProvider struct {
	ID   string  `json:"id"` // e.g. "keycloak", "addon-matomo", "postgresql-addon"
	Name *string `json:"name"`
}

// AddonPlan is an add-on's plan.
type AddonPlan struct {
	ID   *string `json:"id"`
	Name *string `json:"name"`
	Slug *string `json:"slug"`
}

// ListAddons lists an owner's add-ons; self as in [Client.ListApplications].
//
// Clever Cloud API: GET /v2/organisations/{id}/addons, GET /v2/self/addons
func (c *Client) ListAddons(ctx context.Context, ownerID string, self bool) ([]Addon, error) {
	return list[Addon](ctx, c, ownerPath(ownerID, self, "/addons"), nil)
}
