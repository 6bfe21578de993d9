package upstreamtest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// operatorFor returns the operator of a realId under the provider segment of the
// path, or answers 401, 404 (no such operator, or one of another kind) or 403 (an
// owner the token may not see) and returns nil.
func (d *dataset) operatorFor(c *call, provider string) *operatorRecord {
	userID, ok := d.authenticate(c)
	if !ok {
		return nil
	}
	realID := c.param("realId")
	rec := d.operators[realID]
	if rec == nil || rec.kind.path != provider {
		c.notFound("addon", realID)
		return nil
	}
	if d.visibleOwner(c, userID, rec.op.OwnerID) == nil {
		return nil
	}
	return rec
}

// getOperator answers RouteOperator.
func (d *dataset) getOperator(c *call) {
	if rec := d.operatorFor(c, c.param("provider")); rec != nil {
		c.json(http.StatusOK, rec.op)
	}
}

// rebootOperator answers RouteOperatorReboot and RouteOperatorRebuild: 204.
func (d *dataset) rebootOperator(c *call) {
	if rec := d.operatorFor(c, c.param("provider")); rec != nil {
		c.noContent()
	}
}

// networkGroupOperator is operatorFor for the network group routes, which only
// keycloak and otoroshi have: the others answer 404.
func (d *dataset) networkGroupOperator(c *call) *operatorRecord {
	rec := d.operatorFor(c, c.param("provider"))
	if rec != nil && !rec.kind.networkGroups {
		c.notFound("route", c.r.URL.Path)
		return nil
	}
	return rec
}

// enableNetworkGroup answers RouteOperatorEnableNetworkGroup: 202 with the
// operator, now in a network group.
func (d *dataset) enableNetworkGroup(c *call) {
	if rec := d.networkGroupOperator(c); rec != nil {
		rec.op.Features.networkGroupID = networkGroupID(rec.op.ResourceID)
		c.json(http.StatusAccepted, rec.op)
	}
}

// disableNetworkGroup answers RouteOperatorDisableNetworkGroup: 204, and the
// operator's network group becomes null.
func (d *dataset) disableNetworkGroup(c *call) {
	if rec := d.networkGroupOperator(c); rec != nil {
		rec.op.Features.networkGroupID = ""
		c.noContent()
	}
}

// versionedOperator is operatorFor for the version routes, which matomo lacks.
func (d *dataset) versionedOperator(c *call) *operatorRecord {
	rec := d.operatorFor(c, c.param("provider"))
	if rec != nil && !rec.kind.versions {
		c.notFound("route", c.r.URL.Path)
		return nil
	}
	return rec
}

// versionCheck is the answer of RouteOperatorVersionCheck.
type versionCheck struct {
	Installed  string   `json:"installed"`
	Latest     string   `json:"latest"`
	Available  []string `json:"available"`
	NeedUpdate bool     `json:"needUpdate"`
}

// checkOperatorVersion answers RouteOperatorVersionCheck.
func (d *dataset) checkOperatorVersion(c *call) {
	rec := d.versionedOperator(c)
	if rec == nil {
		return
	}
	latest := rec.kind.available[len(rec.kind.available)-1]
	c.json(http.StatusOK, versionCheck{
		Installed: rec.op.Version, Latest: latest, Available: rec.kind.available,
		NeedUpdate: rec.op.Version != latest,
	})
}

// updateOperatorVersion answers RouteOperatorVersionUpdate: the body
// {"targetVersion": "…"} must name an available version; the answer is the
// operator at that version.
func (d *dataset) updateOperatorVersion(c *call) {
	rec := d.versionedOperator(c)
	if rec == nil || !requireJSON(c) {
		return
	}
	var body struct {
		TargetVersion *string `json:"targetVersion"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil || body.TargetVersion == nil {
		c.badField("targetVersion", string(c.body), `the body must be {"targetVersion": "<version>"}`)
		return
	}
	target := *body.TargetVersion
	if !slices.Contains(rec.kind.available, target) {
		c.badField("targetVersion", target, "targetVersion must be one of "+strings.Join(rec.kind.available, ", "))
		return
	}
	rec.op.Version = target
	rec.op.EnvVars[rec.kind.envPrefix+"_VERSION"] = target
	c.json(http.StatusOK, rec.op)
}

// getOtoroshiConfig answers RouteOtoroshiConfig with the YAML that configures
// an Otoroshi client (e.g. its Kubernetes or CLI tooling).
func (d *dataset) getOtoroshiConfig(c *call) {
	rec := d.operatorFor(c, "addon-otoroshi")
	if rec == nil {
		return
	}
	api := rec.op.API
	yaml := fmt.Sprintf(`# Otoroshi configuration for %s
otoroshi:
  name: %s
  version: %s
  url: %s
  api:
    url: %s
    clientId: %s
    clientSecret: %s
`, rec.op.ResourceID, rec.op.Name, rec.op.Version, rec.op.AccessURL, api.URL, api.User, api.Secret)
	c.write(http.StatusOK, "application/yaml", []byte(yaml))
}

// requireJSON answers 415 and returns false unless the request body is declared
// as application/json.
func requireJSON(c *call) bool {
	mediaType, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err == nil && mediaType == "application/json" {
		return true
	}
	c.fail(http.StatusUnsupportedMediaType, "Content-Type must be application/json",
		errorContext{"type": "field", "fieldName": "Content-Type", "fieldValue": c.r.Header.Get("Content-Type")})
	return false
}
