package limits

import (
	"cmp"
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// Documents, before validation.
//
// Validation compares every two fields that answer under one name in one
// selection set, fragments and inline fragments merged in
// (OverlappingFieldsCanBeMerged), and every two fragments spread together:
// work that grows with the square of the repetitions. `{ self { name name
// … } }` with `name` 10,000 times is a 50 KB document whose validation
// takes 4 s of CPU, and 30,000 times 40 s, before Measure (which needs a
// validated document) can refuse anything, and beyond the request's
// deadline, which validation does not watch. So a document new to the
// gateway is parsed first and its merging measured; one that would cost
// validation more than any real query does is refused before validation.

// DefaultMaxTokens bounds a document's length: about 60 KB of query text,
// some 40 times the foundation's nested query over an organisation.
const DefaultMaxTokens = 15_000

const (
	// maxMergeWork bounds the comparisons validation would make: fields
	// that answer under one name, pairwise, in each selection set merged as
	// execution merges them, plus fragments spread together, pairwise, at
	// five times the weight (each pair compares their fields, through a
	// memo). Validation spends 100 to 250 ns on each, so this is at most
	// some 20 ms; real queries need a few hundred.
	maxMergeWork = 100_000
	// maxMergedSelections bounds the selections visited with fragments
	// expanded once per merged selection set, which a document whose
	// fragments spread each other twice over would make exponential.
	maxMergedSelections = 100_000
)

// MutateOperationParameters refuses, before gqlgen parses and validates
// it, a document longer than MaxTokens or whose validation would merge too
// much (see [CheckDocument]). A document in Documents passed already, so
// the check costs a cache lookup; one that does not parse is left to gqlgen,
// whose error says where. It then picks the operation, and checks the
// numbers among its variables (see variables.go).
func (e *Extension) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	doc, err := e.document(ctx, p.Query)
	if err != nil || doc == nil {
		return err
	}
	op, err := operation(doc, p.OperationName)
	if err != nil {
		return err
	}
	return e.checkVariables(op, p)
}

// document returns query's syntax tree: from Documents, or parsed and
// checked; nil when it does not parse.
func (e *Extension) document(ctx context.Context, query string) (*ast.QueryDocument, *gqlerror.Error) {
	if e.Documents != nil {
		if doc, ok := e.Documents.Get(ctx, query); ok {
			return doc, nil
		}
	}
	maxTokens := cmp.Or(e.Limits.MaxTokens, DefaultMaxTokens)
	if tokensOver(query, maxTokens) {
		return nil, tooComplex("the document is longer than %d tokens, the most allowed", maxTokens)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil, nil
	}
	return doc, CheckDocument(doc)
}

// tokensOver reports whether query has more than n tokens (punctuation,
// names, values); false too when it does not lex, which the parser reports.
func tokensOver(query string, n int) bool { return countTokens(query, n+1) > n }

// Tokens returns how many tokens query has (punctuation, names, values),
// up to where it stops lexing.
func Tokens(query string) int { return countTokens(query, -1) }

// TreeBytesPerToken bounds what a parsed document weighs per token: 216 to
// 228 bytes for the densest shapes (values in a list, a field repeated),
// 75 to 90 for usual queries (gqlparser v2.5.64, measured).
const TreeBytesPerToken = 240

// countTokens counts query's tokens, stopping at most (none if negative).
func countTokens(query string, most int) int {
	lx := lexer.New(&ast.Source{Input: query})
	for n := 0; ; n++ {
		if n == most {
			return n
		}
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return n
		}
	}
}

