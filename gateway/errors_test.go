package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// Upstream failures map to the contract's codes on the field that failed,
// with the Sozu-Id; sibling fields still resolve.
func TestUpstreamErrorsMapToCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  upstreamtest.Fault
		code   string
		status float64 // extensions.upstream.status; 0: none expected
	}{
		{"401", upstreamtest.Fault{Status: 401}, "UNAUTHENTICATED", 401},
		{"403", upstreamtest.Fault{Status: 403}, "FORBIDDEN", 403},
		{"404", upstreamtest.Fault{Status: 404}, "NOT_FOUND", 404},
		{"409", upstreamtest.Fault{Status: 409}, "BAD_USER_INPUT", 409},
		{"429", upstreamtest.Fault{Status: 429}, "RATE_LIMITED", 429},
		{"500", upstreamtest.Fault{Status: 500}, "UPSTREAM_UNAVAILABLE", 500},
		{"502", upstreamtest.Fault{Status: 502}, "UPSTREAM_UNAVAILABLE", 502},
		{"503", upstreamtest.Fault{Status: 503}, "UPSTREAM_UNAVAILABLE", 503},
		{"504", upstreamtest.Fault{Status: 504}, "UPSTREAM_TIMEOUT", 504},
		{"malformed", upstreamtest.Fault{Malformed: true}, "UPSTREAM_UNAVAILABLE", 200},
		{"204", upstreamtest.Fault{Status: 204}, "UPSTREAM_UNAVAILABLE", 204}, // never an empty list
		{"empty 200", upstreamtest.Fault{Body: " "}, "UPSTREAM_UNAVAILABLE", 200},
	}
	q := `query($o: ID!, $a: ID!) { application(ownerId: $o, id: $a) {
		name deployments { id } instances { id } loadBalancer { id } } }`
	vars := map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.fake.Inject(upstreamtest.RouteDeployments, tt.fault)
			r := e.query(t, upstreamtest.TokenAlice, q, vars)
			if r.status != http.StatusOK {
				t.Errorf("HTTP status %d, want 200 (partial data)", r.status)
			}
			if len(r.Errors) != 1 {
				t.Fatalf("want one error, got %s", r.raw)
			}
			got := r.Errors[0]
			if got.code() != tt.code {
				t.Errorf("code %q, want %q", got.code(), tt.code)
			}
			if diff := cmp.Diff([]any{"application", "deployments"}, got.Path); diff != "" {
				t.Errorf("error path (-want +got):\n%s", diff)
			}
			up, _ := got.Extensions["upstream"].(map[string]any)
			if up == nil || up["status"] != tt.status || !strings.HasPrefix(up["sozuId"].(string), "sozu-") {
				t.Errorf("extensions.upstream = %v, want status %v and the Sozu-Id", up, tt.status)
			}
			if pick(t, r.Data, "application", "deployments") != nil {
				t.Error("deployments should be null")
			}
			if pick(t, r.Data, "application", "name") != "acme-storefront" || pick(t, r.Data, "application", "instances") == nil ||
				pick(t, r.Data, "application", "loadBalancer") == nil {
				t.Errorf("siblings did not resolve: %s", r.raw)
			}
			assertNothingInternal(t, r)
		})
	}
}

// An empty answer (a 204, or a 200 with nothing in it) where an object is
// expected is an error, never an object with every field empty.
func TestEmptyAnswersAreErrors(t *testing.T) {
	t.Parallel()
	for _, fault := range []upstreamtest.Fault{{Status: 204}, {Body: " "}} {
		e := newEnv(t)
		e.fake.Inject(upstreamtest.RouteSelf, fault)
		e.fake.Inject(upstreamtest.RouteOrganisationApplication, fault)
		r := e.query(t, upstreamtest.TokenAlice, `query($o: ID!, $a: ID!) { self { id name } application(ownerId: $o, id: $a) { id name } }`,
			map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID})
		if len(r.Errors) != 2 || r.Errors[0].code() != "UPSTREAM_UNAVAILABLE" || r.Errors[1].code() != "UPSTREAM_UNAVAILABLE" {
			t.Errorf("%+v: want two UPSTREAM_UNAVAILABLE errors: %s", fault, r.raw)
		}
		if pick(t, r.Data, "self") != nil || pick(t, r.Data, "application") != nil {
			t.Errorf("%+v: an empty answer made data: %s", fault, r.raw)
		}
		assertNothingInternal(t, r)
	}
}

// assertNothingInternal checks that no Go error text, upstream URL or token
// reached the client.
func assertNothingInternal(t *testing.T, r response) {
	t.Helper()
	body := string(r.raw)
	for _, leak := range []string{"127.0.0.1", "/clever-api/", "/v4/", "/v2/", upstreamtest.TokenAlice, upstreamtest.TokenBob, "dial tcp", "json:", "unexpected EOF", "context deadline"} {
		if strings.Contains(body, leak) {
			t.Errorf("response leaks %q: %s", leak, body)
		}
	}
}

