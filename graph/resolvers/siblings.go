package resolvers

// Sibling root fields that one loader answers.
//
// gqlgen resolves each root field in its own goroutine, so the loads of
// a: organisation(id: $a) and b: organisation(id: $b) meet in one by-id
// batch only when they come within the loader's batch wait: a matter of
// scheduling. The operation, though, already says which keys its root
// fields will load; siblingArgs reads them there, so that the loader
// decides as it would for the whole batch, however the fields are
// scheduled (loaders.OrganisationAmong).

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// siblingArgs returns, for each root Query field of the operation that has the
// name of ctx's field (this field included), the string values of its
// arguments names, in that order: one row per field. Fields are those the
// operation selects (through fragments and aliases, without those @skip or
// @include leave out), and arguments are read with variables and defaults
// applied. A field whose argument is missing or not a string has no row.
// siblingArgs is nil when ctx's field is not a root Query field.
func siblingArgs(ctx context.Context, names ...string) [][]string {
	// A root field's parent is the operation's own context: Object "Query"
	// and no parent.
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Query" || fc.Parent == nil || fc.Parent.Parent != nil ||
		fc.Parent.Object != "Query" || !graphql.HasOperationContext(ctx) {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	var rows [][]string
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"}) {
		if f.Name != fc.Field.Name {
			continue
		}
		if row, ok := stringArgs(f.ArgumentMap(oc.Variables), names); ok {
			rows = append(rows, row)
		}
	}
	return rows
}

// stringArgs returns the values of args names when they are all strings.
func stringArgs(args map[string]any, names []string) ([]string, bool) {
	row := make([]string, len(names))
	for i, name := range names {
		s, ok := args[name].(string)
		if !ok {
			return nil, false
		}
		row[i] = s
	}
	return row, true
}
