// Package observe makes the gateway observable: Prometheus metrics (served
// at /metrics), and per-request stats (upstream calls, error codes) for the
// one log line each request writes. It never records a token or a
// variable's value, and its labels are bounded: operation types, upstream
// route templates, status codes.
package observe

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the gateway's Prometheus metrics, in their own registry.
type Metrics struct {
	registry         *prometheus.Registry
	requests         *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	upstreamCalls    *prometheus.CounterVec
	upstreamDuration *prometheus.HistogramVec
	subscriptions    prometheus.Gauge
	websockets       prometheus.Gauge
	batches          *prometheus.HistogramVec
	joined           *prometheus.CounterVec
}

// NewMetrics returns the metrics, registered with the Go runtime's and the
// process's.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_graphql_operations_total",
			Help: "GraphQL operations, by type (query, mutation, subscription) and outcome (ok, error: any error in the response).",
		}, []string{"type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gateway_graphql_operation_duration_seconds",
			Help:    "Time to answer a query or mutation (subscriptions: until they end).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
		upstreamCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_upstream_requests_total",
			Help: "Calls to the Clever Cloud API, by route template, method and status (0: no answer).",
		}, []string{"route", "method", "status"}),
		upstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gateway_upstream_request_duration_seconds",
			Help:    "Time to the response headers of a call to the Clever Cloud API, by route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gateway_active_subscriptions",
			Help: "Subscriptions being served.",
		}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gateway_websocket_connections",
			Help: "Open websocket connections.",
		}),
		batches: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gateway_dataloader_batch_size",
			Help:    "Keys per by-id dataloader batch (a batch of several ids of one parent costs one list call).",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100},
		}, []string{"loader"}),
		joined: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_upstream_calls_joined_total",
			Help: "Upstream calls a response joined, in flight for another response of the same caller, instead of making them (-share-calls), by loader.",
		}, []string{"loader"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.upstreamCalls, m.upstreamDuration, m.subscriptions, m.websockets, m.batches, m.joined,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Operation records a finished query or mutation.
func (m *Metrics) Operation(typ string, failed bool, d time.Duration) {
	outcome := "ok"
	if failed {
		outcome = "error"
	}
	m.requests.WithLabelValues(typ, outcome).Inc()
	m.duration.WithLabelValues(typ).Observe(d.Seconds())
}

// Batch records the size of a dataloader batch.
func (m *Metrics) Batch(loader string, keys int) {
	m.batches.WithLabelValues(loader).Observe(float64(keys))
}

// Joined counts a call a response joined instead of making it.
func (m *Metrics) Joined(loader string) {
	m.joined.WithLabelValues(loader).Inc()
}

// Subscribed counts a subscription, until Unsubscribed.
func (m *Metrics) Subscribed() { m.subscriptions.Inc() }

// Unsubscribed counts a subscription's end.
func (m *Metrics) Unsubscribed() { m.subscriptions.Dec() }

// Connected counts a websocket connection until ctx ends.
func (m *Metrics) Connected(ctx context.Context) {
	m.websockets.Inc()
	context.AfterFunc(ctx, m.websockets.Dec)
}

// Transport wraps base: every upstream call is counted and timed, in the
// metrics and in the stats of the request it serves (see WithStats). route
// names a request's route template (bounded, never an id).
func (m *Metrics) Transport(base http.RoundTripper, route func(*http.Request) string) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := base.RoundTrip(r)
		rt := route(r)
		status := "0"
		if err == nil {
			status = strconv.Itoa(resp.StatusCode)
		}
		m.upstreamCalls.WithLabelValues(rt, r.Method, status).Inc()
		m.upstreamDuration.WithLabelValues(rt).Observe(time.Since(start).Seconds())
		if s := StatsFrom(r.Context()); s != nil {
			s.upstreamCalls.Add(1)
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Stats are what one request did, for its log line.
type Stats struct {
	upstreamCalls atomic.Int64

	mu        sync.Mutex
	operation string // name, as the client gave it
	opType    string
	codes     map[string]int
}

type statsKey struct{}

// WithStats returns ctx carrying fresh Stats.
func WithStats(ctx context.Context) (context.Context, *Stats) {
	s := &Stats{}
	return context.WithValue(ctx, statsKey{}, s), s
}

// StatsFrom returns the request's Stats, or nil.
func StatsFrom(ctx context.Context) *Stats {
	s, _ := ctx.Value(statsKey{}).(*Stats)
	return s
}

// SetOperation records the operation's name and type.
func (s *Stats) SetOperation(name, typ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.operation, s.opType = name, typ
}

// AddCode records the code of an error the response carried.
func (s *Stats) AddCode(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = map[string]int{}
	}
	s.codes[code]++
}

// Snapshot returns what the request did so far.
func (s *Stats) Snapshot() (operation, opType string, upstreamCalls int64, codes map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(map[string]int, len(s.codes))
	for k, v := range s.codes {
		c[k] = v
	}
	return s.operation, s.opType, s.upstreamCalls.Load(), c
}
