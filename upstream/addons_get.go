package upstream

import (
	"context"
	"net/http"
)

// GetAddon returns one add-on by its v2 id ("addon_…", not the realId); self
// as in [Client.ListApplications].
//
// Clever Cloud API: GET /v2/organisations/{id}/addons/{addonId}, GET /v2/self/addons/{addonId}
func (c *Client) GetAddon(ctx context.Context, ownerID string, self bool, addonID string) (*Addon, error) {
	return call[Addon](ctx, c, http.MethodGet, ownerPath(ownerID, self, "/addons/%s", addonID), nil, nil)
}
