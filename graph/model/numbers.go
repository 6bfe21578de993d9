package model

import (
	"fmt"
	"math"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/limits"
)

// Int and Float follow the GraphQL specification's input coercion strictly,
// where gqlgen's built-ins are lenient: a string is never a number, an Int
// is a whole number in 32 bits, and a Float is finite (gqlgen would parse
// the strings "NaN" and "Inf").

// MarshalInt writes a GraphQL Int.
func MarshalInt(i int) graphql.Marshaler { return graphql.MarshalInt(i) }

// UnmarshalInt reads a GraphQL Int argument.
func UnmarshalInt(v any) (int, error) {
	f, ok := limits.Number(v)
	if !ok {
		return 0, gqlerr.BadInput("Int must be a number, got %s", describe(v))
	}
	if f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, gqlerr.BadInput("Int must be a whole number between %d and %d, got %v", math.MinInt32, math.MaxInt32, f)
	}
	return int(f), nil
}

// MarshalFloat writes a GraphQL Float.
func MarshalFloat(f float64) graphql.Marshaler { return graphql.MarshalFloat(f) }

// UnmarshalFloat reads a GraphQL Float argument.
func UnmarshalFloat(v any) (float64, error) {
	f, ok := limits.Number(v)
	if !ok {
		return 0, gqlerr.BadInput("Float must be a number, got %s", describe(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, gqlerr.BadInput("Float must be a finite number")
	}
	return f, nil
}

// describe names an argument's kind without echoing much of it.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", clip(v))
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}
