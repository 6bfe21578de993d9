// Package limits refuses GraphQL operations that are too large to serve
// (too deep, too complex, too many aliases or root fields) or whose argument
// values are malformed. It runs after validation and before any resolver,
// so a refused operation causes no upstream call, not even for the parents
// of a bad argument.
package limits

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Code is the extensions.code of a refused operation.
const Code = "QUERY_TOO_COMPLEX"

// Limits bound one operation; a zero field takes its default.
type Limits struct {
	MaxDepth      int // nesting of selection sets
	MaxComplexity int // see [Complexity]
	MaxAliases    int // fields selected under another name
	MaxRootFields int // fields of the operation's top selection set
	MaxTokens     int // a document's length, checked before parsing (see [DefaultMaxTokens])
}

// Defaults are generous for a console (the foundation's nested query over
// an organisation is depth 6, complexity about 10,000) and small for abuse.
var Defaults = Limits{MaxDepth: 12, MaxComplexity: 50_000, MaxAliases: 30, MaxRootFields: 20}

// ListCost is how many items an unbounded list field is assumed to hold.
const ListCost = 20

// Extension is a gqlgen handler extension enforcing Limits and checking
// arguments.
type Extension struct {
	Limits Limits
	// Rules check argument or input field values, by name ("limit") or by
	// "InputType.field".
	Rules map[string]Rule
	// IDCheck refuses ID values, e.g. those that could not be one upstream
	// path segment.
	IDCheck func(string) error
	// Documents is gqlgen's cache of validated documents: a document found
	// there is not checked again before validation (see
	// [Extension.MutateOperationParameters]).
	Documents graphql.Cache[*ast.QueryDocument]

	schema *ast.Schema
}

var (
	_ graphql.HandlerExtension          = (*Extension)(nil)
	_ graphql.OperationContextMutator   = (*Extension)(nil)
	_ graphql.OperationParameterMutator = (*Extension)(nil)
)

// ExtensionName implements [graphql.HandlerExtension].
func (*Extension) ExtensionName() string { return "Limits" }

// Validate implements [graphql.HandlerExtension]; it keeps the schema, whose
// input types the argument checks follow.
func (e *Extension) Validate(es graphql.ExecutableSchema) error {
	e.schema = es.Schema()
	return nil
}

// MutateOperationContext measures the operation and checks its arguments.
func (e *Extension) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	l := e.Limits.withDefaults()
	m := Measure(rc.Operation, rc.Doc.Fragments, rc.Variables)
	switch {
	case m.Depth > l.MaxDepth:
		return tooComplex("the query is %d levels deep; at most %d are allowed", m.Depth, l.MaxDepth)
	case m.RootFields > l.MaxRootFields:
		return tooComplex("the query selects %d root fields; at most %d are allowed", m.RootFields, l.MaxRootFields)
	case m.Aliases > l.MaxAliases:
		return tooComplex("the query uses %d aliases; at most %d are allowed", m.Aliases, l.MaxAliases)
	}
	// Arguments before complexity: a limit of 3,000,000,000 is a bad
	// argument, not a complex query.
	c := argChecker{schema: e.schema, vars: rc.Variables, rules: e.Rules, idCheck: e.IDCheck}
	if err := c.check(rc.Operation.SelectionSet, rc.Doc.Fragments, 0); err != nil {
		return err
	}
	switch {
	case m.Complexity > l.MaxComplexity:
		return tooComplex("the query's complexity is %d; at most %d is allowed (lists count %d items unless a limit argument says fewer)", m.Complexity, l.MaxComplexity, ListCost)
	case m.IntrospectionDepth > 0 && rc.DisableIntrospection:
		// Refused here, with a clear error: gqlgen would fail the field with
		// a bare error. (Runs after gqlgen's introspection extension.)
		return badInput("introspection is turned off on this gateway")
	case m.IntrospectionDepth > MaxIntrospectionDepth:
		return tooComplex("the introspection query is %d levels deep; at most %d are allowed", m.IntrospectionDepth, MaxIntrospectionDepth)
	case m.IntrospectionNested:
		return tooComplex("introspection may expand type lists (types, fields, inputFields, interfaces, possibleTypes, enumValues) at most twice along a path, each once")
	}
	if rc.Operation.Operation == ast.Subscription && !singleRootField(rc.Operation.SelectionSet, rc.Doc.Fragments) {
		return badInput("a subscription selects exactly one root field, under one name, without @skip or @include")
	}
	return nil
}

// singleRootField reports whether a subscription's selection set answers
// exactly one response name, without @skip or @include at its root, as the
// GraphQL specification requires. Validation checks field names only, so
// `a: applicationLogs b: applicationLogs` passed it, and gqlgen then failed
// the subscription with an internal error; likewise a root field skipped.
func singleRootField(set ast.SelectionSet, fragments ast.FragmentDefinitionList) bool {
	names := map[string]bool{}
	conditional := false
	var walk func(ast.SelectionSet, int)
	walk = func(set ast.SelectionSet, spreads int) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				names[cmp.Or(s.Alias, s.Name)] = true
				conditional = conditional || hasCondition(s.Directives)
			case *ast.InlineFragment:
				conditional = conditional || hasCondition(s.Directives)
				walk(s.SelectionSet, spreads)
			case *ast.FragmentSpread:
				conditional = conditional || hasCondition(s.Directives)
				if f := fragments.ForName(s.Name); f != nil && spreads < 50 {
					walk(f.SelectionSet, spreads+1)
				}
			}
		}
	}
	walk(set, 0)
	return len(names) == 1 && !conditional
}

