package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/internal/wait"
	"github.com/cleverql/gateway/observe"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// send posts a query from a goroutine, within ctx; its answer comes on the
// channel.
func (e *env) send(t *testing.T, ctx context.Context, token, query string, vars map[string]any) <-chan response {
	t.Helper()
	req := queryRequest(t, token, query, vars).WithContext(ctx)
	answer := make(chan response, 1)
	go func() {
		rec := httptest.NewRecorder()
		e.gw.ServeHTTP(rec, req)
		r := response{status: rec.Code, raw: rec.Body.Bytes()}
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			r.raw = append([]byte("not JSON: "), r.raw...)
		}
		answer <- r
	}()
	return answer
}

const selfApps = `{ self { applications { id name } } }`

// With ShareCalls, identical queries of one caller in flight at once share
// one execution and answer the same bytes; another caller's, or other
// variables, execute on their own.
func TestShareQueries(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) { o.ShareCalls, o.Metrics = true, observe.NewMetrics() })
	gate := make(chan struct{})
	e.fake.Inject(upstreamtest.RouteSelf, upstreamtest.Fault{Hold: gate})
	first := e.send(t, t.Context(), upstreamtest.TokenAlice, selfApps, nil)
	wait.Until(t, "the first query's call, held", func() bool { return e.fake.Held() == 1 })
	same := []<-chan response{
		e.send(t, t.Context(), upstreamtest.TokenAlice, selfApps, nil),
		e.send(t, t.Context(), upstreamtest.TokenAlice, selfApps, nil),
	}
	bob := e.send(t, t.Context(), upstreamtest.TokenBob, selfApps, nil)
	wait.Until(t, "two executions, one joined twice", func() bool {
		q, w := e.gw.SharedQueries()
		return q == 2 && w == 4 && e.fake.Held() == 2
	})
	close(gate)

	want := <-first
	mustNoErrors(t, want)
	for _, c := range same {
		if got := <-c; !bytes.Equal(got.raw, want.raw) {
			t.Errorf("a joined query answered\n%s\nwant\n%s", got.raw, want.raw)
		}
	}
	if b := <-bob; len(b.Errors) > 0 || bytes.Equal(b.raw, want.raw) {
		t.Errorf("another caller's query answered %s", b.raw)
	}
	if diff := cmp.Diff(map[string]int{upstreamtest.RouteSelf: 2, upstreamtest.RouteSelfApplications: 2}, e.fake.Counts()); diff != "" {
		t.Errorf("upstream calls per route (-want +got):\n%s", diff)
	}
	if joined := value(scrape(t, e)["gateway_upstream_calls_joined_total"], map[string]string{"loader": "query"}); joined != 2 {
		t.Errorf("gateway_upstream_calls_joined_total{loader=query} = %v, want 2", joined)
	}
	if q, w := e.gw.SharedQueries(); q != 0 || w != 0 {
		t.Errorf("after the answers: %d executions, %d waiting", q, w)
	}
	// Nothing is kept: the same query now executes again.
	mustNoErrors(t, e.query(t, upstreamtest.TokenAlice, selfApps, nil))
	if n := e.fake.Count(upstreamtest.RouteSelf); n != 3 {
		t.Errorf("%d calls to /v2/self, want 3", n)
	}
}

// An answer with errors goes to the query that made it alone: a query
// that joined it executes on its own.
func TestShareQueriesKeepsErrorsToTheirQuery(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) { o.ShareCalls = true })
	gate := make(chan struct{})
	e.fake.Inject(upstreamtest.RouteSelfApplications, upstreamtest.Fault{Status: http.StatusForbidden, Hold: gate, Times: 1})
	first := e.send(t, t.Context(), upstreamtest.TokenAlice, selfApps, nil)
	wait.Until(t, "the failing call, held", func() bool { return e.fake.Held() == 1 })
	joined := e.send(t, t.Context(), upstreamtest.TokenAlice, selfApps, nil)
	wait.Until(t, "the second query to join", func() bool { _, w := e.gw.SharedQueries(); return w == 2 })
	close(gate)
	if r := <-first; len(r.Errors) == 0 || r.Errors[0].code() != "FORBIDDEN" {
		t.Fatalf("the first query answered %s", r.raw)
	}
	mustNoErrors(t, <-joined)
	if n := e.fake.Count(upstreamtest.RouteSelfApplications); n != 2 {
		t.Errorf("%d applications calls, want 2", n)
	}
}

// The shared execution outlives the request that started it while another
// waits for it, and ends, its calls cancelled, once nobody does.
func TestShareQueriesCancellation(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) { o.ShareCalls = true })
	gate := make(chan struct{})
	e.fake.Inject(upstreamtest.RouteSelf, upstreamtest.Fault{Hold: gate, Times: 1})
	leaderCtx, leave := context.WithCancel(t.Context())
	leader := e.send(t, leaderCtx, upstreamtest.TokenAlice, selfApps, nil)
	wait.Until(t, "the call, held", func() bool { return e.fake.Held() == 1 })
	joiner := e.send(t, t.Context(), upstreamtest.TokenAlice, selfApps, nil)
	wait.Until(t, "the second query to join", func() bool { _, w := e.gw.SharedQueries(); return w == 2 })
	leave()
	if r := <-leader; len(r.Errors) == 0 {
		t.Errorf("the query whose client left answered %s", r.raw)
	}
	if e.fake.Held() != 1 {
		t.Fatal("the call was cancelled while a query still waited for it")
	}
	close(gate)
	mustNoErrors(t, <-joiner)
	if n := e.fake.Count(upstreamtest.RouteSelf); n != 1 {
		t.Errorf("%d calls to /v2/self, want 1", n)
	}

	// Both leave: the execution ends, and its held call with it.
	hold := make(chan struct{})
	defer close(hold)
	e.fake.Inject(upstreamtest.RouteSelf, upstreamtest.Fault{Hold: hold, Times: 1})
	ctx, leaveBoth := context.WithCancel(t.Context())
	a, b := e.send(t, ctx, upstreamtest.TokenAlice, selfApps, nil), e.send(t, ctx, upstreamtest.TokenAlice, selfApps, nil)
	wait.Until(t, "one held call for both", func() bool { _, w := e.gw.SharedQueries(); return w == 2 && e.fake.Held() == 1 })
	leaveBoth()
	<-a
	<-b
	if q, w := e.gw.SharedQueries(); q != 0 || w != 0 { // the last to leave ended it
		t.Errorf("after both left: %d executions, %d waiting", q, w)
	}
	wait.Until(t, "the held call to be cancelled", func() bool { return e.fake.Held() == 0 })
}

// Mutations never share: two identical ones in flight at once both reach
// the upstream.
func TestShareQueriesNeverShareMutations(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) { o.ShareCalls = true })
	gate := make(chan struct{})
	e.fake.Inject(upstreamtest.RoutePulsarUpdateStoragePolicies, upstreamtest.Fault{Hold: gate})
	vars := map[string]any{"id": upstreamtest.AcmePulsarRealID, "in": map[string]any{"retention": map[string]any{"sizeInBytes": 77}}}
	a := e.send(t, t.Context(), upstreamtest.TokenAlice, updatePolicies, vars)
	b := e.send(t, t.Context(), upstreamtest.TokenAlice, updatePolicies, vars)
	wait.Until(t, "both mutations upstream", func() bool { return e.fake.Held() == 2 })
	close(gate)
	mustNoErrors(t, <-a)
	mustNoErrors(t, <-b)
}
