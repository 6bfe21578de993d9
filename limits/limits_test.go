package limits_test

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/cleverql/gateway/graph"
	"github.com/cleverql/gateway/limits"
)

func measure(t *testing.T, query string, vars map[string]any) limits.Measures {
	t.Helper()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatalf("%s: %v", query, errs)
	}
	return limits.Measure(doc.Operations[0], doc.Fragments, vars)
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		want  limits.Measures
	}{
		{"scalar", `{ zone(name: "par") { name } }`, nil, limits.Measures{Depth: 2, Complexity: 2, RootFields: 1}},
		{"list", `{ zones { name id } }`, nil, limits.Measures{Depth: 2, Complexity: 1 + 20*2, RootFields: 1}},
		{"limit argument", `{ organisation(id: "o") { invoices(limit: 3) { number } } }`, nil, limits.Measures{Depth: 3, Complexity: 1 + (1 + 3*1), RootFields: 1}},
		{"limit variable", `query($l: Int) { organisation(id: "o") { invoices(limit: $l) { number } } }`, map[string]any{"l": int64(5)}, limits.Measures{Depth: 3, Complexity: 1 + (1 + 5*1), RootFields: 1}},
		{"aliases", `{ a: zones { name } b: zones { id } zones { name } }`, nil, limits.Measures{Depth: 2, Complexity: 3 * 21, Aliases: 2, RootFields: 3}},
		{"fragments", `{ ...Q } fragment Q on Query { zones { ...Z } self { id } } fragment Z on Zone { name id }`, nil, limits.Measures{Depth: 2, Complexity: 41 + 2, RootFields: 2}},
		// The foundation's query: 1 + (1 + 20 × (zone 2 + deployments 441 + instances 61 + loadBalancer 2)).
		{"nested", `query($id: ID!) { organisation(id: $id) { applications {
			zone { name } deployments { id instances { id } } instances { id deployment { id } } loadBalancer { id } } } }`,
			nil, limits.Measures{Depth: 5, Complexity: 10122, RootFields: 1}},
	}
	for _, tt := range tests {
		if got := measure(t, tt.query, tt.vars); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestFragmentBombIsBounded(t *testing.T) {
	// A document whose expansion doubles 40 times still measures quickly
	// and far over any limit.
	bomb := "{ zones { ...F0 } }"
	for i := 0; i < 40; i++ {
		next := "F" + itoa(i+1)
		body := "name"
		if i < 39 {
			body = "a" + itoa(i) + ": id ..." + next + " ..." + next
		}
		bomb += " fragment F" + itoa(i) + " on Zone { name " + body + " }"
	}
	if m := measure(t, bomb, nil); m.Complexity <= limits.Defaults.MaxComplexity {
		t.Fatalf("fragment bomb measured %+v", m)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// The standard introspection query (graphql-js getIntrospectionQuery, as
// GraphiQL sends it) passes; introspection that recurses through type
// lists does not.

func TestIntrospection(t *testing.T) {
	query, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	m := measure(t, string(query), nil)
	if m.IntrospectionNested || m.IntrospectionDepth > limits.MaxIntrospectionDepth || m.Depth > limits.Defaults.MaxDepth || m.Complexity > limits.Defaults.MaxComplexity {
		t.Errorf("the standard introspection query measured %+v", m)
	}
	for _, q := range []string{
		`{ __schema { types { fields { type { fields { name } } } } } }`,
		`{ __schema { types { interfaces { possibleTypes { name } } } } }`,
		`{ __schema { types { fields { type { enumValues { name } } } } } }`,
	} {
		if m := measure(t, q, nil); !m.IntrospectionNested {
			t.Errorf("%s measured %+v, want refused", q, m)
		}
	}
}
