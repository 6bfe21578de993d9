package upstreamtest

import (
	"net/http"
	"slices"
)

// getZones answers RouteZones. Every ?tag= must be carried by a zone; ?ownerId=
// adds the zones private to that owner. No token is needed.
func (d *dataset) getZones(c *call) {
	q := c.r.URL.Query()
	tags := q["tag"]
	ownerID := q.Get("ownerId")
	out := []*zone{}
	for _, z := range d.zones {
		if z.owner != "" && z.owner != ownerID {
			continue
		}
		if !containsAll(z.Tags, tags) {
			continue
		}
		out = append(out, z)
	}
	c.json(http.StatusOK, out)
}

// getZone answers RouteZone. No token is needed.
func (d *dataset) getZone(c *call) {
	z := d.zone(c.param("name"))
	if z == nil {
		c.notFound("zone", c.param("name"))
		return
	}
	c.json(http.StatusOK, z)
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
