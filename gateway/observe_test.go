package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/observe"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// observedEnv is a gateway with metrics, its upstream calls going through
// the instrumented transport, as server.go wires it.
func observedEnv(t *testing.T) (*env, *httptest.Server) {
	t.Helper()
	m := observe.NewMetrics()
	hc := &http.Client{Transport: m.Transport(upstream.NewTransport(), upstream.Route)}
	e := newEnvWith(t, func(o *gateway.Options) { o.Metrics = m }, upstream.WithHTTPClient(hc))
	return e, newServer(t, e.gw)
}

func scrape(t *testing.T, e *env) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	e.gw.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

// value sums a family's samples whose labels include want.
func value(f *dto.MetricFamily, want map[string]string) float64 {
	var sum float64
	if f == nil {
		return 0
	}
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e, _ := observedEnv(t)
	mustNoErrors(t, e.query(t, upstreamtest.TokenAlice, nestedQuery, map[string]any{"id": upstreamtest.OrgAcme}))
	e.query(t, upstreamtest.TokenAlice, `{ organisation(id: "orga_nope") { id } }`, nil)
	f := scrape(t, e)
	for name, want := range map[string]float64{
		"gateway_graphql_operations_total":           2,
		"gateway_graphql_operation_duration_seconds": 2,
		"gateway_upstream_requests_total":            64,
		"gateway_upstream_request_duration_seconds":  64,
	} {
		if got := value(f[name], nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := value(f["gateway_graphql_operations_total"], map[string]string{"type": "query", "outcome": "error"}); got != 1 {
		t.Errorf("failed queries: %v", got)
	}
	if got := value(f["gateway_upstream_requests_total"], map[string]string{"route": "v4/orchestration/organisations/{}/applications/{}/deployments", "method": "GET", "status": "200"}); got != 20 {
		t.Errorf("deployments calls: %v, want 20", got)
	}
	if got := value(f["gateway_upstream_requests_total"], map[string]string{"status": "404"}); got != 1 {
		t.Errorf("404 calls: %v, want 1", got)
	}
	for _, m := range f["gateway_upstream_requests_total"].Metric {
		for _, l := range m.Label {
			if strings.Contains(l.GetValue(), "orga_") || strings.Contains(l.GetValue(), "app_") {
				t.Errorf("an id in a label: %s=%s", l.GetName(), l.GetValue())
			}
		}
	}
	// The nested query's Instance.deployment lookups: one batch per
	// application at least, answered from the deployments lists.
	if got := value(f["gateway_dataloader_batch_size"], map[string]string{"loader": "deployment"}); got < 1 {
		t.Errorf("deployment batches: %v", got)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "gateway_active_subscriptions", "gateway_websocket_connections"} {
		if f[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}

func TestSubscriptionGauges(t *testing.T) {
	t.Parallel()
	e, srv := observedEnv(t)
	c := subscribe(t, srv, logVars(nil))
	if m := read(t, c); m.Type != "next" {
		t.Fatalf("got %+v", m)
	}
	f := scrape(t, e)
	if s, w := value(f["gateway_active_subscriptions"], nil), value(f["gateway_websocket_connections"], nil); s != 1 || w != 1 {
		t.Errorf("subscriptions %v, websockets %v; want 1 and 1", s, w)
	}
	// An SSE subscription counts too, and both leave the gauges at 0.
	resp := subscribeSSE(t, srv, logVars(map[string]any{"since": upstreamtest.LogsBase.Format(time.RFC3339)}))
	awaitSSENext(t, resp)
	if s := value(scrape(t, e)["gateway_active_subscriptions"], nil); s != 2 {
		t.Errorf("subscriptions %v with an SSE one; want 2", s)
	}
	_ = c.Close()
	_ = resp.Body.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := e.fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for {
		f = scrape(t, e)
		if value(f["gateway_active_subscriptions"], nil) == 0 && value(f["gateway_websocket_connections"], nil) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("gauges stayed at %v and %v", value(f["gateway_active_subscriptions"], nil), value(f["gateway_websocket_connections"], nil))
		case <-time.After(10 * time.Millisecond):
		}
	}
	if websockets, subscriptions := e.gw.CloseLongLived(); websockets != 0 || subscriptions != 0 {
		t.Errorf("the drain would still end %d websockets and %d subscriptions", websockets, subscriptions)
	}
}

func TestOneLogLinePerRequest(t *testing.T) {
	t.Parallel()
	e, _ := observedEnv(t)
	secret := "s3cr3t-variable-value"
	e.query(t, upstreamtest.TokenAlice, `query Overview($id: ID!, $x: String!) { organisation(id: $id) { id applications { id } } zone(name: $x) { id } }`,
		map[string]any{"id": upstreamtest.OrgAcme, "x": secret})
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d request lines: %s", len(lines), e.logs.String())
	}
	l := lines[0]
	if l["operation"] != "Overview" || l["operationType"] != "query" || l["upstreamCalls"] != float64(3) || l["status"] != float64(200) || l["requestId"] == "" {
		t.Errorf("log line %v", l)
	}
	if errs, _ := l["errors"].(map[string]any); errs["NOT_FOUND"] != float64(1) {
		t.Errorf("errors %v", l["errors"])
	}
	if all := e.logs.String(); strings.Contains(all, upstreamtest.TokenAlice) || strings.Contains(all, secret) {
		t.Errorf("the logs hold the token or a variable: %s", all)
	}
}
