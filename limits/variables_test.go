package limits_test

import (
	"cmp"
	"encoding/json"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cleverql/gateway/graph"
	"github.com/cleverql/gateway/limits"
)

// decode reads variables as gqlgen's transports do: numbers as json.Number.
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVariablesBeforeCoercion(t *testing.T) {
	e := &limits.Extension{}
	if err := e.Validate(graph.NewExecutableSchema(graph.Config{})); err != nil {
		t.Fatal(err)
	}
	const apps = `query($l: Int, $f: InstanceFilter) { application(ownerId: "o", id: "a") { deployments(limit: $l) { id } instances(filter: $f) { id } } }`
	const policies = `mutation($p: PulsarStoragePoliciesInput!) { updatePulsarStoragePolicies(addonId: "p", input: $p) { retention { sizeInBytes } } }`
	tests := []struct {
		name, query, vars string
		want              string // the error's message; "" for none
		after             string // the variables after, as JSON; "" when unchanged
	}{
		{"an Int", apps, `{"l": 3}`, "", ""},
		{"a whole Int written as a float", apps, `{"l": 3.0, "f": {"limit": 2e0}}`, "", `{"f":{"limit":2},"l":3}`},
		{"null", apps, `{"l": null, "f": {"limit": null}}`, "", ""},
		{"a fraction", apps, `{"l": 1.5}`, `variable "$l": must be a whole number between -2147483648 and 2147483647, got 1.5`, ""},
		{"beyond 32 bits", apps, `{"l": -2147483649}`, `variable "$l": must be a whole number between -2147483648 and 2147483647, got -2147483649`, ""},
		{"a string", apps, `{"l": "3"}`, `variable "$l": must be a whole number between -2147483648 and 2147483647, got a string`, ""},
		{"a list", apps, `{"l": [3]}`, `got a list`, ""},
		{"in an input object", apps, `{"f": {"limit": true}}`, `variable "$f": limit: must be a whole number between -2147483648 and 2147483647, got true`, ""},
		{"an unknown field is gqlparser's to report", apps, `{"f": {"nope": 1.5}}`, "", ""},
		{"a Float beyond float64", policies, `{"p": {"retention": {"sizeInBytes": 1e400}}}`, `variable "$p": retention: sizeInBytes: must be a finite number, got 1e400`, ""},
		{"a Float", policies, `{"p": {"retention": {"sizeInBytes": 1.5e3, "durationInMinutes": 60.0}}}`, "", `{"p":{"retention":{"durationInMinutes":60,"sizeInBytes":1.5e3}}}`},
		{"a long number is cut in the message", apps, `{"l": 0.` + strings.Repeat("1", 100) + `}`, `got 0.` + strings.Repeat("1", 38) + `…`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &graphql.RawParams{Query: tt.query, Variables: decode(t, tt.vars)}
			err := e.MutateOperationParameters(t.Context(), p)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Message, tt.want) || err.Extensions["code"] != limits.BadInputCode):
				t.Fatalf("got %v, want BAD_USER_INPUT %q", err, tt.want)
			}
			after, _ := json.Marshal(p.Variables)
			want := cmp.Or(tt.after, string(mustCompact(t, tt.vars)))
			if string(after) != want {
				t.Errorf("variables after: %s, want %s", after, want)
			}
		})
	}
}

func mustCompact(t *testing.T, s string) []byte {
	t.Helper()
	b, err := json.Marshal(decode(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOperationIsPickedWithClearErrors(t *testing.T) {
	e := &limits.Extension{}
	tests := []struct{ query, name, want string }{
		{`query A { zones { name } }`, "", ""},
		{`query A { zones { name } }`, "A", ""},
		{`query A { zones { name } } query B { self { id } }`, "B", ""},
		{`query A { zones { name } } query B { self { id } }`, "", `the document holds 2 operations ("A", "B"): operationName must name the one to run`},
		{`query A { zones { name } } { self { id } }`, "C", `the document holds no operation named "C"; it holds "A", one without a name`},
		{`fragment F on Zone { name }`, "", "the document holds no operation (a query, mutation or subscription), only fragments"},
		{strings.Repeat(`query Q { zones { name } } `, 12), "", `the document holds 12 operations ("Q", "Q", "Q", "Q", "Q", "Q", "Q", "Q", "Q", "Q", and 2 more)`},
	}
	for _, tt := range tests {
		err := e.MutateOperationParameters(t.Context(), &graphql.RawParams{Query: tt.query, OperationName: tt.name})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s (%q): got %v, want none", tt.query, tt.name, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Message, tt.want) || err.Extensions["code"] != limits.BadInputCode):
			t.Errorf("%s (%q): got %v, want %q", tt.query, tt.name, err, tt.want)
		}
	}
}

// NonNegativeWhole's error states its bounds, which are not the type's.
func TestNonNegativeWholeStatesItsBounds(t *testing.T) {
	for _, v := range []any{float64(1<<53 + 2), float64(-1), 0.5, int64(-3)} {
		err := limits.NonNegativeWhole(v)
		if err == nil || !strings.Contains(err.Error(), "from 0 to 9007199254740992") {
			t.Errorf("%v: got %v, want an error with the bounds", v, err)
		}
	}
	for _, v := range []any{float64(1 << 53), float64(0), int64(60)} {
		if err := limits.NonNegativeWhole(v); err != nil {
			t.Errorf("%v: %v", v, err)
		}
	}
}
