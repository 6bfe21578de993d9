package upstream

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Deployment is a v4 deployment of an application.
type Deployment struct {
	ID                string            `json:"id"`
	OwnerID           string            `json:"ownerId"`
	ApplicationID     string            `json:"applicationId"`
	StartDate         Time              `json:"startDate"`
	State             string            `json:"state"` // QUEUED, WORK_IN_PROGRESS, TASK_IN_PROGRESS, FAILED, CANCELLED, SUCCEEDED
	Steps             []DeploymentStep  `json:"steps"`
	Version           DeploymentVersion `json:"version"`
	Origin            *DeploymentOrigin `json:"origin"`
	HasDedicatedBuild *bool             `json:"hasDedicatedBuild"`
}

// CommitID is the deployed commit (version.commitId), or nil.
func (d *Deployment) CommitID() *string { return d.Version.CommitID }

// DeploymentStep is one state a deployment went through.
type DeploymentStep struct {
	State string `json:"state"`
	Date  Time   `json:"date"`
}

// DeploymentVersion is what a deployment deployed.
type DeploymentVersion struct {
	CommitID *string `json:"commitId"`
}

// DeploymentOrigin says who or what started a deployment.
type DeploymentOrigin struct {
	Action      *string  `json:"action"` // DEPLOY, UNDEPLOY, UPSCALE, DOWNSCALE, REPLACE, CANCEL, NONE
	Cause       *string  `json:"cause"`
	Source      *string  `json:"source"`
	AuthorID    *string  `json:"authorId"`
	Constraints []string `json:"constraints"`
	Priority    *string  `json:"priority"` // ADMIN, URGENT, DEFAULT
}

// ListDeploymentsOptions filters [Client.ListDeployments].
type ListDeploymentsOptions struct {
	Limit  int
	Order  string // ASC or DESC
	Action string
	Since  time.Time
	Until  time.Time
	// IncludeApplicationConfiguration asks for the configuration each deployment used.
	IncludeApplicationConfiguration bool
}

func (o *ListDeploymentsOptions) Values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	setInt(v, "limit", o.Limit)
	setString(v, "order", o.Order)
	setString(v, "action", o.Action)
	setTime(v, "since", o.Since)
	setTime(v, "until", o.Until)
	setBool(v, "includeApplicationConfiguration", o.IncludeApplicationConfiguration)
	return v
}

// ListDeployments lists an application's deployments.
//
// Clever Cloud API: GET /v4/orchestration/organisations/{ownerId}/applications/{applicationId}/deployments
func (c *Client) ListDeployments(ctx context.Context, ownerID, appID string, opts *ListDeploymentsOptions) ([]Deployment, error) {
	path := buildPath("v4/orchestration/organisations/%s/applications/%s/deployments", ownerID, appID)
	return list[Deployment](ctx, c, path, opts.Values())
}

// GetDeployment returns one deployment.
//
// Clever Cloud API: GET /v4/orchestration/organisations/{ownerId}/applications/{applicationId}/deployments/{deploymentId}
func (c *Client) GetDeployment(ctx context.Context, ownerID, appID, deploymentID string) (*Deployment, error) {
	path := buildPath("v4/orchestration/organisations/%s/applications/%s/deployments/%s", ownerID, appID, deploymentID)
	return call[Deployment](ctx, c, http.MethodGet, path, nil, nil)
}
