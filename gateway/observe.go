package gateway

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/cleverql/gateway/observe"
)

// logRequests writes one log line per request: what was asked (operation
// name and type, never variables), how it went (status, error codes), what
// it cost (duration, upstream calls), and the request id. Never the token.
func (g *Gateway) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, stats := observe.WithStats(r.Context())
		ctx, late := withLateLog(ctx)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		// A websocket's line waits for the socket's end (detachedWebsocket),
		// holding only what it prints: not the request or its writer.
		method, path, status := r.Method, r.URL.Path, sw.status
		late.handlerReturned(func() {
			op, typ, calls, codes := stats.Snapshot()
			attrs := []any{
				"requestId", RequestID(ctx), "method", method, "path", path, "status", status,
				"durationMs", float64(time.Since(start).Microseconds()) / 1000, "upstreamCalls", calls,
			}
			if typ != "" {
				attrs = append(attrs, "operationType", typ, "operation", op)
			}
			if len(codes) > 0 {
				attrs = append(attrs, "errors", codes)
			}
			g.opts.Logger.InfoContext(ctx, "request", attrs...)
		})
	})
}

// observeOperation records an operation's name and type for the log line
// (subscriptions are counted by startSubscription).
func (g *Gateway) observeOperation(ctx context.Context) {
	if !graphql.HasOperationContext(ctx) { // GetOperationContext panics without one
		return
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return
	}
	typ := string(oc.Operation.Operation)
	if s := observe.StatsFrom(ctx); s != nil {
		s.SetOperation(oc.Operation.Name, typ)
	}
}

// observeResponse records a response's error codes, and the operation's
// outcome and duration for queries and mutations.
func (g *Gateway) observeResponse(ctx context.Context, resp *graphql.Response) {
	if resp == nil {
		return
	}
	if s := observe.StatsFrom(ctx); s != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			s.AddCode(code)
		}
	}
	// A request refused before parsing has no operation context, and
	// GetOperationContext panics without one.
	if g.opts.Metrics == nil || !graphql.HasOperationContext(ctx) {
		return
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation == "subscription" {
		return
	}
	g.opts.Metrics.Operation(string(oc.Operation.Operation), len(resp.Errors) > 0, time.Since(oc.Stats.OperationStart))
}

// statusWriter remembers the status code, and keeps what websockets
// (Hijack) and streams (Flush) need of the writer it wraps.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Flush() { _ = w.FlushError() }

// FlushError flushes, and says whether the bytes left: what
// http.ResponseController.Flush asks of a writer before its Flush, which
// has no error to return.
func (w *statusWriter) FlushError() error {
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijacking is not supported")
	}
	w.status = http.StatusSwitchingProtocols
	return h.Hijack()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// traceOperation starts the operation's span; end ends it with the first
// response of a query or mutation, and when a subscription ends.
func (g *Gateway) traceOperation(ctx context.Context) (context.Context, func(*graphql.Response)) {
	if g.opts.Tracing == nil {
		return ctx, func(*graphql.Response) {}
	}
	oc := graphql.GetOperationContext(ctx)
	typ := "query"
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
	}
	name := "graphql " + typ
	if oc.Operation != nil && oc.Operation.Name != "" {
		name += " " + oc.Operation.Name
	}
	ctx, span := observe.Tracer(g.opts.Tracing).Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("graphql.operation.type", typ), attribute.String("graphql.operation.name", oc.OperationName)))
	if typ == "subscription" {
		context.AfterFunc(ctx, func() { span.End() })
		return ctx, func(*graphql.Response) {}
	}
	var once sync.Once
	return ctx, func(resp *graphql.Response) {
		once.Do(func() {
			if resp != nil && len(resp.Errors) > 0 {
				span.SetStatus(codes.Error, resp.Errors[0].Message)
			}
			span.End()
		})
	}
}
