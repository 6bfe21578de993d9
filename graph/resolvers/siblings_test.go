package resolvers

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

var schema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { org(id: ID!): Org  app(owner: ID!, id: ID = "d"): Org  zones: [Org!]! }
	type Org { id: ID!  org(id: ID!): Org }`})

// fieldCtx returns the context gqlgen resolves the root field alias of
// query in: below the operation's own field context, as its executor does.
func fieldCtx(t *testing.T, query string, vars map[string]any, alias string) context.Context {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatal(errs)
	}
	oc := &graphql.OperationContext{RawQuery: query, Variables: vars, Doc: doc, Operation: doc.Operations[0]}
	ctx := graphql.WithOperationContext(t.Context(), oc)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query"})
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Query"}) {
		if f.Alias == alias {
			return graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Field: f})
		}
	}
	t.Fatalf("no root field %s", alias)
	return nil
}

func TestSiblingArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		alias string   // the field asking
		args  []string // the argument names it asks for
		want  [][]string
	}{{
		name:  "aliases and variables",
		query: `query($a: ID!, $b: ID!) { a: org(id: $a) { id } zones { id } b: org(id: $b) { id } }`,
		vars:  map[string]any{"a": "1", "b": "2"},
		alias: "b", args: []string{"id"},
		want: [][]string{{"1"}, {"2"}},
	}, {
		name:  "fragments and directives",
		query: `query($no: Boolean!) { a: org(id: "1") { id } ...F ... on Query { c: org(id: "3") @include(if: $no) { id } } } fragment F on Query { b: org(id: "2") { id } d: org(id: "4") @skip(if: true) { id } }`,
		vars:  map[string]any{"no": false},
		alias: "a", args: []string{"id"},
		want: [][]string{{"1"}, {"2"}},
	}, {
		name:  "several arguments, defaults applied",
		query: `{ a: app(owner: "o", id: "1") { id } b: app(owner: "o") { id } c: org(id: "x") { id } }`,
		alias: "a", args: []string{"owner", "id"},
		want: [][]string{{"o", "1"}, {"o", "d"}},
	}, {
		name:  "a missing or non-string argument leaves its field out",
		query: `query($b: ID!, $c: ID) { a: app(owner: "o", id: "1") { id } b: app(owner: $b) { id } c: app(owner: "o", id: $c) { id } }`,
		vars:  map[string]any{"b": json.Number("12"), "c": nil},
		alias: "a", args: []string{"owner", "id"},
		want: [][]string{{"o", "1"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := siblingArgs(fieldCtx(t, tt.query, tt.vars, tt.alias), tt.args...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("siblingArgs (-want +got):\n%s", diff)
			}
		})
	}
}

// Nested fields, even of the root's name, have no siblings to share with.
func TestSiblingArgsOfNestedFieldIsNil(t *testing.T) {
	t.Parallel()
	ctx := fieldCtx(t, `{ a: org(id: "1") { org(id: "2") { id } } b: org(id: "3") { id } }`, nil, "a")
	fc := graphql.GetFieldContext(ctx)
	nested := graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, []string{"Org"})[0]
	for _, object := range []string{"Org", "Query"} {
		child := graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: object, Field: nested})
		if got := siblingArgs(child, "id"); got != nil {
			t.Errorf("field of %s below a root field: %v, want nil", object, got)
		}
	}
	if got := siblingArgs(t.Context(), "id"); got != nil {
		t.Errorf("outside an operation: %v, want nil", got)
	}
}
