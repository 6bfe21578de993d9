package upstreamtest

import (
	"net/url"
	"strings"
)

// A route binds a route name to its handler. The router is hand-written rather
// than an http.ServeMux because the mux cleans paths (it redirects "/a/../b") and
// cannot match "{invoiceId}.pdf"; the fake must record and refuse such paths as
// they arrived, never normalise them.
type route struct {
	name   string // "GET /v2/self"
	method string
	segs   []segment
	handle func(*dataset, *call)
	v2     bool // errors use the v2 body shape
}

// A segment of a route pattern: a literal, or a wildcard with an optional
// literal suffix ("{invoiceId}.html").
type segment struct {
	literal  string
	wildcard string
	suffix   string
}

// newRoute parses a route name "METHOD /path/{wildcard}/…". It panics on a
// malformed name: the table is static, so that is a programming error.
func newRoute(name string, handle func(*dataset, *call)) *route {
	method, pattern, ok := strings.Cut(name, " ")
	if !ok || !strings.HasPrefix(pattern, "/") {
		panic("upstreamtest: bad route name " + name)
	}
	rt := &route{name: name, method: method, handle: handle, v2: strings.HasPrefix(pattern, "/v2/")}
	for _, s := range strings.Split(pattern[1:], "/") {
		if !strings.HasPrefix(s, "{") {
			rt.segs = append(rt.segs, segment{literal: s})
			continue
		}
		end := strings.Index(s, "}")
		if end < 2 {
			panic("upstreamtest: bad wildcard in route " + name)
		}
		rt.segs = append(rt.segs, segment{wildcard: s[1:end], suffix: s[end+1:]})
	}
	return rt
}

// splitPath splits an escaped path into decoded segments. A segment such as
// "a%2Fb" stays one segment ("a/b"), so an escaped slash can never reach
// another route.
func splitPath(escaped string) ([]string, bool) {
	if !strings.HasPrefix(escaped, "/") {
		return nil, false
	}
	parts := strings.Split(escaped[1:], "/")
	for i, p := range parts {
		d, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = d
	}
	return parts, true
}

// match reports whether the decoded segments fit the pattern, and returns the
// wildcard values.
func (rt *route) match(parts []string) (map[string]string, bool) {
	if len(parts) != len(rt.segs) {
		return nil, false
	}
	var params map[string]string
	for i, seg := range rt.segs {
		p := parts[i]
		if seg.wildcard == "" {
			if p != seg.literal {
				return nil, false
			}
			continue
		}
		v, ok := strings.CutSuffix(p, seg.suffix)
		if !ok || v == "" {
			return nil, false
		}
		if params == nil {
			params = make(map[string]string, 4)
		}
		params[seg.wildcard] = v
	}
	return params, true
}

// findRoute returns the first route matching method and escaped path. When only
// the method differs it returns nil and the allowed methods, for a 405.
func findRoute(method, escaped string) (rt *route, params map[string]string, allowed []string) {
	parts, ok := splitPath(escaped)
	if !ok {
		return nil, nil, nil
	}
	for _, candidate := range routeTable {
		p, ok := candidate.match(parts)
		if !ok {
			continue
		}
		if candidate.method == method {
			return candidate, p, nil
		}
		allowed = append(allowed, candidate.method)
	}
	return nil, nil, allowed
}
