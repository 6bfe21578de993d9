// Package gateway builds the gateway's HTTP handler: the GraphQL endpoint
// (gqlgen, built explicitly), the playground, health and readiness probes,
// and the invoice document streams. It is the imperative shell around
// graph/, loaders/ and upstream/; server.go only configures and runs it.
package gateway

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/trace"

	"github.com/cleverql/gateway/auth"
	"github.com/cleverql/gateway/graph"
	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/graph/resolvers"
	"github.com/cleverql/gateway/internal/cache"
	"github.com/cleverql/gateway/limits"
	"github.com/cleverql/gateway/loaders"
	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/observe"
	"github.com/cleverql/gateway/playground"
	"github.com/cleverql/gateway/upstream"
)

// Options configure a [Gateway].
type Options struct {
	// Client calls the Clever Cloud API; it must carry no token: each
	// request's own token is added per call.
	Client *upstream.Client
	// Logger receives internal errors and recovered panics; nil discards.
	Logger *slog.Logger
	// DefaultToken is sent upstream for requests that bring no token
	// (single-user deployments); "" leaves them anonymous.
	DefaultToken string
	// PublicURL is the gateway's public URL, used to build absolute invoice
	// document URLs; "" makes them root-relative.
	PublicURL string
	// Introspection allows schema introspection queries.
	Introspection bool
	// Concurrency bounds the upstream calls of one response (0: default).
	Concurrency int
	// ShareCalls lets a response join a call another response of the same
	// caller has in flight, instead of making it again (loaders.Flights),
	// and an identical query the execution of one in flight (sharedQueries).
	ShareCalls bool
	// Naive turns the loaders' batching and caching off, to measure what
	// they save (cmd/bench); never in production.
	Naive bool
	// PlaygroundHeaders prefill the playground's headers editor (demo mode).
	PlaygroundHeaders map[string]string
	// Limits bound each operation's depth, complexity, aliases and root
	// fields; zero fields take limits.Defaults.
	Limits limits.Limits
	// MaxBodyBytes bounds a request body (0: 1 MiB).
	MaxBodyBytes int64
	// RequestTimeout bounds a query or mutation as a whole, every upstream
	// call included, over any transport (0: 30 s); subscriptions are not bounded.
	RequestTimeout time.Duration
	// MaxWebsocketMessage bounds a message a client sends (0: 64 KiB).
	MaxWebsocketMessage int64
	// WebsocketKeepAlive is how often a websocket is pinged (0: 10 s).
	WebsocketKeepAlive time.Duration
	// WebsocketInitTimeout is how long a new websocket may take to send
	// connection_init before it is closed (0: 10 s).
	WebsocketInitTimeout time.Duration
	// WebsocketPeerTimeout is how long a websocket peer may send nothing,
	// not even a pong, before it is disconnected (0: two keep-alive periods).
	WebsocketPeerTimeout time.Duration
	// SSEKeepAlive is how often an SSE stream that sent nothing else is sent
	// a ": ping" comment, lest a proxy cut it (0: 10 s).
	SSEKeepAlive time.Duration
	// SSEWriteTimeout is how long a write to an SSE stream may wait for
	// its client before the stream, and its subscription, end (0: 10 s).
	SSEWriteTimeout time.Duration
	// MaxSubscriptionsPerConnection bounds the operations one websocket
	// carries at once: its subscriptions, and its queries and mutations
	// until they answer (0: 100).
	MaxSubscriptionsPerConnection int
	// Logs tunes log subscriptions (buffer, reconnects); zero fields take
	// logtail.Defaults.
	Logs logtail.Config
	// Metrics, when set, are recorded and served at /metrics.
	Metrics *observe.Metrics
	// Tracing, when set, makes a span of every GraphQL operation; the
	// upstream client's transport adds the child spans (observe.TracingTransport).
	Tracing trace.TracerProvider
	// AllowedOrigins are the browser origins (scheme://host[:port]) that may
	// open websockets besides the gateway's own; "*" allows any (demo mode).
	AllowedOrigins []string
}