// A failing list nulls only itself: one failed deployments call never
// blanks the organisation around it. The instances of the same application
// lose their deployment too, as they are answered from that same list (one
// failure is copied to every key it answers); nothing else is touched.
func TestOneFailureDoesNotBlankTheParent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A 500, which is not retried (a 503 would be, and heal).
	e.fake.Inject(upstreamtest.RouteDeployments, upstreamtest.Fault{Status: 500, Times: 1})
	r := e.query(t, upstreamtest.TokenAlice, nestedQuery, map[string]any{"id": upstreamtest.OrgAcme})
	apps := pick(t, r.Data, "organisation", "applications").([]any)
	failed := -1
	for i := range apps {
		if pick(t, apps, i, "deployments") == nil {
			if failed >= 0 {
				t.Fatalf("applications %d and %d both lost their deployments", failed, i)
			}
			failed = i
		}
		if pick(t, apps, i, "instances") == nil || pick(t, apps, i, "zone") == nil || pick(t, apps, i, "loadBalancer") == nil {
			t.Errorf("application %d lost siblings of the failed field", i)
		}
	}
	if len(apps) != 20 || failed < 0 {
		t.Fatalf("%d applications, failed one: %d", len(apps), failed)
	}
	if len(r.Errors) == 0 {
		t.Fatal("no error reported")
	}
	for _, err := range r.Errors {
		if err.code() != "UPSTREAM_UNAVAILABLE" || len(err.Path) < 4 || err.Path[2] != float64(failed) {
			t.Errorf("error %q at %v, want UPSTREAM_UNAVAILABLE under application %d", err.code(), err.Path, failed)
		}
	}
}

