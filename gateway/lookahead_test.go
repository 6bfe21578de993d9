package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// held runs query while the fake holds every answer of route, and returns
// once each of routes has been called although route is still unanswered:
// the calls went out with route's, not after it. It then lets route answer
// and returns the response. It fails the test if the calls do not come
// while route is held (without timing anything: the hold lasts until they
// come or the test gives up).
func (e *env) held(t *testing.T, route, query string, vars map[string]any, routes ...string) response {
	t.Helper()
	gate := make(chan struct{})
	e.fake.Inject(route, upstreamtest.Fault{Hold: gate})
	defer e.fake.ClearFaults()

	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.gw.ServeHTTP(rec, req)
	}()

	giveUp := time.Now().Add(10 * time.Second)
	for !e.calledAll(append(routes, route)) {
		if time.Now().After(giveUp) {
			seen := e.fake.Counts()
			close(gate)
			<-done
			t.Fatalf("while %s was unanswered, the gateway called only %v; want each of %v", route, seen, routes)
		}
		time.Sleep(time.Millisecond)
	}
	close(gate)
	<-done
	resp := response{status: rec.Code, raw: rec.Body.Bytes()}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response is not JSON (status %d): %v\n%s", rec.Code, err, rec.Body.Bytes())
	}
	return resp
}

func (e *env) calledAll(routes []string) bool {
	for _, r := range routes {
		if e.fake.Count(r) == 0 {
			return false
		}
	}
	return true
}

// organisation(id) { applications } asks for the applications with the
// organisation, not after it: the call needs only the id. The response
// makes the same calls, and has the same answer.
func TestOrganisationStartsItsApplications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const q = `query($id: ID!) { organisation(id: $id) { name applications { id name } } }`
	r := e.held(t, upstreamtest.RouteOrganisation, q, map[string]any{"id": upstreamtest.OrgAcme},
		upstreamtest.RouteOrganisationApplications)
	mustNoErrors(t, r)
	if got := pick(t, r.Data, "organisation", "name"); got != "Acme Corp" {
		t.Errorf("organisation name %v, want Acme Corp", got)
	}
	if n := len(pick(t, r.Data, "organisation", "applications").([]any)); n != 20 {
		t.Errorf("%d applications, want 20", n)
	}
	want := map[string]int{upstreamtest.RouteOrganisation: 1, upstreamtest.RouteOrganisationApplications: 1}
	if diff := cmp.Diff(want, e.fake.Counts()); diff != "" {
		t.Errorf("upstream calls per route (-want +got):\n%s", diff)
	}

	// The answer is the one the gateway gives without the head start: when
	// the organisation answers first.
	e.fake.ResetCounts()
	again := e.query(t, upstreamtest.TokenAlice, q, map[string]any{"id": upstreamtest.OrgAcme})
	if !bytes.Equal(again.raw, r.raw) {
		t.Errorf("answers differ:\n%s\n%s", r.raw, again.raw)
	}
}

// A personal space's applications start too, from /v2/self/applications
// (after /v2/self, which both lookups read once).
func TestPersonalSpaceStartsItsApplications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const q = `query($id: ID!) { organisation(id: $id) { id applications { id } } }`
	r := e.query(t, upstreamtest.TokenAlice, q, map[string]any{"id": upstreamtest.UserAlice})
	mustNoErrors(t, r)
	if n := len(pick(t, r.Data, "organisation", "applications").([]any)); n != 2 {
		t.Errorf("%d applications, want 2", n)
	}
	want := map[string]int{upstreamtest.RouteSelf: 1, upstreamtest.RouteSelfApplications: 1}
	if diff := cmp.Diff(want, e.fake.Counts()); diff != "" {
		t.Errorf("upstream calls per route (-want +got):\n%s", diff)
	}
}

