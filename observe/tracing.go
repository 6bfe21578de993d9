package observe

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Tracing: one span per GraphQL operation, a child span per upstream call,
// and the W3C trace context sent upstream so that Clever Cloud's side (or a
// test) can join the trace. Off unless configured.

const tracerName = "github.com/cleverql/gateway"

// NewOTLPTracerProvider exports spans over OTLP/HTTP to endpoint (a URL
// such as http://collector:4318; the standard OTEL_EXPORTER_OTLP_* variables
// refine it). Call shutdown before exiting, to flush.
func NewOTLPTracerProvider(ctx context.Context, endpoint string) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, nil, err
	}
	sdk := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("cleverql-gateway"))),
	)
	return sdk, sdk.Shutdown, nil
}

// Tracer returns tp's tracer for the gateway; a nil tp traces nothing.
func Tracer(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return tp.Tracer(tracerName)
}

var propagator = propagation.TraceContext{}

// TracingTransport wraps base: each upstream call is a span, child of the
// request's, named after its route template, and carries the W3C trace
// context (traceparent) upstream.
func TracingTransport(base http.RoundTripper, tp trace.TracerProvider, route func(*http.Request) string) http.RoundTripper {
	tracer := Tracer(tp)
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		ctx, span := tracer.Start(r.Context(), "upstream "+r.Method+" "+route(r), trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route(r))))
		defer span.End()
		r = r.Clone(ctx)
		propagator.Inject(ctx, propagation.HeaderCarrier(r.Header))
		resp, err := base.RoundTrip(r)
		if err != nil {
			span.SetStatus(codes.Error, "no answer")
			return nil, err
		}
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
		if resp.StatusCode >= 400 {
			span.SetStatus(codes.Error, resp.Status)
		}
		return resp, nil
	})
}
