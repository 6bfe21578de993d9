package upstreamtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestFaultStatusUsesDocumentedShape(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(AllRoutes, Fault{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"3"}}})

	v4 := get(t, s, appPath(OrgAcme, AcmeFirstAppID)+"/deployments", TokenAlice)
	body := object(t, v4.ok(t, http.StatusServiceUnavailable))
	checkKeys(t, "v4 fault body", body, v4ErrorKeys...)
	if body["code"] != "clever.core.service-unavailable" {
		t.Errorf("code = %v", body["code"])
	}
	checkKeys(t, "v2 fault body", get(t, s, "v2/self", TokenAlice).ok(t, http.StatusServiceUnavailable), v2ErrorKeys...)
	// Faults answer before authentication: zones and bad tokens fail alike.
	get(t, s, "v4/products/zones", "").ok(t, http.StatusServiceUnavailable)
	if v4.header.Get("Retry-After") != "3" || v4.header.Get("Sozu-Id") == "" {
		t.Errorf("headers = %v", v4.header)
	}
	if s.Count(RouteDeployments) != 1 || s.Count(RouteSelf) != 1 {
		t.Errorf("faulted requests are still counted: %v", s.Counts())
	}

	s.ClearFaults()
	get(t, s, "v2/self", TokenAlice).ok(t, http.StatusOK)
}

func TestFaultTimesAndPrecedence(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(AllRoutes, Fault{Status: http.StatusBadGateway, Times: 1})
	s.Inject(RouteZones, Fault{Status: http.StatusTooManyRequests, Times: 2})

	got := []int{
		get(t, s, "v4/products/zones", "").status,     // its own fault, 1 of 2
		get(t, s, "v4/products/zones", "").status,     // its own fault, 2 of 2
		get(t, s, "v4/products/zones", "").status,     // then the "*" one
		get(t, s, "v4/products/zones", "").status,     // then none
		get(t, s, "v4/products/zones/par", "").status, // the "*" fault is used up
	}
	want := []int{429, 429, 502, 200, 200}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statuses = %v, want %v", got, want)
			break
		}
	}

	s.Inject(RouteZone, Fault{Status: http.StatusNotFound})
	s.Inject(RouteZone, Fault{Status: http.StatusInternalServerError}) // replaces
	for range 3 {
		get(t, s, "v4/products/zones/par", "").ok(t, http.StatusInternalServerError)
	}
}

func TestFaultBody(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(RouteZone, Fault{Body: `{"id":"x"}`})
	a := get(t, s, "v4/products/zones/par", "")
	if a.status != http.StatusOK || string(a.body) != `{"id":"x"}` || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("raw body fault = %d %s %q", a.status, a.header.Get("Content-Type"), a.body)
	}
	s.Inject(RouteZone, Fault{Status: http.StatusBadGateway, Body: "<html>Bad gateway</html>"})
	a = get(t, s, "v4/products/zones/par", "")
	if a.status != http.StatusBadGateway || string(a.body) != "<html>Bad gateway</html>" {
		t.Errorf("raw body fault with status = %d %q", a.status, a.body)
	}
}

func TestFaultMalformed(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(AllRoutes, Fault{Malformed: true})
	for _, path := range []string{"v4/products/zones", "v2/self", "v4/products/zones/nowhere"} {
		a := get(t, s, path, TokenAlice)
		if a.status != http.StatusOK || json.Valid(a.body) || len(a.body) == 0 {
			t.Errorf("GET %s = %d %q, want 200 and broken JSON", path, a.status, a.body)
		}
	}
	a := send(t, s, http.MethodPost, operatorPath("addon-keycloak", AcmeKeycloakRealID)+"/reboot", TokenAlice, "")
	if a.status != http.StatusOK || json.Valid(a.body) {
		t.Errorf("malformed 204 = %d %q", a.status, a.body)
	}
}

func TestFaultLatencyHonoursCancellation(t *testing.T) {
	t.Parallel()
	s := New()
	s.Inject(RouteZones, Fault{Latency: time.Hour})
	leave(t, s, "/v4/products/zones", func() bool { return true })
	if s.Count(RouteZones) != 1 {
		t.Errorf("a cancelled request is not counted")
	}
}

func TestFaultLatencyDelaysTheAnswer(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(RouteZone, Fault{Latency: 30 * time.Millisecond, Times: 1})
	start := time.Now()
	get(t, s, "v4/products/zones/par", "").ok(t, http.StatusOK)
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
		t.Errorf("answered after %v, want at least 30ms", elapsed)
	}

	// A client that gives up early gets an error, not the answer.
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"v4/products/zones", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("got %d despite a server latency of an hour", resp.StatusCode)
	}
	s.SetLatency(0)
	get(t, s, "v4/products/zones/par", "").ok(t, http.StatusOK)
}

func TestFaultRate(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(RouteZones, Fault{Status: 503, Rate: 0.1, Seed: 42})
	failed := 0
	for range 1000 {
		resp, err := http.Get(s.URL + "v4/products/zones")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode == 503 {
			failed++
		}
	}
	if failed < 60 || failed > 140 {
		t.Errorf("%d of 1000 requests failed, want about 100", failed)
	}
}

func TestFaultHoldAnswersWhenReleased(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	gate := make(chan struct{})
	s.Inject(RouteZone, Fault{Hold: gate, Times: 1})
	answered := make(chan answer, 1)
	go func() { answered <- send(t, s, http.MethodGet, "v4/products/zones/par", "", "") }()
	for s.Held() == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case <-answered:
		t.Fatal("answered before the hold was released")
	default:
	}
	close(gate)
	(<-answered).ok(t, http.StatusOK)
	if n := s.Held(); n != 0 {
		t.Errorf("%d answers held after the release", n)
	}

	// A held request whose client leaves ends without an answer.
	s.Inject(RouteZones, Fault{Hold: make(chan struct{})})
	leave(t, s, "/v4/products/zones", func() bool { return s.Held() == 1 })
	if n := s.Held(); n != 0 {
		t.Errorf("%d answers held after their client left", n)
	}
}

// leave serves a GET of path whose client leaves once ready reports true
// (10 s at most), and fails the test unless the handler then returns
// within 5 s.
func leave(t *testing.T, s *Server, path string, ready func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	done := make(chan struct{})
	go func() {
		s.ServeHTTP(httptest.NewRecorder(), req)
		close(done)
	}()
	for giveUp := time.Now().Add(10 * time.Second); !ready(); time.Sleep(time.Millisecond) {
		if time.Now().After(giveUp) {
			cancel()
			<-done
			t.Fatal("the request never got where its client was to leave")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler went on after its client left")
	}
}
