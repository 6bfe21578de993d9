package upstreamtest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// legacyDeployment is a deployment in the v2 shape
// (/v2/organisations/{id}/applications/{appId}/deployments). The fake derives
// it from the v4 deployment it stands for, so both views always agree.
type legacyDeployment struct {
	UUID      string       `json:"uuid"`
	ID        int          `json:"id"`
	Date      int64        `json:"date"`
	State     string       `json:"state"`
	Action    string       `json:"action"`
	Commit    string       `json:"commit"`
	Cause     string       `json:"cause"`
	Instances int          `json:"instances"`
	Author    legacyAuthor `json:"author"`
}

type legacyAuthor struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// legacyStates maps v4 deployment states to v2 ones, the reverse of what CCJS
// does (clever-api.md §5d).
var legacyStates = map[string]string{
	"QUEUED":           "WIP",
	"WORK_IN_PROGRESS": "WIP",
	"TASK_IN_PROGRESS": "TASK_RUNNING",
	"SUCCEEDED":        "OK",
	"FAILED":           "FAIL",
	"CANCELLED":        "CANCELLED",
}

// legacyDeployments is the v2 view of an application's deployments, newest
// first. The uuid is the v4 id without its "deployment_" prefix, and id counts
// the application's deployments, the newest being last_deploy.
func (d *dataset) legacyDeployments(a *appRecord) []*legacyDeployment {
	out := make([]*legacyDeployment, 0, len(a.deployments))
	for i, dep := range a.deployments {
		author := legacyAuthor{ID: dep.Origin.AuthorID}
		if u := d.users[author.ID]; u != nil {
			author.Name = u.self.Name
		}
		instances := a.app.Instance.MinInstances
		if dep.Origin.Action == "UPSCALE" {
			instances++
		}
		out = append(out, &legacyDeployment{
			UUID: legacyUUID(dep), ID: a.app.LastDeploy - i, Date: epochMillis(dep.start),
			State: legacyStates[dep.State], Action: dep.Origin.Action, Commit: dep.Version.CommitID,
			Cause: dep.Origin.Cause, Instances: instances, Author: author,
		})
	}
	return out
}

func legacyUUID(dep *deployment) string { return strings.TrimPrefix(dep.ID, "deployment_") }

// v2Owner is the owner a route with a /v2/self twin acts on: the {id} owner,
// or the token's personal space on the twin (which has no {id}).
func (d *dataset) v2Owner(c *call) *owner {
	if id, ok := c.params["id"]; ok {
		return d.ownerFor(c, id)
	}
	return d.personalSpace(c)
}

// v2App is v2Owner's application {appId}; it answers 404 when the owner has
// no such application.
func (d *dataset) v2App(c *call) *appRecord {
	o := d.v2Owner(c)
	if o == nil {
		return nil
	}
	a := o.app(c.param("appId"))
	if a == nil {
		c.notFound("application", c.param("appId"))
	}
	return a
}

// getAddon answers RouteOrganisationAddon and RouteSelfAddon. It takes the v2
// id ("addon_…"): a realId is not found.
func (d *dataset) getAddon(c *call) {
	o := d.v2Owner(c)
	if o == nil {
		return
	}
	for _, a := range o.addons {
		if a.ID == c.param("addonId") {
			c.json(http.StatusOK, a)
			return
		}
	}
	c.notFound("addon", c.param("addonId"))
}

// getLegacyDeployments answers RouteOrganisationLegacyDeployments and
// RouteSelfLegacyDeployments: newest first, filtered by action, then offset
// skips the newest and limit cuts.
func (d *dataset) getLegacyDeployments(c *call) {
	a := d.v2App(c)
	if a == nil {
		return
	}
	q := c.query()
	limit := q.limit("limit")
	offset := q.offset("offset")
	actions := q.enum("action", deploymentActions)
	if !q.ok {
		return
	}
	out := []*legacyDeployment{}
	for _, dep := range d.legacyDeployments(a) {
		if len(actions) == 0 || slices.Contains(actions, dep.Action) {
			out = append(out, dep)
		}
	}
	out = out[min(offset, len(out)):]
	c.json(http.StatusOK, cut(out, limit))
}

// getLegacyDeployment answers RouteOrganisationLegacyDeployment and
// RouteSelfLegacyDeployment, by uuid.
func (d *dataset) getLegacyDeployment(c *call) {
	a := d.v2App(c)
	if a == nil {
		return
	}
	for _, dep := range d.legacyDeployments(a) {
		if dep.UUID == c.param("deploymentId") {
			c.json(http.StatusOK, dep)
			return
		}
	}
	c.notFound("deployment", c.param("deploymentId"))
}

// cancelDeployment answers RouteOrganisationCancelDeployment and
// RouteSelfCancelDeployment: 204. A deployment still running becomes
// CANCELLED, in both views; cancelling a finished one changes nothing (the
// request is recorded all the same, for tests to check).
func (d *dataset) cancelDeployment(c *call) {
	a := d.v2App(c)
	if a == nil {
		return
	}
	for _, dep := range a.deployments {
		if legacyUUID(dep) != c.param("deploymentId") {
			continue
		}
		if state := legacyStates[dep.State]; state == "WIP" || state == "TASK_RUNNING" {
			dep.State = "CANCELLED"
			dep.Steps = append(dep.Steps, deploymentStep{State: "CANCELLED", Date: iso(now)})
		}
		c.noContent()
		return
	}
	c.notFound("deployment", c.param("deploymentId"))
}

// getOwnerDeployments answers RouteOrganisationDeployments and
// RouteSelfDeployments: every application's v2 deployments, by application id.
func (d *dataset) getOwnerDeployments(c *call) {
	o := d.v2Owner(c)
	if o == nil {
		return
	}
	out := make(map[string][]*legacyDeployment, len(o.apps))
	for _, a := range o.apps {
		out[a.app.ID] = d.legacyDeployments(a)
	}
	c.json(http.StatusOK, out)
}

// getMembers answers RouteOrganisationMembers.
func (d *dataset) getMembers(c *call) {
	if o := d.ownerFor(c, c.param("id")); o != nil {
		c.json(http.StatusOK, d.members(o))
	}
}

// offset reads a non-negative integer; absent is 0.
func (q *query) offset(name string) int {
	s := q.v.Get(name)
	if s == "" || !q.ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		q.bad(name, s, name+" must be a non-negative integer")
		return 0
	}
	return n
}
