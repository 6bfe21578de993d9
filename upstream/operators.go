package upstream

import (
	"context"
	"fmt"
	"net/http"
)

// OperatorKind is a Clever Cloud operator: an add-on that deploys and runs
// a service (Keycloak, Matomo, Metabase, Otoroshi) on applications.
type OperatorKind string

// The operators the v4 API serves.
const (
	OperatorKeycloak OperatorKind = "KEYCLOAK"
	OperatorMatomo   OperatorKind = "MATOMO"
	OperatorMetabase OperatorKind = "METABASE"
	OperatorOtoroshi OperatorKind = "OTOROSHI"
)

// operatorKinds maps each kind to its v4 provider path segment and its v2
// add-on provider id.
var operatorKinds = map[OperatorKind]struct{ v4, v2 string }{
	OperatorKeycloak: {"addon-keycloak", "keycloak"},
	OperatorMatomo:   {"addon-matomo", "addon-matomo"},
	OperatorMetabase: {"addon-metabase", "metabase"},
	OperatorOtoroshi: {"addon-otoroshi", "otoroshi"},
}

// OperatorKindOfProvider returns the operator kind of a v2 add-on provider
// id, or false when the add-on is not an operator.
func OperatorKindOfProvider(providerID string) (OperatorKind, bool) {
	for kind, ids := range operatorKinds {
		if ids.v2 == providerID {
			return kind, true
		}
	}
	return "", false
}

// HasNetworkGroup reports whether the kind can join a Network Group.
func (k OperatorKind) HasNetworkGroup() bool {
	return k == OperatorKeycloak || k == OperatorOtoroshi
}

// Operator is a v4 operator add-on.
type Operator struct {
	Kind               OperatorKind      `json:"-"` // set from the endpoint that answered
	ResourceID         string            `json:"resourceId"`
	AddonID            *string           `json:"addonId"`
	Name               *string           `json:"name"`
	OwnerID            *string           `json:"ownerId"`
	Plan               *string           `json:"plan"`
	Version            *string           `json:"version"`
	JavaVersion        *string           `json:"javaVersion"`
	PHPVersion         *string           `json:"phpVersion"`
	AccessURL          *string           `json:"accessUrl"`
	AvailableVersions  []string          `json:"availableVersions"`
	InitialCredentials *Credentials      `json:"initialCredentials"`
	API                *OperatorAPI      `json:"api"`
	Resources          OperatorResources `json:"resources"`
	Features           OperatorFeatures  `json:"features"`
	Env                map[string]string `json:"envVars"`
}

// Credentials are the first login of an operator's service.
type Credentials struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// OperatorAPI is an operator's management API.
type OperatorAPI struct {
	URL        *string `json:"url"`
	User       *string `json:"user"`
	Secret     *string `json:"secret"`
	OpenAPI    *string `json:"openapi"`
	SwaggerURL *string `json:"swaggerUrl"`
}

// OperatorResources are the applications and add-ons an operator runs on.
type OperatorResources struct {
	Entrypoint *string `json:"entrypoint"` // app_…
	RedisID    *string `json:"redisId"`
	PulsarID   *string `json:"pulsarId"`
	ElasticID  *string `json:"elasticId"`
	CellarID   *string `json:"cellarId"`
}

// OperatorFeatures holds the Network Group membership, in the current form
// (networkGroup: {id}) or the older one (ng: "ng_…").
type OperatorFeatures struct {
	NetworkGroup *struct {
		ID string `json:"id"`
	} `json:"networkGroup"`
	NG *string `json:"ng"`
}

// NetworkGroupID is the operator's Network Group, or nil when it is in none.
func (o *Operator) NetworkGroupID() *string {
	if ng := o.Features.NetworkGroup; ng != nil && ng.ID != "" {
		return &ng.ID
	}
	if ng := o.Features.NG; ng != nil && *ng != "" {
		return ng
	}
	return nil
}

// APIURL is the operator's management API URL, or nil.
func (o *Operator) APIURL() *string {
	if o.API == nil {
		return nil
	}
	return o.API.URL
}

// operatorPath is the v4 path of one operator, followed by suffix.
func operatorPath(kind OperatorKind, realID, suffix string) endpoint {
	ids, ok := operatorKinds[kind]
	if !ok {
		return endpoint{err: fmt.Errorf("%w: operator kind %q", ErrUnsupported, kind)}
	}
	return buildPath("v4/addon-providers/"+ids.v4+"/addons/%s"+suffix, realID)
}

// GetOperator returns an operator by its add-on realId (e.g. "keycloak_…").
//
// Clever Cloud API: GET /v4/addon-providers/addon-{operator}/addons/{realId}
func (c *Client) GetOperator(ctx context.Context, kind OperatorKind, realID string) (*Operator, error) {
	return c.getOperator(ctx, http.MethodGet, kind, realID, "", nil)
}

