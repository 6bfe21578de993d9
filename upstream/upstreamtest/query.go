package upstreamtest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// query reads a call's query parameters the way the v4 API validates them: the
// first bad value answers 400 with a field error, and every later read is a
// no-op. Handlers check ok once they have read everything.
type query struct {
	c  *call
	v  url.Values
	ok bool
}

func (c *call) query() *query { return &query{c: c, v: c.r.URL.Query(), ok: true} }

func (q *query) bad(name, value, message string) {
	if q.ok {
		q.ok = false
		q.c.badField(name, value, message)
	}
}

// limit reads a positive integer; 0 means absent.
func (q *query) limit(name string) int {
	s := q.v.Get(name)
	if s == "" || !q.ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		q.bad(name, s, name+" must be a positive integer")
		return 0
	}
	return n
}

// ascending reads order=ASC|DESC; the default is DESC, newest first.
func (q *query) ascending() bool {
	switch s := q.v.Get("order"); s {
	case "", "DESC":
		return false
	case "ASC":
		return true
	default:
		q.bad("order", s, "order must be ASC or DESC")
		return false
	}
}

// isoLayouts are the ISO 8601 forms accepted for since and until.
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02"}

// time reads an ISO 8601 date; the zero time means absent.
func (q *query) time(name string) time.Time {
	s := q.v.Get(name)
	if s == "" || !q.ok {
		return time.Time{}
	}
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	q.bad(name, s, name+" must be an ISO 8601 date")
	return time.Time{}
}

// boolean reads true or false; absent is false.
func (q *query) boolean(name string) bool {
	s := q.v.Get(name)
	if s == "" || !q.ok {
		return false
	}
	b, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		q.bad(name, s, name+" must be true or false")
	}
	return b
}

// enum reads a repeated parameter whose values must be in allowed (case
// sensitive).
func (q *query) enum(name string, allowed []string) []string {
	vals := q.v[name]
	for _, s := range vals {
		if !slices.Contains(allowed, s) {
			q.bad(name, s, name+" must be one of "+strings.Join(allowed, ", "))
		}
	}
	return vals
}

// inWindow reports whether t is within [since, until), a zero bound being open.
func inWindow(t, since, until time.Time) bool {
	return (since.IsZero() || !t.Before(since)) && (until.IsZero() || t.Before(until))
}