// Gateway is the gateway's HTTP handler.
type Gateway struct {
	opts      Options
	presenter gqlerr.Presenter
	handler   http.Handler
	ready     atomic.Bool
	long      longLived
	flights   *loaders.Flights // nil unless ShareCalls
	queries   *sharedQueries   // nil unless ShareCalls
}

// New returns a Gateway, ready to serve.
func New(opts Options) *Gateway {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{opts: opts, presenter: gqlerr.Presenter{Logger: opts.Logger, RequestID: RequestID}}
	g.ready.Store(true)
	if opts.ShareCalls {
		var joined func(string)
		if opts.Metrics != nil {
			joined = opts.Metrics.Joined
		}
		g.flights = loaders.NewFlights(joined)
		g.queries = &sharedQueries{flights: g.flights, presenter: g.presenter, joined: joined, observe: g.observeResponse}
	}

	mux := http.NewServeMux()
	mux.Handle("/graphql", g.logRequests(g.cors(g.refuseWhileDraining(g.checkOrigin(g.limitBody(g.withDeadline(g.graphQLServer())))))))
	if opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics.Handler())
	}
	mux.Handle("GET /{$}", playground.Handler("/graphql", opts.PlaygroundHeaders))
	mux.Handle("GET "+playground.AssetsPath, playground.Assets())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", g.readyz)
	mux.Handle("/invoices/{ownerId}/{document}", g.cors(http.HandlerFunc(g.invoiceDocument)))
	g.handler = withRequestID(g.withToken(mux))
	return g
}

// isMutation reports whether ctx's operation is a mutation.
func isMutation(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	return oc.Operation != nil && oc.Operation.Operation == "mutation"
}

// wrote returns what to do once ctx's operation has answered: for a
// mutation, with ShareCalls, keep the caller's later queries from joining
// calls that started before its write ended (loaders.Flights.Wrote).
func (g *Gateway) wrote(ctx context.Context) func() {
	if g.flights == nil || !isMutation(ctx) {
		return func() {}
	}
	tok := auth.TokenFrom(ctx)
	return func() { g.flights.Wrote(tok) }
}

// SharedCalls returns the upstream calls that responses may join, and how
// many responses wait for them (both 0 without ShareCalls).
func (g *Gateway) SharedCalls() (calls, waiting int) {
	if g.flights == nil {
		return 0, 0
	}
	return g.flights.InFlight()
}

// SharedQueries returns the query executions that identical queries may
// join, and how many requests wait for them (both 0 without ShareCalls).
func (g *Gateway) SharedQueries() (queries, waiting int) {
	if g.queries == nil {
		return 0, 0
	}
	return g.queries.inFlight()
}

// ServeHTTP implements [http.Handler].
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.handler.ServeHTTP(w, r) }

func (g *Gateway) readyz(w http.ResponseWriter, _ *http.Request) {
	if !g.ready.Load() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// withToken puts the caller's token (or the default token) in the context.
func (g *Gateway) withToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := auth.Normalize(r.Header.Get("Authorization"))
		if tok == "" {
			tok = g.opts.DefaultToken
		}
		next.ServeHTTP(w, r.WithContext(auth.WithToken(r.Context(), tok)))
	})
}

