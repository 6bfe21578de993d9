package upstreamtest

import (
	"net/http"
	"net/url"
	"strings"
)

// tokenFrom returns the token of an Authorization header: the value of a
// "Bearer <token>" header, or the oauth_token parameter of an OAuth1 header
// (`OAuth oauth_consumer_key="…", oauth_token="…", …`) as clever-tools signs it.
func tokenFrom(header string) string {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return strings.TrimSpace(rest)
	case strings.EqualFold(scheme, "OAuth"):
		for _, param := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if !ok || k != "oauth_token" {
				continue
			}
			v = strings.Trim(v, `"`)
			if u, err := url.QueryUnescape(v); err == nil {
				v = u
			}
			return v
		}
	}
	return ""
}

// authenticate returns the id of the user whose token the request carries, or
// answers 401 and returns false.
func (d *dataset) authenticate(c *call) (string, bool) {
	tok := tokenFrom(c.r.Header.Get("Authorization"))
	if userID, ok := d.tokens[tok]; ok && tok != "" {
		return userID, true
	}
	c.fail(http.StatusUnauthorized, "invalid or missing credentials", nil)
	return "", false
}

// ownerFor returns the owner (organisation or personal space) with that id if
// the token may see it. Otherwise it answers 401 (bad token), 404 (no such
// owner) or 403 (an owner the token is not a member of) and returns nil.
func (d *dataset) ownerFor(c *call, id string) *owner {
	userID, ok := d.authenticate(c)
	if !ok {
		return nil
	}
	return d.visibleOwner(c, userID, id)
}

// visibleOwner is ownerFor for a caller already authenticated as userID.
func (d *dataset) visibleOwner(c *call, userID, id string) *owner {
	o := d.owners[id]
	if o == nil {
		c.notFound("organisation", id)
		return nil
	}
	if _, member := o.roles[userID]; !member {
		c.forbidden("organisation", id)
		return nil
	}
	return o
}

// appFor returns an application of a visible owner, or answers the error (as
// ownerFor, and 404 when the owner has no such application) and returns nil.
func (d *dataset) appFor(c *call, ownerID, appID string) *appRecord {
	o := d.ownerFor(c, ownerID)
	if o == nil {
		return nil
	}
	a := o.app(appID)
	if a == nil {
		c.notFound("application", appID)
	}
	return a
}

// app returns the owner's application with that id, or nil.
func (o *owner) app(id string) *appRecord {
	for _, a := range o.apps {
		if a.app.ID == id {
			return a
		}
	}
	return nil
}
