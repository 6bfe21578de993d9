package upstream

import (
	"context"
	"net/http"
	"net/url"
)

// LegacyDeployment is a v2 deployment of an application. It is what
// clever-tools polls while it deploys; [Deployment] is the v4 view of the
// same deployment, with another id.
type LegacyDeployment struct {
	UUID      string                  `json:"uuid"` // the id the other v2 deployment endpoints take
	Index     int                     `json:"id"`   // counts the application's deployments
	Date      Time                    `json:"date"`
	State     string                  `json:"state"`  // WIP, OK, FAIL, CANCELLED, TASK_RUNNING
	Action    string                  `json:"action"` // DEPLOY, UNDEPLOY, UPSCALE, DOWNSCALE, …
	Commit    *string                 `json:"commit"`
	Cause     *string                 `json:"cause"`
	Instances int                     `json:"instances"`
	Author    *LegacyDeploymentAuthor `json:"author"`
}

// LegacyDeploymentAuthor is the user who started a [LegacyDeployment].
type LegacyDeploymentAuthor struct {
	ID   string  `json:"id"`
	Name *string `json:"name"`
}

// ListLegacyDeploymentsOptions pages and filters [Client.ListLegacyDeployments].
// The upstream lists newest first; it has no order parameter.
type ListLegacyDeploymentsOptions struct {
	Limit  int
	Offset int    // how many of the newest to skip
	Action string // DEPLOY, UNDEPLOY, …
}

// Values returns the query the options send.
func (o *ListLegacyDeploymentsOptions) Values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	setInt(v, "limit", o.Limit)
	setInt(v, "offset", o.Offset)
	setString(v, "action", o.Action)
	return v
}

// ListLegacyDeployments lists an application's v2 deployments, newest first;
// self as in [Client.ListApplications].
//
// Clever Cloud API: GET /v2/organisations/{id}/applications/{appId}/deployments, GET /v2/self/applications/{appId}/deployments
func (c *Client) ListLegacyDeployments(ctx context.Context, ownerID string, self bool, appID string, opts *ListLegacyDeploymentsOptions) ([]LegacyDeployment, error) {
	path := ownerPath(ownerID, self, "/applications/%s/deployments", appID)
	return list[LegacyDeployment](ctx, c, path, opts.Values())
}

// GetLegacyDeployment returns one v2 deployment by its UUID; self as in
// [Client.ListApplications].
//
// Clever Cloud API: GET /v2/organisations/{id}/applications/{appId}/deployments/{deploymentId}, GET /v2/self/applications/{appId}/deployments/{deploymentId}
func (c *Client) GetLegacyDeployment(ctx context.Context, ownerID string, self bool, appID, deploymentID string) (*LegacyDeployment, error) {
	path := ownerPath(ownerID, self, "/applications/%s/deployments/%s", appID, deploymentID)
	return call[LegacyDeployment](ctx, c, http.MethodGet, path, nil, nil)
}

// CancelDeployment cancels a running deployment, given its legacy UUID; self
// as in [Client.ListApplications].
//
// Clever Cloud API: DELETE /v2/organisations/{id}/applications/{appId}/deployments/{deploymentId}/instances, DELETE /v2/self/applications/{appId}/deployments/{deploymentId}/instances
func (c *Client) CancelDeployment(ctx context.Context, ownerID string, self bool, appID, deploymentID string) error {
	path := ownerPath(ownerID, self, "/applications/%s/deployments/%s/instances", appID, deploymentID)
	req, err := c.newRequest(ctx, http.MethodDelete, path, nil, nil)
	if err != nil {
		return err
	}
	return c.do(req, nil)
}

// ListOrganisationDeployments returns the v2 deployments of every application
// of an owner in one call, keyed by application id; self as in
// [Client.ListApplications].
//
// Clever Cloud API: GET /v2/organisations/{id}/deployments, GET /v2/self/deployments
func (c *Client) ListOrganisationDeployments(ctx context.Context, ownerID string, self bool) (map[string][]LegacyDeployment, error) {
	byApp, err := call[map[string][]LegacyDeployment](ctx, c, http.MethodGet, ownerPath(ownerID, self, "/deployments"), nil, nil)
	if err != nil {
		return nil, err
	}
	return *byApp, nil
}
