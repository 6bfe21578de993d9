package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cleverql/gateway/auth"
	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/internal/inflight"
	"github.com/cleverql/gateway/loaders"
)

// Queries shared across responses, with ShareCalls.
//
// Two identical queries of one caller in flight at once (the same token,
// document, operation name and variables) need the same upstream calls,
// which ShareCalls lets the second join, and so answer the same bytes. The
// second then joins the first's execution too, and answers with its
// response: executing a large answer costs gqlgen far more CPU than the
// rest of a request (about 4 ms for the 20 applications of the bench's
// workload 2, where a whole request of workload 1 costs 0.3 ms).
//
// The rules are those of shared calls ([loaders.Flights]):
//   - Only queries, one caller's: the key holds the token. Mutations and
//     subscriptions never share, nor a document with @defer (more than one
//     response).
//   - The caller's own writes: a query joins an execution that started
//     before the query itself began only if no mutation of the caller ended
//     since that execution started ([loaders.Flights.MayJoin]).
//   - Only clean answers are shared: a response with errors or extensions
//     (an INTERNAL error names its own request's id) goes to the query that
//     made it alone, and each joiner executes the query itself, as it would
//     have without sharing.
//   - Cancellation: the execution runs detached from the request that
//     started it, and is cancelled once no request waits for it. A request
//     whose own time runs out stops waiting, and answers with its
//     context's error.
//   - Nothing is kept once the execution has answered. This is no cache.
//
// The execution's upstream calls count towards the statistics, the log
// line and the trace of the request that started it; a joiner's show none.
type sharedQueries struct {
	executions inflight.Group[string, *graphql.Response]
	flights    *loaders.Flights // the rule on the caller's writes
	presenter  gqlerr.Presenter
	joined     func(kind string)                        // metrics; may be nil
	observe    func(context.Context, *graphql.Response) // a joiner's shared answer, as AroundResponses would
}

// handler returns own, ctx's operation's response handler, sharing its
// execution when the operation is a query that may be shared.
func (s *sharedQueries) handler(ctx context.Context, own graphql.ResponseHandler) graphql.ResponseHandler {
	key, ok := sharedQueryKey(ctx)
	if !ok {
		return own
	}
	token, begun := auth.TokenFrom(ctx), time.Now()
	answered := false
	return func(ctx context.Context) *graphql.Response {
		if answered { // a query has one response
			return nil
		}
		answered = true
		return s.answer(ctx, key, token, begun, own)
	}
}

// sharedQueryKey names ctx's operation for sharing: its caller, name,
// document and variables (encoded with sorted keys); false when it may not
// be shared.
func sharedQueryKey(ctx context.Context) (string, bool) {
	if !graphql.HasOperationContext(ctx) {
		return "", false
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Query || strings.Contains(oc.RawQuery, "@defer") {
		return "", false
	}
	vars, err := json.Marshal(oc.Variables)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	for _, part := range []string{auth.TokenFrom(ctx), oc.OperationName, oc.RawQuery} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	b.Write(vars)
	return b.String(), true
}

// answer joins the execution of key in flight if the query may, or starts
// one for others to join, and waits for its response.
func (s *sharedQueries) answer(ctx context.Context, key, token string, begun time.Time, own graphql.ResponseHandler) *graphql.Response {
	resp, err, joined := s.executions.Do(ctx, key,
		func(started time.Time) bool { return s.flights.MayJoin(token, begun, started) },
		func(ctx context.Context) (*graphql.Response, error) { return s.execute(ctx, own), nil })
	if joined && s.joined != nil {
		s.joined("query")
	}
	switch {
	case err != nil && !joined: // its own execution goes on for those who joined it
		return &graphql.Response{Errors: gqlerror.List{s.presenter.Present(ctx, err)}}
	case !joined:
		return resp
	case err == nil && shareable(resp):
		r := *resp // Data is only read from here on
		s.observe(ctx, &r)
		return &r
	default: // out of time, or an answer for its own query only
		return own(ctx)
	}
}

// shareable reports whether a response may answer queries other than the
// one that made it.
func shareable(r *graphql.Response) bool {
	return r != nil && len(r.Errors) == 0 && len(r.Extensions) == 0 && r.HasNext == nil
}

// execute runs own; a panic, which gqlgen recovers in a resolver but not
// on this goroutine, becomes an INTERNAL error.
func (s *sharedQueries) execute(ctx context.Context, own graphql.ResponseHandler) (resp *graphql.Response) {
	defer func() {
		if r := recover(); r != nil {
			resp = &graphql.Response{Errors: gqlerror.List{s.presenter.Present(ctx, s.presenter.Recover(ctx, r))}}
		}
	}()
	return own(ctx)
}

// inFlight returns how many executions queries may join, and how many
// requests wait for them.
func (s *sharedQueries) inFlight() (queries, waiting int) { return s.executions.InFlight() }
