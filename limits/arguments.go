package limits

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Arguments are checked before any resolver runs, so a bad value on a
// nested field costs no upstream call for its parents either. The checks
// follow the schema's types:
//   - ID: one safe upstream path segment (see IDCheck);
//   - String: at most MaxString bytes;
//   - Int: a whole number in 32 bits; Float: a finite number (no strings);
//   - Time: an RFC 3339 string;
//   - wherever an argument list or input object has both since and until,
//     since is not after until;
//   - Rules, by argument or input field name ("limit") or by
//     "InputType.field" ("PulsarPolicyInput.sizeInBytes").
// Input objects and lists are checked field by field.

// BadInputCode is the extensions.code of a refused argument.
const BadInputCode = "BAD_USER_INPUT"

// MaxString bounds String arguments (zone names, log filters).
const MaxString = 1024

// A Rule checks one non-null value (int64 for Int, float64 for Float).
type Rule func(v any) error

// Range accepts whole numbers within [lo, hi].
func Range(lo, hi int64) Rule {
	return func(v any) error {
		if n, ok := v.(int64); !ok || n < lo || n > hi {
			return fmt.Errorf("must be between %d and %d, got %v", lo, hi, v)
		}
		return nil
	}
}

// NonNegativeWhole accepts whole numbers from 0 to 2^53 (what a float64
// holds exactly).
func NonNegativeWhole(v any) error {
	var f float64
	switch n := v.(type) {
	case int64:
		f = float64(n)
	case float64:
		f = n
	}
	if f < 0 || f != math.Trunc(f) || f > 1<<53 {
		return fmt.Errorf("must be a whole number from 0 to 9007199254740992 (2^53: beyond it, the upstream's JSON numbers are not exact), got %v", v)
	}
	return nil
}

type argChecker struct {
	schema  *ast.Schema
	vars    map[string]any
	rules   map[string]Rule
	idCheck func(string) error
	visited int
}

// checkArguments returns the first bad argument of op, or nil.
func (c *argChecker) check(set ast.SelectionSet, fragments ast.FragmentDefinitionList, spreads int) *gqlerror.Error {
	for _, sel := range set {
		c.visited++
		if c.visited > maxExpansion || spreads > 50 {
			return nil // Measure refuses such documents
		}
		switch s := sel.(type) {
		case *ast.Field:
			if err := c.field(s); err != nil {
				return err
			}
			if err := c.check(s.SelectionSet, fragments, spreads); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := c.check(s.SelectionSet, fragments, spreads); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil {
				if err := c.check(f.SelectionSet, fragments, spreads+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *argChecker) field(f *ast.Field) *gqlerror.Error {
	if f.Definition == nil || len(f.Definition.Arguments) == 0 {
		return nil
	}
	values := map[string]any{}
	for _, arg := range f.Arguments {
		v, err := arg.Value.Value(c.vars)
		if err != nil {
			continue // validation already reported it
		}
		values[arg.Name] = v
	}
	for _, def := range f.Definition.Arguments {
		v, ok := values[def.Name]
		if !ok || v == nil {
			continue
		}
		if err := c.value(def.Type, "", def.Name, v); err != nil {
			return c.fail(f, fmt.Sprintf("argument %q of %s: %s", def.Name, f.Name, err))
		}
	}
	if err := sinceUntil(values); err != nil {
		return c.fail(f, fmt.Sprintf("arguments of %s: %s", f.Name, err))
	}
	return nil
}

func (c *argChecker) fail(f *ast.Field, msg string) *gqlerror.Error {
	e := badInput("%s", msg)
	if f.Position != nil {
		e.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	return e
}

// value checks v against t; parent is the input type holding it ("" for
// an argument) and name its field or argument name.
func (c *argChecker) value(t *ast.Type, parent, name string, v any) error {
	if v == nil {
		return nil
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok { // a single value coerces to a list of one
			return c.value(t.Elem, parent, name, v)
		}
		for i, item := range list {
			if err := c.value(t.Elem, parent, name, item); err != nil {
				return fmt.Errorf("[%d] %w", i, err)
			}
		}
		return nil
	}
	normalized, err := c.scalar(t.NamedType, v)
	if err != nil {
		return err
	}
	for _, key := range []string{name, parent + "." + name} {
		if rule := c.rules[key]; rule != nil {
			if err := rule(normalized); err != nil {
				return err
			}
		}
	}
	if def := c.schema.Types[t.NamedType]; def != nil && def.Kind == ast.InputObject {
		fields, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("must be an object")
		}
		for _, fd := range def.Fields {
			if err := c.value(fd.Type, def.Name, fd.Name, fields[fd.Name]); err != nil {
				return fmt.Errorf("%s: %w", fd.Name, err)
			}
		}
		return sinceUntil(fields)
	}
	return nil
}

// scalar checks a scalar and returns it normalised for rules: int64 for
// Int, float64 for Float, the value itself otherwise.
func (c *argChecker) scalar(typ string, v any) (any, error) {
	switch typ {
	case "ID":
		s, ok := v.(string)
		if !ok {
			if n, isNum := v.(json.Number); isNum {
				s = n.String()
			} else if i, isInt := v.(int64); isInt {
				s = fmt.Sprint(i)
			} else {
				return nil, fmt.Errorf("must be a string")
			}
		}
		if c.idCheck != nil {
			if err := c.idCheck(s); err != nil {
				return nil, err
			}
		}
		return s, nil
	case "String":
		if s, ok := v.(string); ok && len(s) > MaxString {
			return nil, fmt.Errorf("longer than %d bytes", MaxString)
		}
	case "Int":
		f, ok := Number(v)
		if !ok || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return nil, fmt.Errorf("must be a whole number between %d and %d", math.MinInt32, math.MaxInt32)
		}
		return int64(f), nil
	case "Float":
		f, ok := Number(v)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("must be a finite number")
		}
		return f, nil
	case "Time":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be an RFC 3339 string such as 2026-01-31T12:00:00Z")
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, fmt.Errorf("must be RFC 3339, such as 2026-01-31T12:00:00Z")
		}
	}
	return v, nil
}

// Number reads a JSON or literal argument value as a number; a string is
// never a number (the GraphQL specification's input coercion).
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// sinceUntil refuses a since after until among values.
func sinceUntil(values map[string]any) error {
	s, ok1 := values["since"].(string)
	u, ok2 := values["until"].(string)
	if !ok1 || !ok2 {
		return nil
	}
	since, err1 := time.Parse(time.RFC3339Nano, s)
	until, err2 := time.Parse(time.RFC3339Nano, u)
	if err1 == nil && err2 == nil && since.After(until) {
		return fmt.Errorf("since (%s) must not be after until (%s)", strings.TrimSpace(s), strings.TrimSpace(u))
	}
	return nil
}
