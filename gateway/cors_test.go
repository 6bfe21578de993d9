package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

func corsEnv(t *testing.T, origins ...string) *gateway.Gateway {
	t.Helper()
	return newEnvWith(t, func(o *gateway.Options) { o.AllowedOrigins = origins }).gw
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestCORS(t *testing.T) {
	t.Parallel()
	gw := corsEnv(t, "https://console.example")
	preflight := func(origin string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		return serve(gw, r)
	}
	ok := preflight("https://console.example")
	h := ok.Header()
	if ok.Code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://console.example" ||
		h.Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Errorf("allowed preflight: %d %v", ok.Code, h)
	}
	if bad := preflight("https://evil.example"); bad.Code != http.StatusForbidden || bad.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("disallowed preflight: %d %v", bad.Code, bad.Header())
	}
	// The actual request from an allowed origin, and from another one.
	for origin, want := range map[string]string{"https://console.example": "https://console.example", "https://evil.example": ""} {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ zones { name } }"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", origin)
		if got := serve(gw, r).Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", origin, got, want)
		}
	}
	// "*": any origin, never with credentials.
	anyGW := corsEnv(t, "*")
	r := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	r.Header.Set("Origin", "https://anyone.example")
	r.Header.Set("Access-Control-Request-Method", "POST")
	if h := serve(anyGW, r).Header(); h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("wildcard: %v", h)
	}
}

func TestGETCachingOnlyWithoutToken(t *testing.T) {
	t.Parallel()
	gw := corsEnv(t)
	get := func(token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/graphql?query=%7B+zones+%7B+name+%7D+%7D", nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return serve(gw, r)
	}
	if h := get("").Header(); h.Get("Cache-Control") != "public, max-age=60" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Authorization") {
		t.Errorf("anonymous GET: %v", h)
	}
	if cc := get(upstreamtest.TokenAlice).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET with a token: Cache-Control %q, want no-store", cc)
	}
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ zones { name } }"}`))
	r.Header.Set("Content-Type", "application/json")
	if cc := serve(gw, r).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST: Cache-Control %q, want no-store", cc)
	}
	// In single-user mode a request without a token is the server token's:
	// its answers are that user's, never public.
	single := newEnvWith(t, func(o *gateway.Options) { o.DefaultToken = "Bearer " + upstreamtest.TokenAlice }).gw
	r = httptest.NewRequest(http.MethodGet, "/graphql?query=%7B+zones+%7B+name+%7D+%7D", nil)
	if cc := serve(single, r).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET on the server's token: Cache-Control %q, want no-store", cc)
	}
	// An anonymous GET whose answer has errors is not cached either.
	r = httptest.NewRequest(http.MethodGet, "/graphql?query=%7B+self+%7B+id+%7D+%7D", nil)
	if cc := serve(gw, r).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("anonymous GET with errors: Cache-Control %q, want no-store", cc)
	}
}
