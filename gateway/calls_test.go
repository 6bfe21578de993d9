package gateway_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

const nestedQuery = `query($id: ID!) { organisation(id: $id) { applications {
	zone { name }
	deployments { id instances { id } }
	instances { id deployment { id } }
	loadBalancer { id } } } }`

// The contract's cost of the nested query for an organisation of 20
// applications: 1 + 1 + 1 + 20 + 20 + 20 upstream calls, whatever the
// scheduling: no call per zone, no instances call per deployment, no
// deployment call per instance.
func TestNestedQueryCallCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := map[string]int{
		upstreamtest.RouteOrganisation:             1,
		upstreamtest.RouteOrganisationApplications: 1,
		upstreamtest.RouteZones:                    1,
		upstreamtest.RouteDeployments:              20,
		upstreamtest.RouteInstances:                20,
		upstreamtest.RouteLoadBalancers:            20,
	}
	for run := range 5 { // scheduling varies between runs; the count must not
		e.fake.ResetCounts()
		r := e.query(t, upstreamtest.TokenAlice, nestedQuery, map[string]any{"id": upstreamtest.OrgAcme})
		mustNoErrors(t, r)
		apps := pick(t, r.Data, "organisation", "applications").([]any)
		if len(apps) != 20 {
			t.Fatalf("run %d: %d applications, want 20", run, len(apps))
		}
		for i := range apps {
			for _, in := range pick(t, apps, i, "instances").([]any) {
				if pick(t, in, "deployment") == nil {
					t.Fatalf("run %d: instance without its deployment: %v", run, in)
				}
			}
		}
		if diff := cmp.Diff(want, e.fake.Counts()); diff != "" {
			t.Fatalf("run %d: upstream calls per route (-want +got):\n%s", run, diff)
		}
		if got := e.fake.Total(); got != 63 {
			t.Fatalf("run %d: %d upstream calls, want 63", run, got)
		}
	}
}

// A list answers the by-id lookups of the same response.
func TestListsAnswerByIDLookups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := `query($o: ID!, $a: ID!, $d: ID!) { application(ownerId: $o, id: $a) {
		deployments { id } deployment(id: $d) { id state }
		zone { name } loadBalancer { zone { name } } } zone(name: "par") { name } zones { name } }`
	r := e.query(t, upstreamtest.TokenAlice, q, map[string]any{
		"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID, "d": upstreamtest.AcmeFirstAppDeploymentID})
	mustNoErrors(t, r)
	if pick(t, r.Data, "application", "deployment", "id") != upstreamtest.AcmeFirstAppDeploymentID {
		t.Fatalf("deployment(id) answered %v", pick(t, r.Data, "application", "deployment"))
	}
	if n := e.fake.Count(upstreamtest.RouteDeployment); n != 0 {
		t.Errorf("deployment(id) cost %d GET calls though the list was fetched", n)
	}
	if n := e.fake.Count(upstreamtest.RouteZones) + e.fake.Count(upstreamtest.RouteZone); n != 1 {
		t.Errorf("zones cost %d calls, want 1", n)
	}
}

// Two tokens used at once never see each other's data, even asking for the
// same ids.
func TestTokensAreIsolated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := `query($o: ID!, $a: ID!) { self { id } organisation(id: $o) { id name applications { id } }
		application(ownerId: $o, id: $a) { id name } organisations { id } }`
	vars := map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Go(func() {
			if i%2 == 0 {
				r := e.query(t, upstreamtest.TokenAlice, q, vars)
				if len(r.Errors) > 0 || pick(t, r.Data, "self", "id") != upstreamtest.UserAlice ||
					pick(t, r.Data, "organisation", "id") != upstreamtest.OrgAcme {
					errs <- fmt.Errorf("alice got %s", r.raw)
				}
				return
			}
			r := e.query(t, upstreamtest.TokenBob, q, vars)
			if pick(t, r.Data, "self", "id") != upstreamtest.UserBob || r.Data["organisation"] != nil || r.Data["application"] != nil {
				errs <- fmt.Errorf("bob saw alice's data: %s", r.raw)
				return
			}
			for _, o := range pick(t, r.Data, "organisations").([]any) {
				if id := pick(t, o, "id"); id == upstreamtest.OrgAcme || id == upstreamtest.UserAlice {
					errs <- fmt.Errorf("bob listed %v", id)
				}
			}
			codes := map[string]string{}
			for _, e := range r.Errors {
				codes[fmt.Sprint(e.Path...)] = e.code()
			}
			if codes["organisation"] != "FORBIDDEN" || codes["application"] != "FORBIDDEN" {
				errs <- fmt.Errorf("bob: error codes %v, want FORBIDDEN on organisation and application", codes)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, req := range e.fake.Requests() {
		if tok := req.Header.Get("Authorization"); tok != "Bearer "+upstreamtest.TokenAlice && tok != "Bearer "+upstreamtest.TokenBob {
			t.Errorf("%s sent with Authorization %q", req.RawPath, tok)
		}
	}
}

// No token: UNAUTHENTICATED on every field that needs one, and no upstream
// call but for the public zones.
func TestAnonymousCaller(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.query(t, "", `query($o: ID!) { self { id } organisations { id } organisation(id: $o) { id } zones { name } }`,
		map[string]any{"o": upstreamtest.OrgAcme})
	for _, field := range []string{"self", "organisations", "organisation"} {
		if r.Data[field] != nil {
			t.Errorf("%s answered %v without a token", field, r.Data[field])
		}
	}
	if len(r.Errors) != 3 {
		t.Fatalf("want 3 errors, got %s", r.raw)
	}
	for _, e := range r.Errors {
		if e.code() != "UNAUTHENTICATED" {
			t.Errorf("%v: code %s, want UNAUTHENTICATED", e.Path, e.code())
		}
	}
	if zones, _ := r.Data["zones"].([]any); len(zones) == 0 {
		t.Errorf("zones are public, got %v", r.Data["zones"])
	}
	if diff := cmp.Diff(map[string]int{upstreamtest.RouteZones: 1}, e.fake.Counts()); diff != "" {
		t.Errorf("upstream calls (-want +got):\n%s", diff)
	}
}

// Naive mode (no batching, no cache) answers the same data at a far higher
// cost: what the loaders save, and proof that they change no answer.
func TestNaiveModeSameAnswerMoreCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vars := map[string]any{"id": upstreamtest.OrgAcme}
	want := e.query(t, upstreamtest.TokenAlice, nestedQuery, vars)
	mustNoErrors(t, want)
	naive := newEnvWith(t, func(o *gateway.Options) { o.Naive = true })
	got := naive.query(t, upstreamtest.TokenAlice, nestedQuery, vars)
	mustNoErrors(t, got)
	if diff := cmp.Diff(want.Data, got.Data); diff != "" {
		t.Errorf("naive answer differs (-loaders +naive):\n%s", diff)
	}
	if n := naive.fake.Total(); n <= 2*63 {
		t.Errorf("naive mode made %d calls, expected far more than 63", n)
	} else {
		t.Logf("naive: %d upstream calls; with loaders: 63 (%.1fx)", n, float64(n)/63)
	}
}
