package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/internal/wait"
	"github.com/cleverql/gateway/observe"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// With ShareCalls, two queries of one caller that need the same call at
// once make it once; without, each makes its own. (The two documents
// differ, by an operation name that does not change the answer: identical
// queries would share their whole execution, see TestShareQueries.)
func TestShareCallsAcrossQueries(t *testing.T) {
	t.Parallel()
	for _, share := range []bool{true, false} {
		e := newEnvWith(t, func(o *gateway.Options) { o.ShareCalls, o.Metrics = share, observe.NewMetrics() })
		selfGate, appsGate := make(chan struct{}), make(chan struct{})
		e.fake.Inject(upstreamtest.RouteSelf, upstreamtest.Fault{Hold: selfGate})
		e.fake.Inject(upstreamtest.RouteSelfApplications, upstreamtest.Fault{Hold: appsGate})
		answers := make(chan *httptest.ResponseRecorder, 2)
		for _, q := range []string{`{ self { applications { id name } } }`, `query Again { self { applications { id name } } }`} {
			req := queryRequest(t, upstreamtest.TokenAlice, q, nil)
			go func() {
				rec := httptest.NewRecorder()
				e.gw.ServeHTTP(rec, req)
				answers <- rec
			}()
		}
		// Both queries wait for /v2/self: each made its own call, or (when
		// sharing) the second joined the first's. Their applications call
		// then starts after both began, so the second may join it.
		wait.Until(t, "both queries at /v2/self", func() bool {
			_, w := e.gw.SharedCalls()
			return e.fake.Count(upstreamtest.RouteSelf) == 2 || w == 2
		})
		close(selfGate)
		wait.Until(t, "an applications call", func() bool { return e.fake.Count(upstreamtest.RouteSelfApplications) >= 1 })
		if share {
			wait.Until(t, "both queries to wait for it", func() bool { _, w := e.gw.SharedCalls(); return w == 2 })
		} else {
			wait.Until(t, "the second applications call", func() bool { return e.fake.Count(upstreamtest.RouteSelfApplications) == 2 })
		}
		close(appsGate)
		var raw [][]byte
		for range 2 {
			rec := <-answers
			var r response
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			mustNoErrors(t, r)
			raw = append(raw, rec.Body.Bytes())
		}
		if !bytes.Equal(raw[0], raw[1]) {
			t.Errorf("share %v: the answers differ:\n%s\n%s", share, raw[0], raw[1])
		}
		want := map[string]int{upstreamtest.RouteSelf: 2, upstreamtest.RouteSelfApplications: 2}
		if share {
			want = map[string]int{upstreamtest.RouteSelf: e.fake.Count(upstreamtest.RouteSelf), upstreamtest.RouteSelfApplications: 1}
		}
		if diff := cmp.Diff(want, e.fake.Counts()); diff != "" {
			t.Errorf("share %v: upstream calls per route (-want +got):\n%s", share, diff)
		}
		joined := value(scrape(t, e)["gateway_upstream_calls_joined_total"], map[string]string{"loader": "applications"})
		if wantJoined := map[bool]float64{true: 1, false: 0}[share]; joined != wantJoined {
			t.Errorf("share %v: gateway_upstream_calls_joined_total{loader=applications} = %v, want %v", share, joined, wantJoined)
		}
	}
}

// A query sent once the caller's mutation has answered sees the mutation,
// even while an older query's call for the same resource, answered before
// the write, is still in flight: it does not join that call.
func TestShareCallsReadsTheCallersWrites(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) { o.ShareCalls = true })
	const read = `query($id: ID!) { pulsarStoragePolicies(addonId: $id) { retention { sizeInBytes } } }`
	vars := map[string]any{"id": upstreamtest.AcmePulsarRealID}
	before := e.query(t, upstreamtest.TokenAlice, read, vars)
	mustNoErrors(t, before)
	old := pick(t, before.Data, "pulsarStoragePolicies", "retention", "sizeInBytes")

	// An older query's read, answered with the data before the write, held in transit.
	gate := make(chan struct{})
	e.fake.Inject(upstreamtest.RoutePulsarStoragePolicies, upstreamtest.Fault{Hold: gate, Times: 1})
	held := make(chan response, 1)
	go func() { held <- e.query(t, upstreamtest.TokenAlice, read, vars) }()
	wait.Until(t, "the older read's answer, made and held", func() bool { return e.fake.Held() == 1 })

	const size = 4242
	m := e.query(t, upstreamtest.TokenAlice, updatePolicies, map[string]any{"id": upstreamtest.AcmePulsarRealID, "in": map[string]any{
		"retention": map[string]any{"sizeInBytes": size}}})
	mustNoErrors(t, m)

	after := e.query(t, upstreamtest.TokenAlice, read, vars)
	mustNoErrors(t, after)
	if got := pick(t, after.Data, "pulsarStoragePolicies", "retention", "sizeInBytes"); got != float64(size) {
		t.Errorf("the query after the mutation read %v, want %d (the older call answered %v)", got, size, old)
	}
	close(gate)
	if r := <-held; pick(t, r.Data, "pulsarStoragePolicies", "retention", "sizeInBytes") != old {
		t.Errorf("the held read answered %s, want the data from before the write", r.raw)
	}
}
