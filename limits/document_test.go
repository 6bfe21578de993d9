package limits_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/cleverql/gateway/limits"
)

// Documents whose validation would compare fields pairwise by the million
// are refused before validation; real ones, the standard introspection
// query included, pass.
func TestCheckDocument(t *testing.T) {
	t.Parallel()
	intro, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	rep := strings.Repeat
	numbered := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	tests := []struct {
		name, query string
		refused     string // part of the error message; "" when it passes
	}{
		{"introspection", string(intro), ""},
		{"nested with fragments", `query($id: ID!) { organisation(id: $id) { ...Org applications { ...App deployments { id } instances { id deployment { id } } } } }
			fragment Org on Organisation { id name } fragment App on Application { id name zone { name } }`, ""},
		{"a field repeated a few times", "{ self { id name name ... on User { name id } } }", ""},
		{"thirty fragments on one object", "{ self { " + numbered(30, "...F%d ") + "} } " + numbered(30, "fragment F%d on User { id name } "), ""},
		{"a field repeated 5,000 times", "{ self { " + rep("name ", 5000) + "} }", "too many times over"},
		{"an object repeated 1,000 times", "{ " + rep("self { name } ", 1000) + "}", "too many times over"},
		{"inline fragments repeated", "{ self { " + rep("... on User { name } ", 3000) + "} }", "too many times over"},
		{"a fragment spread 5,000 times", "{ self { " + rep("...F ", 5000) + "} } fragment F on User { name }", "too many times over"},
		{"1,500 fragments spread together", "{ self { " + numbered(1500, "...F%d ") + "} } " + numbered(1500, "fragment F%d on User { name } "), "too many times over"},
		{"repetitions in a fragment no operation uses", "{ self { name } } fragment U on User { " + rep("name ", 5000) + "}", "too many times over"},
		{"repetitions below a fragment several operations use", numbered(300, "query Q%d { self { ...F } } ") + "fragment F on User { " + rep("name id ", 1500) + "}", "too many times over"},
		{"a fragment cycle beside repetitions", "{ self { ...A " + rep("name ", 3000) + "} } fragment A on User { ...B } fragment B on User { ...A }", `fragment "A" spreads itself`},
		{"fragments expanding exponentially", "{ self { ...F0 } } " + doubling(30), "expand to more than"},
	}

	for _, tt := range tests {
		doc, err := parser.ParseQuery(&ast.Source{Input: tt.query})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := limits.CheckDocument(doc)
		switch {
		case tt.refused == "" && got != nil:
			t.Errorf("%s: refused: %v", tt.name, got)
		case tt.refused != "" && got == nil:
			t.Errorf("%s: passed", tt.name)
		case tt.refused != "" && !strings.Contains(got.Message, tt.refused):
			t.Errorf("%s: %q, want it to say %q", tt.name, got.Message, tt.refused)
		case got != nil && got.Extensions["code"] == nil:
			t.Errorf("%s: no code: %v", tt.name, got)
		}
	}
}

// doubling defines fragments F0 to Fn, each spreading the next under two
// names: 2^n selections once expanded.
func doubling(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on User { x: self { ...F%d } y: self { ...F%d } } ", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on User { name }", n)
	return b.String()
}

// The token bound is checked before anything is parsed, and a document
// found in gqlgen's cache of validated documents is not checked again.
func TestDocumentsBeforeValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	docs := lru.New[*ast.QueryDocument](10)
	e := &limits.Extension{Limits: limits.Limits{MaxTokens: 12}, Documents: docs}

	short := "{ self { id name } }"                             // 6 tokens
	long := "{ self { id name organisations { id name } id } }" // 13 tokens
	if err := e.MutateOperationParameters(ctx, &graphql.RawParams{Query: short}); err != nil {
		t.Errorf("a short document: %v", err)
	}
	err := e.MutateOperationParameters(ctx, &graphql.RawParams{Query: long})
	if err == nil || err.Extensions["code"] != limits.Code || !strings.Contains(err.Message, "longer than 12 tokens") {
		t.Errorf("a document of 13 tokens: %v", err)
	}
	if err := e.MutateOperationParameters(ctx, &graphql.RawParams{Query: "{ self { "}); err != nil {
		t.Errorf("a syntax error is for gqlgen to report, with its place: %v", err)
	}

	repeated := "{ self { " + strings.Repeat("name ", 3000) + "} }"
	e.Limits.MaxTokens = 0 // the default
	if err := e.MutateOperationParameters(ctx, &graphql.RawParams{Query: repeated}); err == nil {
		t.Fatal("a field repeated 3,000 times passed")
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: repeated})
	if perr != nil {
		t.Fatal(perr)
	}
	docs.Add(ctx, repeated, doc)
	if err := e.MutateOperationParameters(ctx, &graphql.RawParams{Query: repeated}); err != nil {
		t.Errorf("a document in the cache was checked again: %v", err)
	}
}
