package upstream

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// endpoint is a relative, escaped upstream path, or the reason it could not
// be built. Building it never fails loudly: [Client.newRequest] reports err.
type endpoint struct {
	escaped string
	route   *string // the path template: ids replaced by {}, for metrics
	public  bool    // answers without a token
	err     error
}

// buildPath fills each %s of format with one id, validated and escaped as a
// single path segment. format is a constant relative path such as
// "v4/orchestration/organisations/%s/applications/%s/deployments".
func buildPath(format string, ids ...string) endpoint {
	if len(ids) == 0 {
		return endpoint{escaped: format, route: routeOf(format)}
	}
	n := len(format)
	for _, id := range ids {
		if err := CheckID(id); err != nil {
			return endpoint{err: err}
		}
		n += len(url.PathEscape(id)) - len("%s") // escapes only what needs it: an id as it is costs nothing
	}
	var b strings.Builder
	b.Grow(n)
	rest := format
	for _, id := range ids {
		before, after, _ := strings.Cut(rest, "%s")
		b.WriteString(before)
		b.WriteString(url.PathEscape(id))
		rest = after
	}
	b.WriteString(rest)
	return endpoint{escaped: b.String(), route: routeOf(format)}
}

// routes holds the route of each format [buildPath] was given: a constant
// of an endpoint method, so there are only as many as methods.
var routes sync.Map // format → *string

// routeOf returns format's route, built once.
func routeOf(format string) *string {
	if r, ok := routes.Load(format); ok {
		return r.(*string)
	}
	route := strings.ReplaceAll(format, "%s", "{}")
	r, _ := routes.LoadOrStore(format, &route)
	return r.(*string)
}

type routeKey struct{}

// Route returns the path template of a request this package built (e.g.
// "v4/orchestration/organisations/{}/applications/{}/deployments"), a
// bounded name for metrics and traces; "" for another request.
func Route(r *http.Request) string {
	if route, _ := r.Context().Value(routeKey{}).(*string); route != nil {
		return *route
	}
	return ""
}

// CheckID reports whether id may be used as one upstream path segment. It
// refuses what would change the path rather than name a resource: empty ids,
// "." and "..", '/', '\\', '?', '#' and control characters. Other characters
// (spaces, '%', non-ASCII) are escaped when sent.
func CheckID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty", ErrInvalidID)
	case id == "." || id == "..":
		return fmt.Errorf("%w: %q is a relative path element", ErrInvalidID, id)
	case len(id) > 256:
		return fmt.Errorf("%w: longer than 256 bytes", ErrInvalidID)
	case strings.ContainsAny(id, "/\\?#"):
		return fmt.Errorf("%w: must not contain '/', '\\', '?' or '#'", ErrInvalidID)
	case strings.IndexFunc(id, isControl) >= 0:
		return fmt.Errorf("%w: must not contain control characters", ErrInvalidID)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