// IDs that would change the upstream path are refused before any call;
// other odd characters are escaped into one segment.
func TestIDsNeverChangeTheUpstreamPath(t *testing.T) {
	t.Parallel()
	refused := []string{"../orga_x", "a/b", "..", ".", "a?b=1", "a#frag", "a\nb", "a\x00b", "a\\b", ""}
	queries := []string{
		`query($id: ID!) { application(ownerId: $id, id: "app_x") { id } }`,
		`query($id: ID!) { organisation(id: $id) { id } }`,
		`query($id: ID!) { operator(kind: KEYCLOAK, id: $id) { id } }`,
		`query($id: ID!) { pulsarStoragePolicies(addonId: $id) { addonId } }`,
		`query($id: ID!) { application(ownerId: "` + upstreamtest.OrgAcme + `", id: "` + upstreamtest.AcmeFirstAppID + `") { deployment(id: $id) { id } } }`,
		`query($id: ID!) { organisation(id: "` + upstreamtest.OrgAcme + `") { invoice(number: $id) { number } application(id: $id) { id } } }`,
	}
	e := newEnv(t)
	for _, q := range queries {
		for _, id := range refused {
			e.fake.ResetCounts()
			r := e.query(t, upstreamtest.TokenAlice, q, map[string]any{"id": id})
			if len(r.Errors) == 0 {
				t.Errorf("id %q in %s: no error", id, compact(q))
				continue
			}
			for _, err := range r.Errors {
				if err.code() != "BAD_USER_INPUT" {
					t.Errorf("id %q in %s: code %s, want BAD_USER_INPUT", id, compact(q), err.code())
				}
			}
			for _, req := range e.fake.Requests() {
				if (id != "" && strings.Contains(req.Path, id)) || req.Route == upstreamtest.RouteUnmatched || strings.HasSuffix(req.Path, "/") {
					t.Errorf("id %q in %s reached the upstream: %s", id, compact(q), req.RawPath)
				}
			}
		}
	}
	escaped := map[string]string{"100%": "100%25", "with space": "with%20space", "é;,": "%C3%A9%3B%2C"}
	for id, want := range escaped {
		e.fake.ResetCounts()
		r := e.query(t, upstreamtest.TokenAlice, `query($id: ID!) { application(ownerId: "`+upstreamtest.OrgAcme+`", id: $id) { id } }`, map[string]any{"id": id})
		if len(r.Errors) != 1 || r.Errors[0].code() != "NOT_FOUND" {
			t.Errorf("id %q: want NOT_FOUND, got %s", id, r.raw)
		}
		reqs := e.fake.Requests()
		if len(reqs) != 1 || reqs[0].RawPath != "/v2/organisations/"+upstreamtest.OrgAcme+"/applications/"+want {
			t.Errorf("id %q: upstream received %+v, want one GET of .../applications/%s", id, reqs, want)
		}
	}
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, body, want string
	}{
		{"invalid JSON", `{"query": `, "not a valid GraphQL request"},
		{"syntax error", `{"query": "{ zones { name "}`, "Expected Name"},
		{"unknown field", `{"query": "{ nope }"}`, `Cannot query field "nope"`},
		{"unknown enum", `{"query": "{ operator(kind: POSTGRES, id: \"x\") { id } }"}`, "POSTGRES"},
		{"negative limit", `{"query": "{ organisation(id: \"` + upstreamtest.OrgAcme + `\") { invoices(limit: -1) { number } } }"}`, "must be between 1 and 10000"},
		{"since after until", `{"query": "{ organisation(id: \"` + upstreamtest.OrgAcme + `\") { invoices(since: \"2026-02-01T00:00:00Z\", until: \"2026-01-01T00:00:00Z\") { number } } }"}`, "since"},
		{"bad time", `{"query": "{ organisation(id: \"` + upstreamtest.OrgAcme + `\") { invoices(since: \"yesterday\") { number } } }"}`, "RFC 3339"},
		{"wrong variable type", `{"query": "query($l: Int) { organisation(id: \"x\") { invoices(limit: $l) { number } } }", "variables": {"l": "ten"}}`, "variable \"$l\": must be a whole number between -2147483648 and 2147483647, got a string"},
		// gqlparser's words for these were "cannot use value 0 as Int",
		// "cannot use string as Int" (a number in an input object) and
		// "operation  not found"; the limit of 3e9 was measured as a
		// complexity of 3,000,000,002.
		{"Int variable of 1.5", `{"query": "query($l: Int) { organisation(id: \"x\") { invoices(limit: $l) { number } } }", "variables": {"l": 1.5}}`, "variable \"$l\": must be a whole number between -2147483648 and 2147483647, got 1.5"},
		{"Int variable of 1e20", `{"query": "query($l: Int) { organisation(id: \"x\") { invoices(limit: $l) { number } } }", "variables": {"l": 1e20}}`, "got 1e20"},
		{"Int variable beyond 32 bits", `{"query": "query($l: Int) { organisation(id: \"x\") { invoices(limit: $l) { number } } }", "variables": {"l": 3000000000}}`, "got 3000000000"},
		{"Int in an input object", `{"query": "query($f: InstanceFilter) { application(ownerId: \"o\", id: \"a\") { instances(filter: $f) { id } } }", "variables": {"f": {"limit": 2.5}}}`, "variable \"$f\": limit: must be a whole number"},
		{"Int argument beyond 32 bits", `{"query": "{ organisation(id: \"x\") { invoices(limit: 3000000000) { number } } }"}`, "argument \"limit\" of invoices: must be a whole number between"},
		{"two operations, no operationName", `{"query": "query A { zones { name } } query B { zones { city } }"}`, "the document holds 2 operations (\"A\", \"B\"): operationName must name the one to run"},
		{"an operationName of none", `{"query": "query A { zones { name } } { zones { city } }", "operationName": "C"}`, "no operation named \"C\"; it holds \"A\", one without a name"},
		{"fragments only", `{"query": "fragment F on Zone { name }"}`, "the document holds no operation"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
		e.fake.ResetCounts()
		r := e.do(t, req)
		if len(r.Errors) == 0 {
			t.Errorf("%s: no error: %s", tt.name, r.raw)
			continue
		}
		if r.Errors[0].code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, tt.want) {
			t.Errorf("%s: got %s, want BAD_USER_INPUT mentioning %q", tt.name, r.raw, tt.want)
		}
		if e.fake.Total() != 0 { // not even the organisation around a bad argument
			t.Errorf("%s: %d upstream calls", tt.name, e.fake.Total())
		}
		if strings.Contains(string(r.raw), "could not be decoded") {
			t.Errorf("%s: internal decoder text reached the client: %s", tt.name, r.raw)
		}
	}
}

// A whole number written as a float is an Int, as the GraphQL
// specification coerces it (graphql-js does; gqlparser alone refused 2.0
// with "cannot use value 0 as Int"), at the top of the variables and in an
// input object.
func TestWholeIntsWrittenAsFloats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	query := `query($l: Int, $f: InstanceFilter) { organisation(id: \"` + upstreamtest.OrgAcme + `\") { invoices(limit: $l) { number } } application(ownerId: \"` + upstreamtest.OrgAcme + `\", id: \"` + upstreamtest.AcmeFirstAppID + `\") { instances(filter: $f) { id } } }`
	body := `{"query": "` + query + `", "variables": {"l": 2.0, "f": {"limit": 1e0}}}`
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
	r := e.do(t, req)
	if len(r.Errors) != 0 {
		t.Fatalf("got %s, want no error", r.raw)
	}
	invoices, _ := r.Data["organisation"].(map[string]any)["invoices"].([]any)
	if n := len(invoices); n != 2 {
		t.Errorf("%d invoices, want 2 (limit 2.0): %s", n, r.raw)
	}
	instances, _ := r.Data["application"].(map[string]any)["instances"].([]any)
	if n := len(instances); n != 1 {
		t.Errorf("%d instances, want 1 (limit 1e0): %s", n, r.raw)
	}
}
