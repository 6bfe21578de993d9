package upstreamtest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStartMountsUnderPrefixOnLoopback(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if host, _, _ := net.SplitHostPort(u.Host); host != "127.0.0.1" || u.Path != MountPrefix {
		t.Errorf("URL = %q, want http://127.0.0.1:PORT%s", s.URL, MountPrefix)
	}

	get(t, s, "v2/self", TokenAlice).ok(t, http.StatusOK)

	// A client that drops the base path reaches the root: not the API.
	root := strings.TrimSuffix(s.URL, MountPrefix)
	for _, p := range []string{"/v2/self", "/clever-api", "/clever-apiv2/self", "/"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, root+p, nil)
		req.Header.Set("Authorization", "Bearer "+TokenAlice)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
	want := map[string]int{RouteSelf: 1, RouteUnmatched: 4}
	if diff := cmp.Diff(want, s.Counts()); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
	if got := s.Requests()[1].RawPath; got != "/v2/self" {
		t.Errorf("RawPath of an unmounted request = %q, want the full path /v2/self", got)
	}
}

func TestNewServesAtRoot(t *testing.T) {
	t.Parallel()
	s := New()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/v4/products/zones/par", nil)
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"name":"par"`) {
		t.Errorf("GET /v4/products/zones/par = %d %s", rec.Code, rec.Body)
	}
	if s.Count(RouteZone) != 1 || s.URL != "" {
		t.Errorf("Count = %d, URL = %q; want 1 and empty", s.Count(RouteZone), s.URL)
	}
}

func TestEveryResponseHasUniqueSozuIDAndJSONType(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	seen := map[string]bool{}
	for _, a := range []answer{
		get(t, s, "v2/self", TokenAlice),
		get(t, s, "v2/self", ""),
		get(t, s, "v4/products/zones/nowhere", ""),
		get(t, s, "nope", ""),
		send(t, s, http.MethodDelete, "v2/self", TokenAlice, ""),
	} {
		id := a.header.Get("Sozu-Id")
		if id == "" || seen[id] {
			t.Errorf("Sozu-Id %q is empty or repeated", id)
		}
		seen[id] = true
		if ct := a.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
	}
}

func TestRequestsRecordWhatArrived(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	deps := appPath(OrgAcme, AcmeFirstAppID) + "/deployments?limit=2&order=ASC"
	get(t, s, deps, TokenAlice).ok(t, http.StatusOK)
	send(t, s, http.MethodPatch, "v4/addon-providers/addon-pulsar/addons/"+AcmePulsarAddonID+"/storage-policies",
		TokenBob, `{"retentionPolicies":{}}`, "Content-Type", "application/json")

	got := s.Requests()
	if len(got) != 2 || s.Total() != 2 {
		t.Fatalf("recorded %d requests (Total %d), want 2", len(got), s.Total())
	}
	first := got[0]
	want := Request{
		Method:  http.MethodGet,
		Route:   RouteDeployments,
		RawPath: "/" + strings.Split(deps, "?")[0],
		Path:    "/" + strings.Split(deps, "?")[0],
		Query:   url.Values{"limit": {"2"}, "order": {"ASC"}},
		SozuID:  "sozu-1", // the fake's first answer
	}
	first.Header, first.Body = nil, nil
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first request (-want +got):\n%s", diff)
	}
	if auth := got[0].Header.Get("Authorization"); auth != "Bearer "+TokenAlice {
		t.Errorf("recorded Authorization = %q", auth)
	}
	if got[1].Route != RoutePulsarUpdateStoragePolicies || string(got[1].Body) != `{"retentionPolicies":{}}` {
		t.Errorf("second request = %s %q", got[1].Route, got[1].Body)
	}

	// Requests returns copies.
	got[0].Header.Set("Authorization", "changed")
	if s.Requests()[0].Header.Get("Authorization") == "changed" {
		t.Error("Requests shares its headers with the server's record")
	}
}

func TestEscapedIDsAreRecordedRawAndNotFound(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	tests := []struct {
		path, rawPath, route string
	}{
		{"v2/organisations/a%2Fb", "/v2/organisations/a%2Fb", RouteOrganisation},
		{"v2/organisations/" + OrgAcme + "%2Fapplications", "/v2/organisations/" + OrgAcme + "%2Fapplications", RouteOrganisation},
		{"v2/organisations/../self", "/v2/organisations/../self", RouteUnmatched},
		{"v2/organisations/../applications", "/v2/organisations/../applications", RouteOrganisationApplications},
		{"v2/organisations/%2E%2E/applications", "/v2/organisations/%2E%2E/applications", RouteOrganisationApplications},
		{"v2//self", "/v2//self", RouteUnmatched},
		{"v2/self/", "/v2/self/", RouteUnmatched},
		{appPath(OrgAcme, AcmeFirstAppID+"%3Fx=1") + "/deployments", "/" + appPath(OrgAcme, AcmeFirstAppID+"%3Fx=1") + "/deployments", RouteDeployments},
	}
	for _, tt := range tests {
		a := get(t, s, tt.path, TokenAlice)
		if a.status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404 (body %s)", tt.path, a.status, a.body)
		}
	}
	reqs := s.Requests()
	for i, tt := range tests {
		if reqs[i].RawPath != tt.rawPath || reqs[i].Route != tt.route {
			t.Errorf("request %d recorded as %s %q, want %s %q", i, reqs[i].Route, reqs[i].RawPath, tt.route, tt.rawPath)
		}
	}
	if got := reqs[0].Path; got != "/v2/organisations/a/b" {
		t.Errorf("decoded Path = %q", got)
	}
}

func TestWrongMethodIs405(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	a := send(t, s, http.MethodPost, "v4/products/zones", TokenAlice, "{}")
	checkKeys(t, "405 body", a.ok(t, http.StatusMethodNotAllowed), v4ErrorKeys...)
	if a.header.Get("Allow") != http.MethodGet || s.Count(RouteUnmatched) != 1 {
		t.Errorf("Allow = %q, unmatched = %d", a.header.Get("Allow"), s.Count(RouteUnmatched))
	}
}

func TestResetCountsKeepsFaultsAndData(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(RouteSelf, Fault{Status: http.StatusTeapot})
	get(t, s, "v2/self", TokenAlice)
	s.ResetCounts()
	if s.Total() != 0 || len(s.Counts()) != 0 || len(s.Requests()) != 0 {
		t.Errorf("after ResetCounts: total %d, counts %v", s.Total(), s.Counts())
	}
	get(t, s, "v2/self", TokenAlice).ok(t, http.StatusTeapot)
}

func TestResetRestoresEverything(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	op := "v4/addon-providers/addon-keycloak/addons/" + AcmeKeycloakRealID
	send(t, s, http.MethodDelete, op+"/networkgroup", TokenAlice, "").ok(t, http.StatusNoContent)
	send(t, s, http.MethodPatch, "v4/addon-providers/addon-pulsar/addons/"+AcmePulsarAddonID+"/storage-policies",
		TokenAlice, `{"offloadPolicies":{"sizeInBytes":5}}`, "Content-Type", "application/json").ok(t, http.StatusOK)
	s.Inject(AllRoutes, Fault{Status: http.StatusServiceUnavailable})
	s.SetLatency(time.Hour)

	s.Reset()

	if s.Total() != 0 {
		t.Errorf("Total after Reset = %d", s.Total())
	}
	features := object(t, object(t, get(t, s, op, TokenAlice).ok(t, http.StatusOK))["features"])
	if features["networkGroup"] == nil {
		t.Error("Reset did not restore the network group")
	}
	pol := object(t, get(t, s, "v4/addon-providers/addon-pulsar/addons/"+AcmePulsarAddonID+"/storage-policies", TokenAlice).ok(t, http.StatusOK))
	if got := object(t, pol["offloadPolicies"])["sizeInBytes"]; got != float64(-1) {
		t.Errorf("offload sizeInBytes after Reset = %v, want -1", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	// fetch is get without t.Fatal, which only the test goroutine may call.
	fetch := func(method, path string) {
		req, _ := http.NewRequestWithContext(t.Context(), method, s.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+TokenAlice)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			switch i % 4 {
			case 0:
				fetch(http.MethodGet, "v2/organisations/"+OrgAcme+"/applications")
			case 1:
				fetch(http.MethodPost, "v4/addon-providers/addon-keycloak/addons/"+AcmeKeycloakRealID+"/networkgroup")
			case 2:
				s.Counts()
				s.Requests()
			case 3:
				s.Inject(RouteZones, Fault{Latency: time.Millisecond, Times: 1})
				fetch(http.MethodGet, "v4/products/zones")
			}
		})
	}
	wg.Wait()
	if s.Total() != 15 {
		t.Errorf("Total = %d, want 15", s.Total())
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	t.Parallel()
	s := New()
	s.Close() // never started
	if err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
	s2 := New()
	if err := s2.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	s2.Close()
	s2.Close()
}

// GET answers are kept while the dataset is unchanged: a change, a Reset,
// another token or another query is never answered from what was kept.
func TestKeptAnswersFollowTheDataset(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	op := operatorPath("addon-keycloak", AcmeKeycloakRealID)
	ng := func() any {
		return object(t, object(t, get(t, s, op, TokenAlice).ok(t, http.StatusOK))["features"])["networkGroup"]
	}
	if ng() == nil || ng() == nil { // the second from what was kept
		t.Fatal("the fixture's keycloak has no network group")
	}
	send(t, s, http.MethodDelete, op+"/networkgroup", TokenAlice, "").ok(t, http.StatusNoContent)
	if got := ng(); got != nil {
		t.Fatalf("after DELETE, a GET answered networkGroup %v", got)
	}
	s.Reset()
	if ng() == nil {
		t.Fatal("after Reset, a GET answered no network group")
	}
	// Bob may not read what Alice read, however it was kept.
	get(t, s, op, TokenAlice).ok(t, http.StatusOK)
	if a := get(t, s, op, TokenBob); a.status == http.StatusOK {
		t.Fatalf("Bob read Alice's operator: %s", a.body)
	}
	// Another query, another answer.
	all := get(t, s, "v4/products/zones", "").ok(t, http.StatusOK).([]any)
	some := get(t, s, "v4/products/zones?tag=for%3Aapplications", "").ok(t, http.StatusOK).([]any)
	if len(some) == 0 || len(some) == len(all) {
		t.Errorf("%d zones, %d of them tagged for applications: a filtered list answered as the whole one?", len(all), len(some))
	}
}

func TestRecordingOffStillCounts(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.SetRecording(false)
	get(t, s, "v4/products/zones", "").ok(t, http.StatusOK)
	get(t, s, "v4/products/zones/par", "").ok(t, http.StatusOK)
	if got := s.Requests(); len(got) != 0 {
		t.Errorf("recorded %d requests with recording off", len(got))
	}
	if s.Total() != 2 || s.Count(RouteZones) != 1 || s.Count(RouteZone) != 1 {
		t.Errorf("total %d, counts %v; want 2, one per route", s.Total(), s.Counts())
	}
	s.SetRecording(true)
	get(t, s, "v4/products/zones", "").ok(t, http.StatusOK)
	if got := s.Requests(); len(got) != 1 || got[0].Route != RouteZones {
		t.Errorf("recorded %+v once recording is back on, want the one zones request", got)
	}
	s.ResetCounts()
	if s.Total() != 0 {
		t.Errorf("total %d after ResetCounts", s.Total())
	}
}