func hasCondition(ds ast.DirectiveList) bool {
	return ds.ForName("skip") != nil || ds.ForName("include") != nil
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = Defaults.MaxDepth
	}
	if l.MaxComplexity <= 0 {
		l.MaxComplexity = Defaults.MaxComplexity
	}
	if l.MaxAliases <= 0 {
		l.MaxAliases = Defaults.MaxAliases
	}
	if l.MaxRootFields <= 0 {
		l.MaxRootFields = Defaults.MaxRootFields
	}
	return l
}

func tooComplex(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": Code}}
}

// Measures of one operation. Introspection (__schema, __type) is measured
// apart: answered from the schema in memory, it costs no upstream call, so
// its fields count once each, but its depth is bounded and a type's lists
// may not be expanded again below themselves (the recursion that makes a
// small introspection query huge).
type Measures struct {
	Depth, Complexity, Aliases, RootFields int
	IntrospectionDepth                     int
	IntrospectionNested                    bool
}

// MaxIntrospectionDepth fits the standard introspection query (GraphiQL's),
// whose type references nest ofType some nine levels.
const MaxIntrospectionDepth = 20

// expanding are the introspection fields that list a type's parts.
var expanding = map[string]uint8{"types": 1, "fields": 2, "inputFields": 4, "interfaces": 8, "possibleTypes": 16, "enumValues": 32}

// maxExpansion bounds the work of measuring: fragments spread many times
// can describe an exponential tree, which is refused once it passes this.
const maxExpansion = 1_000_000

// Measure walks op, expanding fragments. Complexity counts every field once
// per item of the lists above it: a list field's children count ListCost
// times, or its limit argument's value times when it has one.
func Measure(op *ast.OperationDefinition, fragments ast.FragmentDefinitionList, vars map[string]any) Measures {
	w := walker{fragments: fragments, vars: vars}
	var m Measures
	m.RootFields = w.countRoot(op.SelectionSet, 0)
	m.Complexity, m.Depth = w.walk(op.SelectionSet, 1, 0)
	m.Aliases = w.aliases
	m.IntrospectionDepth, m.IntrospectionNested = w.introDepth, w.introNested
	if w.visited > maxExpansion {
		m.Complexity = maxExpansion * ListCost
	}
	return m
}

type walker struct {
	fragments   ast.FragmentDefinitionList
	vars        map[string]any
	aliases     int
	visited     int
	introDepth  int
	introNested bool
}

// walk returns the cost and depth of a selection set at depth d, per item of
// its parent; spreads is the fragment nesting, bounded against cycles
// (which validation refuses already).
func (w *walker) walk(set ast.SelectionSet, d, spreads int) (cost, depth int) {
	for _, sel := range set {
		w.visited++
		if w.visited > maxExpansion || spreads > 50 {
			return cost, depth
		}
		var c, dd int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			if s.Name == "__schema" || s.Name == "__type" {
				c, dd = 1, d
				w.introspect(s.SelectionSet, 1, 0, spreads)
				break
			}
			if len(s.SelectionSet) == 0 {
				c, dd = 1, d
				break
			}
			childCost, childDepth := w.walk(s.SelectionSet, d+1, spreads)
			c, dd = 1+multiplier(s, w.vars)*childCost, childDepth
		case *ast.InlineFragment:
			c, dd = w.walk(s.SelectionSet, d, spreads)
		case *ast.FragmentSpread:
			if f := w.fragments.ForName(s.Name); f != nil {
				c, dd = w.walk(f.SelectionSet, d, spreads+1)
			}
		}
		cost += c
		depth = max(depth, dd)
	}
	return cost, depth
}

// introspect walks an introspection selection set at depth d (from the
// __schema or __type field), seen being the expanding lists above it.
func (w *walker) introspect(set ast.SelectionSet, d int, seen uint8, spreads int) {
	w.introDepth = max(w.introDepth, d)
	for _, sel := range set {
		w.visited++
		if w.visited > maxExpansion || spreads > 50 {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			bit := expanding[s.Name]
			if seen&bit != 0 || bits.OnesCount8(seen|bit) > 2 {
				w.introNested = true // the standard query expands types, then one of their lists
			}
			if len(s.SelectionSet) > 0 {
				w.introspect(s.SelectionSet, d+1, seen|bit, spreads)
			}
		case *ast.InlineFragment:
			w.introspect(s.SelectionSet, d, seen, spreads)
		case *ast.FragmentSpread:
			if f := w.fragments.ForName(s.Name); f != nil {
				w.introspect(f.SelectionSet, d, seen, spreads+1)
			}
		}
	}
}

// countRoot counts the fields of the top selection set, through fragments.
func (w *walker) countRoot(set ast.SelectionSet, spreads int) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n++
		case *ast.InlineFragment:
			n += w.countRoot(s.SelectionSet, spreads)
		case *ast.FragmentSpread:
			if f := w.fragments.ForName(s.Name); f != nil && spreads < 50 {
				n += w.countRoot(f.SelectionSet, spreads+1)
			}
		}
	}
	return n
}

// multiplier is how many times a field's children count: 1 for an object,
// the limit argument or ListCost for a list.
func multiplier(f *ast.Field, vars map[string]any) int {
	if f.Definition == nil || f.Definition.Type.Elem == nil {
		return 1
	}
	n := ListCost
	for _, arg := range f.Arguments {
		if arg.Name != "limit" {
			continue
		}
		if v, err := arg.Value.Value(vars); err == nil {
			if lim, ok := toInt(v); ok && lim > 0 {
				n = lim
			}
		}
	}
	return n
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int64:
		return int(n), true
	case int:
		return n, true
	case float64:
		return int(n), true
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}
