// Package model holds the GraphQL models that do not bind to upstream wire
// structs, and the Time scalar's marshalling.
package model

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/upstream"
)

// MarshalTime writes an upstream date as RFC 3339 (UTC), or null when the
// upstream gave none.
func MarshalTime(t upstream.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 argument.
func UnmarshalTime(v any) (upstream.Time, error) {
	s, ok := v.(string)
	if !ok {
		return upstream.Time{}, gqlerr.BadInput("Time must be an RFC 3339 string such as 2026-01-31T12:00:00Z")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return upstream.Time{}, gqlerr.BadInput("Time must be RFC 3339, such as 2026-01-31T12:00:00Z, got %q", clip(s))
	}
	return upstream.Time{Time: t}, nil
}

// clip bounds what an error message repeats of the caller's input.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
