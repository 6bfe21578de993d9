package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// BenchmarkNestedQuery measures the foundation's nested query (20
// applications, 63 upstream calls over loopback HTTP to the fake) through
// the real handler. It reports allocations and upstream calls per query.
func BenchmarkNestedQuery(b *testing.B) {
	benchQuery(b, nestedQuery, map[string]any{"id": upstreamtest.OrgAcme})
}

// benchQuery runs query through the real handler as Alice, failing on any
// error, and reports allocations and upstream calls per query.
func benchQuery(b *testing.B, query string, vars map[string]any) {
	e := newEnv(b)
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
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

// orgAppsQuery is cmd/bench workload 2's query (orgAppsQuery in
// cmd/bench/workloads.go); keep the two the same.
const orgAppsQuery = `query($id: ID!) { organisation(id: $id) { applications { name zone { name } deployments { id state steps { state date } } instances { id state } } } }`

// BenchmarkOrganisationApplications measures cmd/bench workload 2 through
// the real handler: one organisation's 20 applications with their zone,
// deployments (with steps) and instances, 43 upstream calls to the fake.
// It reports allocations and upstream calls per query.
func BenchmarkOrganisationApplications(b *testing.B) {
	benchQuery(b, orgAppsQuery, map[string]any{"id": upstreamtest.OrgAcme})
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

// BenchmarkLogEvent measures a live log line's way to 100 subscribers of
// the same application, one line (to all of them) per op: the fake
// streams it over SSE, the gateway decodes it once and hands it to every
// subscription, each executes its selection and writes it to its
// websocket, and the clients read it. Everything runs in this process, so
// allocations count the fake's and the clients' too; divided by 100, they
// are close to one event's cost in the gateway. The fake sends a line
// every 2 ms, slower than the gateway delivers them (else backpressure
// would end the subscriptions), so time per op is the fake's pace: read
// B/op and allocs/op.
func BenchmarkLogEvent(b *testing.B) {
	const subscribers = 100
	e := newEnvWith(b, nil)
	e.fake.SetLogInterval(2 * time.Millisecond)
	srv := newServer(b, e.gw)
	lines := make(chan error, subscribers)
	for range subscribers {
		c := subscribe(b, srv, logVars(nil)) // live tails: one shared upstream stream
		_ = c.SetReadDeadline(time.Time{})   // connect's read set one
		go readLines(c, lines)
	}
	await := func() {
		for range subscribers {
			if err := <-lines; err != nil {
				b.Fatal(err)
			}
		}
	}
	await() // every stream is live
	b.ReportAllocs()
	for b.Loop() {
		await()
	}
	b.StopTimer()
}

// readLines reads c until it fails, sending nil for every "next" message
// and an error for the end of the subscription or of the socket.
func readLines(c *websocket.Conn, lines chan<- error) {
	var buf bytes.Buffer
	for {
		_, r, err := c.NextReader()
		if err != nil {
			lines <- err
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			lines <- err
			return
		}
		switch m := buf.Bytes(); {
		case bytes.Contains(m, []byte(`"type":"next"`)):
			lines <- nil
		case bytes.Contains(m, []byte(`"type":"error"`)), bytes.Contains(m, []byte(`"type":"complete"`)):
			lines <- fmt.Errorf("the subscription ended: %s", m)
			return
		}
	}
}
