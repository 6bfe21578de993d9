package upstream

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Instance is a v4 instance (a VM) of an application.
type Instance struct {
	ID            string           `json:"id"`
	OwnerID       string           `json:"ownerId"`
	ApplicationID string           `json:"applicationId"`
	DeploymentID  *string          `json:"deploymentId"`
	Name          *string          `json:"name"`
	Flavor        *string          `json:"flavor"`
	Index         *int             `json:"index"`
	State         string           `json:"state"` // BOOTING, READY, STARTING, DEPLOYING, BUILDING, STOPPING, DELETED, GHOST, MIGRATION_IN_PROGRESS, UP, TASK_IN_PROGRESS
	CreationDate  Time             `json:"creationDate"`
	DeletionDate  Time             `json:"deletionDate"`
	Network       *InstanceNetwork `json:"network"`
	IsBuildVM     *bool            `json:"isBuildVm"`
	HypervisorID  *string          `json:"hypervisorId"`
}

// InstanceNetwork is where an instance listens.
type InstanceNetwork struct {
	IP   *string `json:"ip"`
	Port *int    `json:"port"`
}

// ListInstancesOptions filters [Client.ListInstances]; the zero value lists
// what the upstream lists by default.
type ListInstancesOptions struct {
	DeploymentID   string
	Limit          int
	ExcludeDeleted bool
	Since          time.Time
	Until          time.Time
	Order          string   // ASC or DESC
	IncludeStates  []string // case sensitive
	ExcludeStates  []string // case sensitive
}

// Values returns the query the options send; it also serves as a cache key.
func (o *ListInstancesOptions) Values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	setString(v, "deploymentId", o.DeploymentID)
	setInt(v, "limit", o.Limit)
	setBool(v, "excludeDeleted", o.ExcludeDeleted)
	setTime(v, "since", o.Since)
	setTime(v, "until", o.Until)
	setString(v, "order", o.Order)
	addAll(v, "includeState", o.IncludeStates)
	addAll(v, "excludeState", o.ExcludeStates)
	return v
}

// ListInstances lists an application's instances.
//
// Clever Cloud API: GET /v4/orchestration/organisations/{ownerId}/applications/{applicationId}/instances
func (c *Client) ListInstances(ctx context.Context, ownerID, appID string, opts *ListInstancesOptions) ([]Instance, error) {
	path := buildPath("v4/orchestration/organisations/%s/applications/%s/instances", ownerID, appID)
	return list[Instance](ctx, c, path, opts.Values())
}

// GetInstance returns one instance.
//
// Clever Cloud API: GET /v4/orchestration/organisations/{ownerId}/applications/{applicationId}/instances/{instanceId}
func (c *Client) GetInstance(ctx context.Context, ownerID, appID, instanceID string) (*Instance, error) {
	path := buildPath("v4/orchestration/organisations/%s/applications/%s/instances/%s", ownerID, appID, instanceID)
	return call[Instance](ctx, c, http.MethodGet, path, nil, nil)
}
