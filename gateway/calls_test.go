package gateway_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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

// twoOrgsQuery is cmd/bench workload 3's request: nestedQuery's selection
// on two organisations at once.
const twoOrgsQuery = `query($a: ID!, $b: ID!) {
	a: organisation(id: $a) { applications { zone { name } deployments { id instances { id } } instances { id deployment { id } } loadBalancer { id } } }
	b: organisation(id: $b) { applications { zone { name } deployments { id instances { id } } instances { id deployment { id } } loadBalancer { id } } } }`

// The two organisation(id) fields of twoOrgsQuery cost one organisations
// list, not a GET each: 1 + 2 applications lists + 1 zones list + 3 per
// application (OrgAcme's 20, OrgBeta's 2) = 70 calls. Both ids are read
// from the operation, so the count does not depend on their loads meeting
// within the loader's batch wait: it holds with 20 requests at once on a
// busy CPU, and with the organisation routes slowed down (the list is then
// in flight when the second field asks).
func TestTwoOrganisationsCallCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vars := map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgBeta}
	perRequest := map[string]int{
		upstreamtest.RouteOrganisations:            1,
		upstreamtest.RouteOrganisationApplications: 2,
		upstreamtest.RouteZones:                    1,
		upstreamtest.RouteDeployments:              22,
		upstreamtest.RouteInstances:                22,
		upstreamtest.RouteLoadBalancers:            22,
	}
	// Rounds of 1 and of 20 requests at once; every other round slows the
	// organisation routes down by 20 ms.
	for round, parallel := range []int{1, 1, 1, 20, 20, 20} {
		e.fake.ClearFaults()
		if round%2 == 1 {
			for _, route := range []string{upstreamtest.RouteOrganisations, upstreamtest.RouteOrganisation} {
				e.fake.Inject(route, upstreamtest.Fault{Latency: 20 * time.Millisecond})
			}
		}
		e.fake.ResetCounts()
		rs := make([]response, parallel)
		var wg sync.WaitGroup
		for i := range rs {
			wg.Go(func() { rs[i] = e.query(t, upstreamtest.TokenAlice, twoOrgsQuery, vars) })
		}
		wg.Wait()
		for _, r := range rs {
			mustNoErrors(t, r)
			if n := len(pick(t, r.Data, "a", "applications").([]any)) + len(pick(t, r.Data, "b", "applications").([]any)); n != 22 {
				t.Fatalf("round %d: %d applications, want 22", round, n)
			}
		}
		// Each request costs at least perRequest (its loaders are its own),
		// so the sums are met only if each costs exactly that.
		want := map[string]int{}
		for route, n := range perRequest {
			want[route] = n * parallel
		}
		if diff := cmp.Diff(want, e.fake.Counts()); diff != "" {
			t.Fatalf("round %d, %d requests at once: upstream calls per route (-want +got):\n%s", round, parallel, diff)
		}
	}
}

// Root fields of one name share their loads whatever their order or
// scheduling: their keys are read from the operation (through aliases,
// fragments and variables, without the fields @skip leaves out), and each
// field answers for its own key alone.
func TestRootSiblingsShareLoads(t *testing.T) {
	t.Parallel()
	const (
		twoOrgs = `query($a: ID!, $b: ID!) { a: organisation(id: $a) { id } b: organisation(id: $b) { id } }`
		twoApps = `query($o: ID!, $a: ID!, $b: ID!) { a: application(ownerId: $o, id: $a) { id } b: application(ownerId: $o, id: $b) { id } }`
		unknown = "orga_00000000-0000-4000-8000-000000000000"
	)
	tests := []struct {
		name  string
		naive bool
		query string
		vars  map[string]any
		ids   map[string]any    // alias → the id answered (nil: null)
		codes map[string]string // path → extensions.code
		calls map[string]int
	}{{
		name:  "two ids",
		query: twoOrgs,
		vars:  map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgBeta},
		ids:   map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgBeta},
		calls: map[string]int{upstreamtest.RouteOrganisations: 1},
	}, {
		name:  "the same id twice",
		query: twoOrgs,
		vars:  map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgAcme},
		ids:   map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgAcme},
		calls: map[string]int{upstreamtest.RouteOrganisation: 1},
	}, {
		name:  "an unknown id",
		query: twoOrgs,
		vars:  map[string]any{"a": upstreamtest.OrgAcme, "b": unknown},
		ids:   map[string]any{"a": upstreamtest.OrgAcme, "b": nil},
		codes: map[string]string{"b": "NOT_FOUND"},
		// The list lacks it: one GET confirms the upstream's own answer.
		calls: map[string]int{upstreamtest.RouteOrganisations: 1, upstreamtest.RouteOrganisation: 1},
	}, {
		name: "a literal id in a fragment",
		query: `query($a: ID!) { a: organisation(id: $a) { id } ...b }
			fragment b on Query { b: organisation(id: "` + upstreamtest.OrgBeta + `") { id } }`,
		vars:  map[string]any{"a": upstreamtest.OrgAcme},
		ids:   map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgBeta},
		calls: map[string]int{upstreamtest.RouteOrganisations: 1},
	}, {
		name:  "a skipped field",
		query: `query($a: ID!, $b: ID!) { a: organisation(id: $a) { id } b: organisation(id: $b) @skip(if: true) { id } }`,
		vars:  map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgBeta},
		ids:   map[string]any{"a": upstreamtest.OrgAcme},
		calls: map[string]int{upstreamtest.RouteOrganisation: 1},
	}, {
		name:  "two applications of one owner",
		query: twoApps,
		vars:  map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID, "b": upstreamtest.AcmeKeycloakAppID},
		ids:   map[string]any{"a": upstreamtest.AcmeFirstAppID, "b": upstreamtest.AcmeKeycloakAppID},
		calls: map[string]int{upstreamtest.RouteOrganisationApplications: 1},
	}, {
		name:  "naive mode",
		naive: true,
		query: twoOrgs,
		vars:  map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgBeta},
		ids:   map[string]any{"a": upstreamtest.OrgAcme, "b": upstreamtest.OrgBeta},
		calls: map[string]int{upstreamtest.RouteOrganisation: 2},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, func(o *gateway.Options) { o.Naive = tt.naive })
			for run := range 10 {
				e.fake.ResetCounts()
				r := e.query(t, upstreamtest.TokenAlice, tt.query, tt.vars)
				ids := map[string]any{}
				for alias, v := range r.Data {
					ids[alias] = nil
					if v != nil {
						ids[alias] = pick(t, v, "id")
					}
				}
				codes := map[string]string{}
				for _, ge := range r.Errors {
					codes[fmt.Sprint(ge.Path...)] = ge.code()
				}
				if diff := cmp.Diff(tt.ids, ids); diff != "" {
					t.Fatalf("run %d: ids answered (-want +got):\n%s", run, diff)
				}
				if diff := cmp.Diff(tt.codes, codes, cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("run %d: error codes by path (-want +got):\n%s", run, diff)
				}
				if diff := cmp.Diff(tt.calls, e.fake.Counts()); diff != "" {
					t.Fatalf("run %d: upstream calls per route (-want +got):\n%s", run, diff)
				}
			}
		})
	}
}
