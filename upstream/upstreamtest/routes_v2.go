package upstreamtest

import (
	"net/http"
)

// getSelf answers RouteSelf.
func (d *dataset) getSelf(c *call) {
	if userID, ok := d.authenticate(c); ok {
		c.json(http.StatusOK, d.users[userID].self)
	}
}

// personalSpace authenticates the call and returns the token's personal space,
// which the /v2/self routes act on.
func (d *dataset) personalSpace(c *call) *owner {
	if userID, ok := d.authenticate(c); ok {
		return d.owners[userID]
	}
	return nil
}

// getSelfApplications answers RouteSelfApplications.
func (d *dataset) getSelfApplications(c *call) {
	if o := d.personalSpace(c); o != nil {
		c.json(http.StatusOK, o.applications(""))
	}
}

// getSelfApplication answers RouteSelfApplication.
func (d *dataset) getSelfApplication(c *call) {
	if o := d.personalSpace(c); o != nil {
		writeApp(c, o, c.param("appId"))
	}
}

// getSelfAddons answers RouteSelfAddons.
func (d *dataset) getSelfAddons(c *call) {
	if o := d.personalSpace(c); o != nil {
		c.json(http.StatusOK, o.addonList())
	}
}

// getOrganisations answers RouteOrganisations: every owner of the token,
// personal space first, as the real API lists it.
func (d *dataset) getOrganisations(c *call) {
	userID, ok := d.authenticate(c)
	if !ok {
		return
	}
	out := []*organisation{}
	for _, id := range d.users[userID].owners {
		out = append(out, d.owners[id].org)
	}
	c.json(http.StatusOK, out)
}

// getOrganisation answers RouteOrganisation.
func (d *dataset) getOrganisation(c *call) {
	if o := d.ownerFor(c, c.param("id")); o != nil {
		c.json(http.StatusOK, o.org)
	}
}

// getOrganisationApplications answers RouteOrganisationApplications; with
// ?instanceId= it lists only the application running that instance.
func (d *dataset) getOrganisationApplications(c *call) {
	if o := d.ownerFor(c, c.param("id")); o != nil {
		c.json(http.StatusOK, o.applications(c.r.URL.Query().Get("instanceId")))
	}
}

// getOrganisationApplication answers RouteOrganisationApplication.
func (d *dataset) getOrganisationApplication(c *call) {
	if o := d.ownerFor(c, c.param("id")); o != nil {
		writeApp(c, o, c.param("appId"))
	}
}

// getOrganisationAddons answers RouteOrganisationAddons.
func (d *dataset) getOrganisationAddons(c *call) {
	if o := d.ownerFor(c, c.param("id")); o != nil {
		c.json(http.StatusOK, o.addonList())
	}
}

// applications lists the owner's applications, only the one running instanceID
// when it is not empty.
func (o *owner) applications(instanceID string) []*application {
	out := []*application{}
	for _, a := range o.apps {
		if instanceID == "" || a.hasInstance(instanceID) {
			out = append(out, a.app)
		}
	}
	return out
}

func (a *appRecord) hasInstance(id string) bool {
	for _, in := range a.instances {
		if in.ID == id {
			return true
		}
	}
	return false
}

func (o *owner) addonList() []*addon {
	return append([]*addon{}, o.addons...)
}

func writeApp(c *call, o *owner, appID string) {
	if a := o.app(appID); a != nil {
		c.json(http.StatusOK, a.app)
		return
	}
	c.notFound("application", appID)
}
