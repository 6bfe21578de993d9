package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/upstream"
)

// checkIDArguments refuses, before the resolver runs and so before any
// upstream call, every ID argument that could not name one upstream path
// segment ('/', "..", '?', '#', control characters). The upstream client
// checks again when it builds a path; this check also covers ids answered
// from lists, so a bad id is always BAD_USER_INPUT, never NOT_FOUND.
func checkIDArguments(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || len(fc.Args) == 0 || fc.Field.Definition == nil {
		return next(ctx)
	}
	for _, arg := range fc.Field.Definition.Arguments {
		if arg.Type.Name() != "ID" {
			continue
		}
		var id string
		switch v := fc.Args[arg.Name].(type) {
		case string:
			id = v
		case *string:
			if v == nil {
				continue
			}
			id = *v
		default:
			continue
		}
		if err := upstream.CheckID(id); err != nil {
			return nil, gqlerr.BadInput("argument %q: %s", arg.Name, err)
		}
	}
	return next(ctx)
}