// application(ownerId, id) asks for its deployments, instances and load
// balancer with the application; a deployments limit, given inline or by
// variable, keys the started call as the field does, so nothing is asked
// twice. A personal-space application's lists start under the user's id,
// which is the owner id its answer carries.
func TestApplicationStartsItsLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const lists = `deployments { id } instances { id } loadBalancer { id }`
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		deployments int
		personal    bool
	}{
		{"no limit", `query($o: ID!, $a: ID!) { application(ownerId: $o, id: $a) { name ` + lists + ` } }`, nil, -1, false},
		{"inline limit", `query($o: ID!, $a: ID!) { application(ownerId: $o, id: $a) {
			name deployments(limit: 2) { id } instances { id } loadBalancer { id } } }`, nil, 2, false},
		{"limit by variable", `query($o: ID!, $a: ID!, $n: Int) { application(ownerId: $o, id: $a) {
			name deployments(limit: $n) { id } instances { id } loadBalancer { id } } }`, map[string]any{"n": 3}, 3, false},
		{"through a fragment", `query($o: ID!, $a: ID!) { application(ownerId: $o, id: $a) { ...lists } }
			fragment lists on Application { name ` + lists + ` }`, nil, -1, false},
		{"personal space", `query($o: ID!, $a: ID!) { application(ownerId: $o, id: $a) { name ` + lists + ` } }`, nil, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fake.ResetCounts()
			vars := map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID}
			held := upstreamtest.RouteOrganisationApplication
			want := map[string]int{held: 1}
			if tc.personal {
				vars = map[string]any{"o": upstreamtest.UserAlice, "a": upstreamtest.AliceFirstAppID}
				held = upstreamtest.RouteSelfApplication
				want = map[string]int{held: 1, upstreamtest.RouteSelf: 1}
			}
			for k, v := range tc.vars {
				vars[k] = v
			}
			routes := []string{upstreamtest.RouteDeployments, upstreamtest.RouteInstances, upstreamtest.RouteLoadBalancers}
			r := e.held(t, held, tc.query, vars, routes...)
			mustNoErrors(t, r)
			if got := pick(t, r.Data, "application", "name"); !tc.personal && got != "acme-storefront" {
				t.Errorf("application name %v, want acme-storefront", got)
			}
			if n := len(pick(t, r.Data, "application", "deployments").([]any)); tc.deployments >= 0 && n != tc.deployments {
				t.Errorf("%d deployments, want %d", n, tc.deployments)
			}
			for _, route := range routes {
				want[route] = 1
			}
			if diff := cmp.Diff(want, e.fake.Counts()); diff != "" {
				t.Errorf("upstream calls per route (-want +got):\n%s", diff)
			}
		})
	}
}

// Only what the response will read is started: a list @skip leaves out is
// never called, and an instances filter is left to its field, which calls
// once the application is known.
func TestOnlySelectedListsStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const q = `query($o: ID!, $a: ID!, $skip: Boolean!) { application(ownerId: $o, id: $a) {
		deployments @skip(if: $skip) { id }
		instances(filter: {limit: 1}) { id }
	} }`
	r := e.query(t, upstreamtest.TokenAlice, q, map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID, "skip": true})
	mustNoErrors(t, r)
	if n := len(pick(t, r.Data, "application", "instances").([]any)); n != 1 {
		t.Errorf("%d instances, want 1", n)
	}
	want := map[string]int{upstreamtest.RouteOrganisationApplication: 1, upstreamtest.RouteInstances: 1}
	if diff := cmp.Diff(want, e.fake.Counts()); diff != "" {
		t.Errorf("upstream calls per route (-want +got):\n%s", diff)
	}
	if got := e.fake.Requests()[1].Query.Get("limit"); got != "1" {
		t.Errorf("instances called with limit %q, want the filter's 1", got)
	}
}

// An organisation that does not exist answers as it always did; its
// started applications call is not read, so its error reaches nobody.
func TestMissingOrganisationIgnoresItsStartedList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const missing = "orga_00000000-0000-0000-0000-000000000000"
	r := e.query(t, upstreamtest.TokenAlice, `query($id: ID!) { organisation(id: $id) { applications { id } } }`, map[string]any{"id": missing})
	if len(r.Errors) != 1 {
		t.Fatalf("errors %+v, want one", r.Errors)
	}
	if got := r.Errors[0].code(); got != "NOT_FOUND" {
		t.Errorf("code %q, want NOT_FOUND", got)
	}
	if got := pick(t, r.Data, "organisation"); got != nil {
		t.Errorf("organisation %v, want null", got)
	}
	if n := e.fake.Count(upstreamtest.RouteOrganisationApplications); n > 1 {
		t.Errorf("applications called %d times, want at most the one started", n)
	}
}
