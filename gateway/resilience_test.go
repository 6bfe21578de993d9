package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// Under 10 % upstream 503s, the foundation's nested query (63 calls) still
// answers: retries heal most failures, a field errs (UPSTREAM_UNAVAILABLE)
// only where its call failed every attempt, the rest of the response
// resolves, and the gateway itself never answers 5xx.
func TestTenPercentUpstream503s(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.Inject(upstreamtest.AllRoutes, upstreamtest.Fault{Status: 503, Rate: 0.10, Seed: 7})
	var calls, fieldErrors int
	for run := range 20 {
		e.fake.ResetCounts()
		r := e.query(t, upstreamtest.TokenAlice, nestedQuery, map[string]any{"id": upstreamtest.OrgAcme})
		if r.status != http.StatusOK {
			t.Fatalf("run %d: HTTP %d", run, r.status)
		}
		reqs := e.fake.Requests()
		calls += len(reqs)
		bySozu := map[string]upstreamtest.Request{}
		attempts := map[string]int{}
		for _, q := range reqs {
			bySozu[q.SozuID] = q
			attempts[q.RawPath+"?"+q.Query.Encode()]++
		}
		for _, err := range r.Errors {
			fieldErrors++
			up, _ := err.Extensions["upstream"].(map[string]any)
			if err.code() != "UPSTREAM_UNAVAILABLE" || up["status"] != float64(503) {
				t.Errorf("run %d: %s at %v (%v)", run, err.code(), err.Path, up)
				continue
			}
			q, ok := bySozu[up["sozuId"].(string)]
			if !ok {
				t.Errorf("run %d: error with an unknown Sozu-Id %v", run, up["sozuId"])
				continue
			}
			if n := attempts[q.RawPath+"?"+q.Query.Encode()]; n != 3 {
				t.Errorf("run %d: %s failed after %d attempts, want 3 (retries exhausted)", run, q.RawPath, n)
			}
		}
		if r.Data["organisation"] == nil && len(r.Errors) == 0 {
			t.Errorf("run %d: no data and no error", run)
		}
	}
	if calls <= 20*63 {
		t.Errorf("%d upstream calls in 20 runs: no retry happened", calls)
	}
	t.Logf("20 runs: %d upstream calls for 20×63 needed (%.1f%% retries), %d field errors left", calls, 100*float64(calls-20*63)/float64(20*63), fieldErrors)
}

// A query as a whole is bounded: past the deadline, what is still waiting
// on the upstream answers UPSTREAM_TIMEOUT; what came in time is kept.
func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) { o.RequestTimeout = 200 * time.Millisecond })
	e.fake.Inject(upstreamtest.RouteDeployments, upstreamtest.Fault{Latency: 5 * time.Second})
	r := e.query(t, upstreamtest.TokenAlice, `query($o: ID!, $a: ID!) { application(ownerId: $o, id: $a) { name deployments { id } } }`,
		map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID})
	if len(r.Errors) != 1 || r.Errors[0].code() != "UPSTREAM_TIMEOUT" || pick(t, r.Data, "application", "name") != "acme-storefront" {
		t.Fatalf("got %s", r.raw)
	}
}
