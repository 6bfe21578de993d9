package limits

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Before gqlparser picks the operation and coerces its variables, the
// gateway does both for what gqlparser words badly:
//   - a document of several operations without operationName gets
//     "operation  not found", naming nothing; one whose operationName names
//     none of them gets "operation C not found", without saying which it
//     holds;
//   - an Int variable of 1.5 or 1e20 gets "cannot use value 0 as Int" (it
//     prints what its failed conversion left), and a number in an input
//     object "cannot use string as Int" (it sees json.Number, a string
//     type); a whole number written 3.0 is refused, where the GraphQL
//     specification takes it (graphql-js does).
//
// So an Int or Float variable, at any depth, is checked as an argument is
// ([argChecker.scalar]), and a whole Int written as a float is rewritten
// as the integer it is.

// operation returns the operation p runs, or an error that names the
// operations doc holds.
func operation(doc *ast.QueryDocument, name string) (*ast.OperationDefinition, *gqlerror.Error) {
	ops := doc.Operations
	switch {
	case len(ops) == 0:
		return nil, badInput("the document holds no operation (a query, mutation or subscription), only fragments")
	case name == "" && len(ops) > 1:
		return nil, badInput("the document holds %d operations (%s): operationName must name the one to run", len(ops), operationNames(ops))
	case name == "":
		return ops[0], nil
	}
	if op := ops.ForName(name); op != nil {
		return op, nil
	}
	return nil, badInput("the document holds no operation named %q; it holds %s", name, operationNames(ops))
}

// operationNames lists ops' names for an error: the first ten.
func operationNames(ops ast.OperationList) string {
	names := make([]string, 0, min(len(ops), 10))
	for _, op := range ops[:min(len(ops), 10)] {
		if op.Name == "" {
			names = append(names, "one without a name")
		} else {
			names = append(names, strconv.Quote(op.Name))
		}
	}
	if len(ops) > 10 {
		names = append(names, fmt.Sprintf("and %d more", len(ops)-10))
	}
	return strings.Join(names, ", ")
}

// checkVariables checks the numbers among op's variables in p, and
// rewrites a whole Int written as a float (3.0) as an integer.
func (e *Extension) checkVariables(op *ast.OperationDefinition, p *graphql.RawParams) *gqlerror.Error {
	if e.schema == nil || len(p.Variables) == 0 {
		return nil
	}
	for _, vd := range op.VariableDefinitions {
		v, ok := p.Variables[vd.Variable]
		if !ok {
			continue
		}
		v, err := e.numbers(vd.Type, v, 0)
		if err != nil {
			return &gqlerror.Error{
				Message:    fmt.Sprintf("variable \"$%s\": %s", vd.Variable, err),
				Path:       ast.Path{ast.PathName("variable"), ast.PathName(vd.Variable)},
				Extensions: map[string]any{"code": BadInputCode},
			}
		}
		p.Variables[vd.Variable] = v
	}
	return nil
}

// maxInputDepth bounds the input objects and lists checkVariables follows
// into; gqlparser refuses deeper values on its own terms.
const maxInputDepth = 64

// numbers checks the Int and Float values of v, of type t, and returns v
// with whole Ints written as floats rewritten. What is not a number where
// a number goes is refused too; the rest is left to gqlparser.
func (e *Extension) numbers(t *ast.Type, v any, depth int) (any, error) {
	if v == nil || depth > maxInputDepth {
		return v, nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok { // a single value coerces to a list of one
			return e.numbers(t.Elem, v, depth+1)
		}
		for i, item := range list {
			item, err := e.numbers(t.Elem, item, depth+1)
			if err != nil {
				return v, fmt.Errorf("[%d] %w", i, err)
			}
			list[i] = item
		}
		return list, nil
	}
	switch t.NamedType {
	case "Int":
		if _, err := (&argChecker{}).scalar("Int", v); err != nil {
			return v, fmt.Errorf("%w, got %s", err, describe(v))
		}
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil && f == math.Trunc(f) {
				return json.Number(strconv.FormatInt(int64(f), 10)), nil
			}
		}
		return v, nil
	case "Float":
		if _, err := (&argChecker{}).scalar("Float", v); err != nil {
			return v, fmt.Errorf("%w, got %s", err, describe(v))
		}
		return v, nil
	}
	def := e.schema.Types[t.NamedType]
	fields, ok := v.(map[string]any)
	if def == nil || def.Kind != ast.InputObject || !ok {
		return v, nil
	}
	for _, fd := range def.Fields {
		fv, present := fields[fd.Name]
		if !present {
			continue
		}
		fv, err := e.numbers(fd.Type, fv, depth+1)
		if err != nil {
			return v, fmt.Errorf("%s: %w", fd.Name, err)
		}
		fields[fd.Name] = fv
	}
	return v, nil
}

// describe names a JSON value for an error: a number as it was written,
// anything else by its kind.
func describe(v any) string {
	switch v := v.(type) {
	case json.Number:
		if len(v) > 40 {
			return string(v[:40]) + "…"
		}
		return string(v)
	case float64, int, int64, bool:
		return fmt.Sprint(v)
	case string:
		return "a string"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return "a value of another type"
}

// badInput is a BAD_USER_INPUT error.
func badInput(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": BadInputCode}}
}
