package upstreamtest

import (
	"net/http"
	"slices"
	"time"
)

// getDeployments answers RouteDeployments: newest first by startDate unless
// order=ASC, filtered by action and by startDate in [since, until), then cut to
// limit.
func (d *dataset) getDeployments(c *call) {
	a := d.appFor(c, c.param("ownerId"), c.param("applicationId"))
	if a == nil {
		return
	}
	q := c.query()
	limit := q.limit("limit")
	asc := q.ascending()
	since, until := q.time("since"), q.time("until")
	actions := q.enum("action", deploymentActions)
	if !q.ok {
		return
	}
	out := []*deployment{}
	for _, dep := range a.deployments {
		if inWindow(dep.start, since, until) && (len(actions) == 0 || slices.Contains(actions, dep.Origin.Action)) {
			out = append(out, dep)
		}
	}
	sortByTime(out, func(dep *deployment) time.Time { return dep.start }, asc)
	c.json(http.StatusOK, cut(out, limit))
}

// getDeployment answers RouteDeployment.
func (d *dataset) getDeployment(c *call) {
	a := d.appFor(c, c.param("ownerId"), c.param("applicationId"))
	if a == nil {
		return
	}
	for _, dep := range a.deployments {
		if dep.ID == c.param("deploymentId") {
			c.json(http.StatusOK, dep)
			return
		}
	}
	c.notFound("deployment", c.param("deploymentId"))
}

// getInstances answers RouteInstances: newest first by creationDate unless
// order=ASC, filtered by deploymentId, excludeDeleted, creationDate in [since,
// until), includeState and excludeState, then cut to limit.
func (d *dataset) getInstances(c *call) {
	a := d.appFor(c, c.param("ownerId"), c.param("applicationId"))
	if a == nil {
		return
	}
	q := c.query()
	deploymentID := q.v.Get("deploymentId")
	limit := q.limit("limit")
	excludeDeleted := q.boolean("excludeDeleted")
	since, until := q.time("since"), q.time("until")
	asc := q.ascending()
	include := q.enum("includeState", instanceStates)
	exclude := q.enum("excludeState", instanceStates)
	if !q.ok {
		return
	}
	out := []*instance{}
	for _, in := range a.instances {
		switch {
		case deploymentID != "" && in.DeploymentID != deploymentID,
			excludeDeleted && in.State == "DELETED",
			!inWindow(in.created, since, until),
			len(include) > 0 && !slices.Contains(include, in.State),
			slices.Contains(exclude, in.State):
			continue
		}
		out = append(out, in)
	}
	sortByTime(out, func(in *instance) time.Time { return in.created }, asc)
	c.json(http.StatusOK, cut(out, limit))
}

// getInstance answers RouteInstance.
func (d *dataset) getInstance(c *call) {
	a := d.appFor(c, c.param("ownerId"), c.param("applicationId"))
	if a == nil {
		return
	}
	for _, in := range a.instances {
		if in.ID == c.param("instanceId") {
			c.json(http.StatusOK, in)
			return
		}
	}
	c.notFound("instance", c.param("instanceId"))
}

// getLoadBalancers answers RouteLoadBalancers; only the "default" kind exists.
func (d *dataset) getLoadBalancers(c *call) {
	a := d.appFor(c, c.param("ownerId"), c.param("applicationId"))
	if a == nil {
		return
	}
	if c.param("kind") != "default" {
		c.notFound("load-balancer kind", c.param("kind"))
		return
	}
	c.json(http.StatusOK, []*loadBalancer{a.lb})
}

// cut returns the first limit items (all of them when limit is 0).
func cut[T any](items []T, limit int) []T {
	if limit > 0 && len(items) > limit {
		return items[:limit]
	}
	return items
}