// graphQLServer builds the gqlgen server explicitly: transports, query
// cache, introspection, error presenter, recovery, and one set of loaders
// per response.
func (g *Gateway) graphQLServer() *handler.Server {
	res := &resolvers.Resolver{DocumentsURL: g.opts.PublicURL, Logs: g.opts.Logs, LogHub: resolvers.NewLogHub(g.opts.Logs)}
	es := graph.NewExecutableSchema(graph.Config{Resolvers: res})
	srv := handler.New(es)
	srv.AddTransport(detachedWebsocket{logger: g.opts.Logger, Websocket: transport.Websocket{
		// Keep-alive is the adapter's, on a timer per socket rather than
		// gqlgen's goroutine per socket (KeepAlivePingInterval and
		// PingPongInterval stay 0).
		Implementation:   newGorillaWebsocket(10*time.Second, cmp.Or(g.opts.WebsocketKeepAlive, 10*time.Second), g.opts.WebsocketPeerTimeout, &g.long),
		InitFunc:         g.websocketInit,
		InitTimeout:      cmp.Or(g.opts.WebsocketInitTimeout, 10*time.Second), // sockets that never send connection_init are closed
		PayloadReadLimit: ptr(cmp.Or(g.opts.MaxWebsocketMessage, 64<<10)),
	}})
	srv.AddTransport(sseTransport{SSE: transport.SSE{KeepAlivePingInterval: cmp.Or(g.opts.SSEKeepAlive, 10*time.Second)}, writeTimeout: cmp.Or(g.opts.SSEWriteTimeout, 10*time.Second)}) // before POST: both take POST, SSE only with Accept: text/event-stream
	srv.AddTransport(getTransport{})
	srv.AddTransport(postTransport{})
	srv.AddTransport(unsupportedTransport{})
	// Documents weigh their syntax trees, estimated from their tokens: a
	// tree weighs 25 to 110 times its text (a list of "" weighs 72 times),
	// so a bound on text let 2 MiB of it hold 140 MiB. The tokens are
	// counted once, when gqlgen keeps a document new to it.
	documents := cache.New(1000, 24<<20, func(query string, _ *ast.QueryDocument) int {
		return limits.Tokens(query) * limits.TreeBytesPerToken
	})
	srv.SetQueryCache(documents)
	if g.opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: cache.New(1000, 4<<20, func(hash, query string) int { return len(hash) + len(query) })})
	srv.Use(&limits.Extension{Limits: g.opts.Limits, Rules: argumentRules, IDCheck: upstream.CheckID, Documents: documents})
	srv.SetErrorPresenter(g.presenter.Present)
	srv.SetRecoverFunc(g.presenter.Recover)
	// Loaders live for one response (one query, one subscription event), so
	// no event answers with data cached for an earlier one. A subscription's
	// resolver runs once, before any response: it gets the operation's.
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		var live *resolvers.LiveTail // renders each live log line once for all its subscribers
		var sub *subscriptionEnd
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == "subscription" {
			if !streams(oc.Headers) {
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{g.presenter.Present(ctx, errNeedsStream)}})
			}
			var err error
			if ctx, sub, err = g.startSubscription(ctx); err != nil {
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{g.presenter.Present(ctx, err)}})
			}
			ctx, live = resolvers.WithLiveTail(ctx)
			sub.live = live
		}
		// A query or mutation over a websocket or SSE has no request
		// deadline (withDeadline leaves streams alone): it gets one of its
		// own, and on a websocket it takes one of the socket's slots until
		// it has answered, as a subscription does until it ends.
		var timeout time.Duration
		var slot *atomic.Int32 // the websocket's, one of them taken until the answer
		if sub == nil {
			if _, bounded := ctx.Deadline(); !bounded {
				timeout = g.requestTimeout()
			}
			var err error
			if slot, err = g.takeSlot(ctx); err != nil {
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{g.presenter.Present(ctx, err)}})
			}
		}
		g.observeOperation(ctx)
		ctx, end := g.traceOperation(ctx)
		h := live.Handler(next(g.withLoaders(ctx)))
		if g.queries != nil {
			h = g.queries.handler(ctx, h)
		}
		wrote := g.wrote(ctx)
		return func(ctx context.Context) (resp *graphql.Response) {
			if sub != nil {
				defer func() {
					if resp == nil { // the last response, or a panic
						sub.run()
					}
				}()
			}
			if slot != nil {
				defer func() { // a query has one response: it has answered
					slot.Add(-1)
					slot = nil // gqlgen asks again, for the end
				}()
			}
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			resp = h(ctx)
			wrote()
			end(resp)
			return resp
		}
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(g.withLoaders(ctx))
		if err := gqlerr.EventError(ctx); err != nil && resp != nil {
			// A subscription's last event: its error replaces the null it carries.
			resp.Data = []byte("null")
			resp.Errors = gqlerror.List{g.presenter.Present(ctx, err)}
		}
		if resp != nil {
			resp.Errors = capErrors(resp.Errors)
		}
		g.observeResponse(ctx, resp)
		return resp
	})
	return srv
}

