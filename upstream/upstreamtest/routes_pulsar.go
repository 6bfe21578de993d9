package upstreamtest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// pulsarFor returns the Pulsar add-on named in the path, by add-on id or by
// realId (the documentation does not say which one the route takes, so both are
// accepted), or answers 401, 404 or 403 and returns nil.
func (d *dataset) pulsarFor(c *call) *pulsarRecord {
	userID, ok := d.authenticate(c)
	if !ok {
		return nil
	}
	rec := d.pulsars[c.param("addonId")]
	if rec == nil {
		c.notFound("addon", c.param("addonId"))
		return nil
	}
	if d.visibleOwner(c, userID, rec.ownerID) == nil {
		return nil
	}
	return rec
}

// getStoragePolicies answers RoutePulsarStoragePolicies.
func (d *dataset) getStoragePolicies(c *call) {
	if rec := d.pulsarFor(c); rec != nil {
		c.json(http.StatusOK, rec.wire())
	}
}

// patchStoragePolicies answers RoutePulsarUpdateStoragePolicies. Only the
// fields present change (null counts as absent), values must be JSON integers
// (negative: no limit), unknown fields are refused, and nothing changes unless
// the whole body is valid. The answer is the resulting policies.
func (d *dataset) patchStoragePolicies(c *call) {
	rec := d.pulsarFor(c)
	if rec == nil || !requireJSON(c) {
		return
	}
	next := rec.policies
	var top map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &top); err != nil || top == nil {
		c.badField("body", string(c.body), "the body must be a JSON object")
		return
	}
	for name, raw := range top {
		var target *policy
		switch name {
		case "retentionPolicies":
			target = &next.RetentionPolicies
		case "offloadPolicies":
			target = &next.OffloadPolicies
		default:
			c.badField(name, string(raw), "unknown field "+name)
			return
		}
		if !mergePolicy(c, name, raw, target) {
			return
		}
	}
	rec.policies = next
	c.json(http.StatusOK, rec.wire())
}

// mergePolicy applies one policy object of a PATCH body to target, or answers
// 400 and returns false.
func mergePolicy(c *call, name string, raw json.RawMessage, target *policy) bool {
	if string(raw) == "null" {
		return true
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		c.badField(name, string(raw), name+" must be an object")
		return false
	}
	for field, value := range fields {
		var dst *int64
		switch field {
		case "sizeInBytes":
			dst = &target.SizeInBytes
		case "durationInMinutes":
			dst = &target.DurationInMinutes
		default:
			c.badField(name+"."+field, string(value), "unknown field "+name+"."+field)
			return false
		}
		if string(value) == "null" {
			continue
		}
		// ParseInt refuses "1.5", "1e3", strings and out-of-range values alike.
		n, err := strconv.ParseInt(string(value), 10, 64)
		if err != nil {
			c.badField(name+"."+field, string(value), name+"."+field+" must be an integer (negative: no limit)")
			return false
		}
		*dst = n
	}
	return true
}