// RebootOperator restarts an operator's service; the upstream answers 204.
//
// Clever Cloud API: POST /v4/addon-providers/addon-{operator}/addons/{realId}/reboot
func (c *Client) RebootOperator(ctx context.Context, kind OperatorKind, realID string) error {
	return c.operatorCall(ctx, http.MethodPost, kind, realID, "/reboot", nil, nil)
}

// RebuildOperator rebuilds and redeploys an operator's service; 204.
//
// Clever Cloud API: POST /v4/addon-providers/addon-{operator}/addons/{realId}/rebuild
func (c *Client) RebuildOperator(ctx context.Context, kind OperatorKind, realID string) error {
	return c.operatorCall(ctx, http.MethodPost, kind, realID, "/rebuild", nil, nil)
}

// EnableNetworkGroup puts an operator (Keycloak or Otoroshi only) in a
// Network Group; the upstream answers 202 with the operator.
//
// Clever Cloud API: POST /v4/addon-providers/addon-{operator}/addons/{realId}/networkgroup
func (c *Client) EnableNetworkGroup(ctx context.Context, kind OperatorKind, realID string) (*Operator, error) {
	if !kind.HasNetworkGroup() {
		return nil, fmt.Errorf("%w: %s operators have no Network Group", ErrUnsupported, kind)
	}
	return c.getOperator(ctx, http.MethodPost, kind, realID, "/networkgroup", nil)
}

// DisableNetworkGroup takes an operator out of its Network Group; 204.
//
// Clever Cloud API: DELETE /v4/addon-providers/addon-{operator}/addons/{realId}/networkgroup
func (c *Client) DisableNetworkGroup(ctx context.Context, kind OperatorKind, realID string) error {
	if !kind.HasNetworkGroup() {
		return fmt.Errorf("%w: %s operators have no Network Group", ErrUnsupported, kind)
	}
	return c.operatorCall(ctx, http.MethodDelete, kind, realID, "/networkgroup", nil, nil)
}

// OperatorVersionCheck says whether an operator runs its latest version.
type OperatorVersionCheck struct {
	Installed  string   `json:"installed"`
	Latest     string   `json:"latest"`
	Available  []string `json:"available"`
	NeedUpdate bool     `json:"needUpdate"`
}

// CheckOperatorVersion compares an operator's version with the available
// ones (Keycloak, Metabase, Otoroshi).
//
// Clever Cloud API: GET /v4/addon-providers/addon-{operator}/addons/{realId}/version/check
func (c *Client) CheckOperatorVersion(ctx context.Context, kind OperatorKind, realID string) (*OperatorVersionCheck, error) {
	var check OperatorVersionCheck
	if err := c.operatorCall(ctx, http.MethodGet, kind, realID, "/version/check", nil, &check); err != nil {
		return nil, err
	}
	return &check, nil
}

// UpdateOperatorVersion moves an operator to targetVersion and returns it.
//
// Clever Cloud API: POST /v4/addon-providers/addon-{operator}/addons/{realId}/version/update
func (c *Client) UpdateOperatorVersion(ctx context.Context, kind OperatorKind, realID, targetVersion string) (*Operator, error) {
	body := struct {
		TargetVersion string `json:"targetVersion"`
	}{targetVersion}
	return c.getOperator(ctx, http.MethodPost, kind, realID, "/version/update", body)
}

// GetOtoroshiConfig returns an Otoroshi operator's configuration as YAML.
//
// Clever Cloud API: GET /v4/addon-providers/addon-otoroshi/addons/{realId}/config.yaml
func (c *Client) GetOtoroshiConfig(ctx context.Context, realID string) (*Document, error) {
	req, err := c.newRequest(ctx, http.MethodGet, operatorPath(OperatorOtoroshi, realID, "/config.yaml"), nil, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/yaml")
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	return &Document{ContentType: resp.Header.Get("Content-Type"), ContentLength: resp.ContentLength, Body: resp.Body}, nil
}

// getOperator sends one operator request whose answer is the operator.
func (c *Client) getOperator(ctx context.Context, method string, kind OperatorKind, realID, suffix string, body any) (*Operator, error) {
	var op Operator
	if err := c.operatorCall(ctx, method, kind, realID, suffix, body, &op); err != nil {
		return nil, err
	}
	if op.ResourceID == "" {
		op.ResourceID = realID
	}
	op.Kind = kind
	return &op, nil
}

// operatorCall sends one operator request and decodes its answer into v
// (nil for the 204 answers).
func (c *Client) operatorCall(ctx context.Context, method string, kind OperatorKind, realID, suffix string, body, v any) error {
	req, err := c.newRequest(ctx, method, operatorPath(kind, realID, suffix), nil, body)
	if err != nil {
		return err
	}
	return c.do(req, v)
}
