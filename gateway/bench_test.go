package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// BenchmarkNestedQuery measures the foundation's nested query (20
// applications, 63 upstream calls over loopback HTTP to the fake) through
// the real handler. It reports allocations and upstream calls per query.
func BenchmarkNestedQuery(b *testing.B) {
	e := newEnv(b)
	body, err := json.Marshal(map[string]any{"query": nestedQuery, "variables": map[string]any{"id": upstreamtest.OrgAcme}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	e.fake.ResetCounts()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
		rec := httptest.NewRecorder()
		e.gw.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
		}
	}
	b.ReportMetric(float64(e.fake.Total())/float64(b.N), "upstream-calls/op")
}

// BenchmarkZonesQuery measures the gateway's own overhead on the smallest
// query (one upstream call).
func BenchmarkZonesQuery(b *testing.B) {
	e := newEnv(b)
	body := []byte(`{"query":"{ zones { name city } }"}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.gw.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
		}
	}
}