// CheckDocument refuses a document whose validation would cost far more
// than any real query's: one with a fragment that spreads itself (which
// validation refuses too, after the work), one whose fragments expand past
// maxMergedSelections, or one whose repeated fields and fragments would
// take validation more than maxMergeWork comparisons. It reads the
// document as parsed, before validation: unknown fields and fragments are
// validation's to report.
func CheckDocument(doc *ast.QueryDocument) *gqlerror.Error {
	m := merger{fragments: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)), order: doc.Fragments}
	for _, f := range doc.Fragments {
		m.fragments[f.Name] = f
	}
	if name := m.cycle(); name != "" {
		return &gqlerror.Error{
			Message:    `fragment "` + name + `" spreads itself: a fragment may not be spread within itself`,
			Extensions: map[string]any{"code": BadInputCode},
		}
	}
	// Validation compares within each operation, and within each fragment
	// on its own (a fragment no operation uses included).
	for _, op := range doc.Operations {
		m.set([]ast.SelectionSet{op.SelectionSet})
	}
	for _, f := range doc.Fragments {
		m.set([]ast.SelectionSet{f.SelectionSet})
	}
	switch {
	case m.selections > maxMergedSelections:
		return tooComplex("the document's fragments expand to more than %d selections; spread each fragment where it is needed only", maxMergedSelections)
	case m.work > maxMergeWork:
		return tooComplex("the document selects the same fields or fragments too many times over in one selection set; select each once")
	}
	return nil
}

// merger measures the merging validation does: see [CheckDocument].
type merger struct {
	fragments  map[string]*ast.FragmentDefinition
	order      ast.FragmentDefinitionList // as written, for a stable answer
	selections int                        // visited, fragments expanded
	work       int                        // comparisons, weighted
}

func (m *merger) over() bool {
	return m.selections > maxMergedSelections || m.work > maxMergeWork
}

// set merges the selection sets that answer under one name (an
// operation's; or the children of the fields that share a response name),
// with their inline fragments and each fragment they spread once, counts
// the comparisons validation makes among what it gathers, and goes on
// below, one merged set per response name.
func (m *merger) set(sets []ast.SelectionSet) {
	counts := map[string]int{}                  // fields per response name
	children := map[string][]ast.SelectionSet{} // their selection sets
	spread := map[string]bool{}                 // fragments gathered
	var gather func(ast.SelectionSet)
	gather = func(set ast.SelectionSet) {
		raw := 0 // spreads as written, a fragment spread again included
		for _, sel := range set {
			if m.selections++; m.over() {
				return
			}
			switch s := sel.(type) {
			case *ast.Field:
				name := cmp.Or(s.Alias, s.Name)
				counts[name]++
				if len(s.SelectionSet) > 0 {
					children[name] = append(children[name], s.SelectionSet)
				}
			case *ast.InlineFragment:
				gather(s.SelectionSet)
			case *ast.FragmentSpread:
				raw++
				if f := m.fragments[s.Name]; f != nil && !spread[s.Name] {
					spread[s.Name] = true
					gather(f.SelectionSet)
				}
			}
		}
		m.work += raw * (raw - 1) / 40 // a fragment against itself is one memo lookup
	}
	for _, s := range sets {
		gather(s)
	}
	n := len(spread)
	m.work += 5 * n * (n - 1) / 2
	for _, k := range counts {
		m.work += k * (k - 1) / 2
	}
	for _, sets := range children {
		if m.over() {
			return
		}
		m.set(sets)
	}
}

// cycle returns a fragment that spreads itself, directly or through
// others; "" when none does. Spreads of unknown fragments are skipped.
func (m *merger) cycle() string {
	const (
		unseen = iota
		open
		done
	)
	state := make(map[string]int, len(m.fragments))
	var visit func(name string) string
	visit = func(name string) string {
		switch state[name] {
		case open:
			return name
		case done:
			return ""
		}
		state[name] = open
		for _, next := range spreadsIn(m.fragments[name].SelectionSet, nil) {
			if m.fragments[next] == nil {
				continue
			}
			if found := visit(next); found != "" {
				return found
			}
		}
		state[name] = done
		return ""
	}
	for _, f := range m.order {
		if found := visit(f.Name); found != "" {
			return found
		}
	}
	return ""
}

// spreadsIn appends the names of the fragments set spreads, at any depth
// below it short of other fragments.
func spreadsIn(set ast.SelectionSet, names []string) []string {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			names = spreadsIn(s.SelectionSet, names)
		case *ast.InlineFragment:
			names = spreadsIn(s.SelectionSet, names)
		case *ast.FragmentSpread:
			names = append(names, s.Name)
		}
	}
	return names
}