// maxErrors bounds a response's errors: a document of 300 KB that repeats
// an unknown directive drew 100,000 errors, a 35 MB answer.
const maxErrors = 50

// capErrors keeps the first maxErrors errors, and says how many more there
// were, with the code of the first one left out.
func capErrors(errs gqlerror.List) gqlerror.List {
	if len(errs) <= maxErrors {
		return errs
	}
	code, _ := errs[maxErrors].Extensions["code"].(string)
	more := gqlerr.New(cmp.Or(code, gqlerr.BadUserInput), "%d more errors are left out of this response", len(errs)-maxErrors)
	return append(errs[:maxErrors:maxErrors], more)
}

func ptr[T any](v T) *T { return &v }

// streams reports whether a request can carry a subscription: a websocket,
// or SSE (Accept: text/event-stream). Over a plain POST, gqlgen would
// answer the first event as if it were a query's result.
func streams(h http.Header) bool {
	return upgradesToWebsocket(h) || strings.Contains(h.Get("Accept"), "text/event-stream")
}

var errNeedsStream = gqlerr.BadInput("subscriptions need a websocket (graphql-transport-ws or graphql-ws) or SSE (POST with Accept: text/event-stream)")

// withLoaders attaches a fresh set of loaders for the caller, built on first use.
func (g *Gateway) withLoaders(ctx context.Context) context.Context {
	tok := auth.TokenFrom(ctx)
	opts := loaders.Options{Concurrency: g.opts.Concurrency, Naive: g.opts.Naive}
	if !isMutation(ctx) {
		opts.Share = g.flights // a mutation may read what it just wrote: it shares nothing
	}
	if g.opts.Metrics != nil {
		opts.OnBatch = g.opts.Metrics.Batch
	}
	return loaders.WithLazy(ctx, g.opts.Client, tok, opts)
}

// argumentRules are the argument checks beyond types (see limits.Extension).
var argumentRules = map[string]limits.Rule{
	"limit":                               limits.Range(1, 10_000),
	"PulsarPolicyInput.sizeInBytes":       limits.NonNegativeWhole,
	"PulsarPolicyInput.durationInMinutes": limits.NonNegativeWhole,
	"LogFilter.services":                  nonBlank, // each one
}

// nonBlank refuses an empty string, or one of spaces: the upstream would.
func nonBlank(v any) error {
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// withDeadline bounds queries and mutations over plain HTTP as a whole;
// websockets and SSE streams are meant to last, and their queries and
// mutations get the same deadline each (see graphQLServer). Answers are not
// cached unless a transport says otherwise (see getTransport).
func (g *Gateway) withDeadline(next http.Handler) http.Handler {
	d := g.requestTimeout()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if streams(r.Header) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requestTimeout bounds a query or mutation (RequestTimeout, 30 s by default).
func (g *Gateway) requestTimeout() time.Duration {
	if g.opts.RequestTimeout <= 0 {
		return 30 * time.Second
	}
	return g.opts.RequestTimeout
}

// limitBody refuses request bodies larger than MaxBodyBytes: at once when
// Content-Length says so, else when reading passes the bound.
func (g *Gateway) limitBody(next http.Handler) http.Handler {
	n := g.opts.MaxBodyBytes
	if n <= 0 {
		n = 1 << 20
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			writeJSON(w, map[string]any{"errors": []any{gqlerr.BadInput("the request body exceeds %d bytes", n)}})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}
