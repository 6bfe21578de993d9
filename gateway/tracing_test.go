package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/observe"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

func TestTracing(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	hc := &http.Client{Transport: observe.TracingTransport(upstream.NewTransport(), tp, upstream.Route)}
	e := newEnvWith(t, func(o *gateway.Options) { o.Tracing = tp }, upstream.WithHTTPClient(hc))
	fake := e.fake
	mustNoErrors(t, e.query(t, upstreamtest.TokenAlice, strings.Replace(nestedQuery, "query(", "query Nested(", 1), map[string]any{"id": upstreamtest.OrgAcme}))

	spans := exp.GetSpans()
	var op *tracetest.SpanStub
	for i := range spans {
		if spans[i].Name == "graphql query Nested" {
			op = &spans[i]
		}
	}
	if op == nil {
		t.Fatalf("no operation span among %d", len(spans))
	}
	children := 0
	for _, s := range spans {
		if !strings.HasPrefix(s.Name, "upstream GET ") {
			continue
		}
		children++
		if s.Parent.SpanID() != op.SpanContext.SpanID() || s.SpanContext.TraceID() != op.SpanContext.TraceID() {
			t.Errorf("%s is not a child of the operation span", s.Name)
		}
		if strings.Contains(s.Name, "orga_") || strings.Contains(s.Name, "app_") {
			t.Errorf("an id in a span name: %s", s.Name)
		}
	}
	if children != 63 {
		t.Errorf("%d upstream spans, want 63", children)
	}
	trace := op.SpanContext.TraceID().String()
	for _, r := range fake.Requests() {
		if tp := r.Header.Get("Traceparent"); !strings.Contains(tp, trace) {
			t.Errorf("%s sent traceparent %q, want trace %s", r.RawPath, tp, trace)
			break
		}
	}
}
