package upstream

import (
	"context"
	"net/http"
	"net/url"
)

// Application is a v2 application.
type Application struct {
	ID             string                 `json:"id"`
	OwnerID        string                 `json:"ownerId"`
	Name           string                 `json:"name"`
	Description    *string                `json:"description"`
	ZoneName       string                 `json:"zone"`
	ZoneID         string                 `json:"zoneId"`
	CreationDate   Time                   `json:"creationDate"`
	State          *string                `json:"state"` // SHOULD_BE_UP, SHOULD_BE_DOWN, WANTS_TO_BE_UP, MODERATED, DEFAULT_OF_PAYMENT
	CommitID       *string                `json:"commitId"`
	Branch         *string                `json:"branch"`
	Archived       *bool                  `json:"archived"`
	StickySessions *bool                  `json:"stickySessions"`
	Homogeneous    *bool                  `json:"homogeneous"`
	Favourite      *bool                  `json:"favourite"`
	CancelOnPush   *bool                  `json:"cancelOnPush"`
	SeparateBuild  *bool                  `json:"separateBuild"`
	ForceHTTPS     *string                `json:"forceHttps"`
	Instance       *ApplicationInstance   `json:"instance"`
	Deployment     *ApplicationDeployment `json:"deployment"`
	Vhosts         []Vhost                `json:"vhosts"`
}

// ApplicationInstance is an application's runtime and scaling settings.
type ApplicationInstance struct {
	Type         *string          `json:"type"`
	Version      *string          `json:"version"`
	Variant      *InstanceVariant `json:"variant"`
	MinInstances *int             `json:"minInstances"`
	MaxInstances *int             `json:"maxInstances"`
	Lifetime     *string          `json:"lifetime"`
}

// InstanceVariant is an application's runtime (node, java, …).
type InstanceVariant struct {
	ID         *string `json:"id"`
	Slug       *string `json:"slug"`
	Name       *string `json:"name"`
	DeployType *string `json:"deployType"`
	Logo       *string `json:"logo"`
}

// ApplicationDeployment is how code reaches an application.
type ApplicationDeployment struct {
	Type      *string `json:"type"` // GIT, SFTP, FTP
	RepoState *string `json:"repoState"`
	URL       *string `json:"url"`
	HTTPURL   *string `json:"httpUrl"`
}

// Vhost is a domain an application answers on.
type Vhost struct {
	FQDN string `json:"fqdn"`
}

// ListApplicationsOptions filters [Client.ListApplications].
type ListApplicationsOptions struct {
	InstanceID string // the application running this instance
}

// Values returns the query the options send.
func (o *ListApplicationsOptions) Values() url.Values {
	v := url.Values{}
	if o != nil {
		setString(v, "instanceId", o.InstanceID)
	}
	return v
}

// ListApplications lists an owner's applications; self selects the
// caller's personal space (/v2/self/applications).
//
// Clever Cloud API: GET /v2/organisations/{id}/applications, GET /v2/self/applications
func (c *Client) ListApplications(ctx context.Context, ownerID string, self bool, opts *ListApplicationsOptions) ([]Application, error) {
	return list[Application](ctx, c, ownerPath(ownerID, self, "/applications"), opts.Values())
}

// GetApplication returns one application; self as in [Client.ListApplications].
//
// Clever Cloud API: GET /v2/organisations/{id}/applications/{appId}, GET /v2/self/applications/{appId}
func (c *Client) GetApplication(ctx context.Context, ownerID string, self bool, appID string) (*Application, error) {
	return call[Application](ctx, c, http.MethodGet, ownerPath(ownerID, self, "/applications/%s", appID), nil, nil)
}
