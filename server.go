// Command gateway serves one GraphQL schema in front of the Clever Cloud API.
//
// With no token and no upstream URL configured it serves a built-in demo
// upstream, so `go run .` gives a working playground on any machine.
package main

//go:generate go tool gqlgen generate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/limits"
	"github.com/cleverql/gateway/observe"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// Config is everything the gateway reads from flags and the environment.
type Config struct {
	Listen          string
	UpstreamURL     string
	Demo            bool
	Token           string
	UpstreamTimeout time.Duration
	DrainTimeout    time.Duration
	ShutdownDelay   time.Duration
	RequestTimeout  time.Duration
	PublicURL       string
	Introspection   bool
	Concurrency     int
	LogFormat       string
	AllowedOrigins  []string
	PprofAddr       string
	OTLPEndpoint    string
	Naive           bool
	ShareCalls      bool
	Limits          limits.Limits
	MaxBodyBytes    int64
	MaxWSMessage    int64
	MaxSubsPerConn  int
	MaxPerToken     int
	MaxStreams      int
}

// parseConfig reads flags, with defaults from the environment; nothing below
// run reads the environment.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := ":8080"
	if port := getenv("PORT"); port != "" {
		listen = ":" + port
	}
	fs.StringVar(&cfg.Listen, "listen", listen, "listen address (env PORT: port only)")
	fs.StringVar(&cfg.UpstreamURL, "upstream", getenv("CLEVER_API_URL"), "Clever Cloud API base URL (env CLEVER_API_URL); default by token kind: Bearer → "+upstream.BridgeURL+", OAuth → "+upstream.APIURL)
	fs.BoolVar(&cfg.Demo, "demo", getenv("DEMO") == "1", "serve the built-in demo upstream (env DEMO=1); on by default when neither a token nor an upstream URL is set")
	fs.StringVar(&cfg.Token, "token", getenv("CLEVER_API_TOKEN"), "server-side token for requests that bring none (env CLEVER_API_TOKEN); single-user deployments only")
	fs.DurationVar(&cfg.UpstreamTimeout, "upstream-timeout", 15*time.Second, "timeout of one upstream call")
	fs.DurationVar(&cfg.DrainTimeout, "drain-timeout", 20*time.Second, "how long in-flight requests may finish on shutdown")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", 30*time.Second, "bound on a whole query or mutation, upstream calls included, over HTTP, websockets and SSE")
	fs.DurationVar(&cfg.ShutdownDelay, "shutdown-delay", 2*time.Second, "on SIGTERM, how long /readyz answers 503 before websockets are closed and the listener stops, so that load balancers move traffic away")
	fs.StringVar(&cfg.PublicURL, "public-url", getenv("PUBLIC_URL"), "public URL of the gateway, for absolute invoice document URLs (env PUBLIC_URL)")
	fs.BoolVar(&cfg.Introspection, "introspection", getenv("INTROSPECTION") != "0", "allow schema introspection (env INTROSPECTION=0 turns it off)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 128, "upstream calls one response may run at once (the per-token bound applies too)")
	fs.StringVar(&cfg.OTLPEndpoint, "otlp-endpoint", getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), "send OpenTelemetry traces over OTLP/HTTP to this URL (env OTEL_EXPORTER_OTLP_ENDPOINT); off when empty")
	fs.IntVar(&cfg.Limits.MaxDepth, "max-depth", limits.Defaults.MaxDepth, "deepest query")
	fs.IntVar(&cfg.Limits.MaxComplexity, "max-complexity", limits.Defaults.MaxComplexity, "most complex query (a list counts 20 items unless its limit argument says fewer)")
	fs.IntVar(&cfg.Limits.MaxAliases, "max-aliases", limits.Defaults.MaxAliases, "most aliases in a query")
	fs.IntVar(&cfg.Limits.MaxRootFields, "max-root-fields", limits.Defaults.MaxRootFields, "most root fields in a query")
	fs.IntVar(&cfg.Limits.MaxTokens, "max-tokens", limits.DefaultMaxTokens, "longest query document, in tokens (names, values, punctuation)")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body")
	fs.Int64Var(&cfg.MaxWSMessage, "max-ws-message-bytes", 64<<10, "largest websocket message from a client")
	fs.IntVar(&cfg.MaxSubsPerConn, "max-subscriptions-per-connection", 100, "most operations one websocket carries at once: its subscriptions, and its queries and mutations until they answer")
	fs.IntVar(&cfg.MaxPerToken, "max-upstream-per-token", 128, "upstream calls one token may have in flight at once, across the process (in -token mode every caller shares one)")
	fs.IntVar(&cfg.MaxStreams, "max-log-streams-per-token", 200, "upstream log streams one token may hold open at once, across the process (live tails of the same application and filter share one; in -token mode every caller shares one)")
	fs.BoolVar(&cfg.ShareCalls, "share-calls", getenv("SHARE_CALLS") == "1", "let a query join an upstream call that another query of the same token has in flight, and an identical query its whole execution, instead of making them again (env SHARE_CALLS=1); never an answer older than the caller's last write")
	fs.BoolVar(&cfg.Naive, "naive", false, "benchmarks only: turn batching and caching off, one upstream call per field")
	fs.StringVar(&cfg.PprofAddr, "pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); off when empty. Never expose it publicly")
	origins := fs.String("allowed-origins", getenv("ALLOWED_ORIGINS"), "comma-separated browser origins (https://console.example) allowed to open websockets besides the gateway's own (env ALLOWED_ORIGINS); * allows any; any in demo mode")
	fs.StringVar(&cfg.LogFormat, "log-format", getenv("LOG_FORMAT"), "log format: text or json (env LOG_FORMAT; default json, text in demo mode)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if cfg.Token == "" && cfg.UpstreamURL == "" {
		cfg.Demo = true
	}
	if cfg.Demo && cfg.UpstreamURL != "" {
		return cfg, errors.New("-demo and -upstream (CLEVER_API_URL) exclude each other")
	}
	if cfg.LogFormat == "" {
		cfg.LogFormat = "json"
		if cfg.Demo {
			cfg.LogFormat = "text"
		}
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	if cfg.Demo {
		cfg.AllowedOrigins = []string{"*"}
	}
	return cfg, nil
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("-log-format must be text or json, got %q", format)
}

// run wires the gateway from its configuration and serves until ctx ends,
// then drains: /readyz turns 503 and in-flight requests finish.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg.LogFormat, stdout)
	if err != nil {
		return err
	}
	opts := gateway.Options{
		Logger: logger, DefaultToken: cfg.Token, PublicURL: cfg.PublicURL,
		Introspection: cfg.Introspection, Concurrency: cfg.Concurrency,
		AllowedOrigins: cfg.AllowedOrigins, RequestTimeout: cfg.RequestTimeout, Naive: cfg.Naive, ShareCalls: cfg.ShareCalls,
		Limits: cfg.Limits, MaxBodyBytes: cfg.MaxBodyBytes, MaxWebsocketMessage: cfg.MaxWSMessage,
		MaxSubscriptionsPerConnection: cfg.MaxSubsPerConn,
	}
	upstreamURL := cfg.UpstreamURL
	if cfg.Demo {
		fake := upstreamtest.New()
		fake.SetRecording(false) // a demo runs for long: keep counts, not every request
		if err := fake.Start(); err != nil {
			return fmt.Errorf("start demo upstream: %w", err)
		}
		defer fake.Close()
		upstreamURL = fake.URL
		opts.PlaygroundHeaders = map[string]string{"Authorization": "Bearer " + upstreamtest.TokenAlice}
	}
	opts.Metrics = observe.NewMetrics()
	var transport http.RoundTripper = upstream.NewTransport()
	if cfg.OTLPEndpoint != "" {
		tp, shutdown, err := observe.NewOTLPTracerProvider(ctx, cfg.OTLPEndpoint)
		if err != nil {
			return fmt.Errorf("tracing: %w", err)
		}
		defer func() { _ = shutdown(context.WithoutCancel(ctx)) }()
		opts.Tracing = tp
		transport = observe.TracingTransport(transport, tp, upstream.Route)
	}
	hc := &http.Client{Transport: opts.Metrics.Transport(transport, upstream.Route)}
	client, err := upstream.New(upstream.WithBaseURL(upstreamURL), upstream.WithTimeout(cfg.UpstreamTimeout), upstream.WithHTTPClient(hc),
		upstream.WithMaxConcurrentPerToken(cfg.MaxPerToken), upstream.WithMaxStreamsPerToken(cfg.MaxStreams))
	if err != nil {
		return err
	}
	opts.Client = client
	gw := gateway.New(opts)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	announce(stdout, cfg, ln.Addr())
	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, stdout)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	srv := &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return drain(ctx, cfg, logger, gw, srv, served)
}

// drain stops serving without dropping anyone: /readyz turns 503 and new
// websockets are refused while everything else is still served; after
// ShutdownDelay (load balancers move away meanwhile), websockets get a 1001
// close and subscriptions end; then Shutdown stops the listener, closes
// idle connections and lets in-flight requests finish, within DrainTimeout.
// Keep-alives stay on until then: turning them off at once would close idle
// connections under clients that are still allowed to use them.
func drain(ctx context.Context, cfg Config, logger *slog.Logger, gw *gateway.Gateway, srv *http.Server, served <-chan error) error {
	logger.Info("shutting down: draining", "delay", cfg.ShutdownDelay, "timeout", cfg.DrainTimeout)
	gw.BeginDrain()
	time.Sleep(cfg.ShutdownDelay)
	ws, subs := gw.CloseLongLived()
	logger.Info("closed long-lived connections", "websockets", ws, "subscriptions", subs)
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.DrainTimeout)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("drain: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("drained")
	return nil
}

// announce says where the gateway listens and, loudly, which mode it is in.
func announce(w io.Writer, cfg Config, addr net.Addr) {
	base := "http://" + displayAddr(addr)
	fmt.Fprintf(w, "Clever Cloud GraphQL gateway on %s/graphql, playground at %s/\n", base, base)
	switch {
	case cfg.Demo:
		fmt.Fprintf(w, "DEMO MODE: serving the built-in fake Clever Cloud API (no token or CLEVER_API_URL configured).\n")
		fmt.Fprintf(w, "  The playground is set up with the demo token: Bearer %s\n", upstreamtest.TokenAlice)
		fmt.Fprintf(w, "  A second demo user, who sees other organisations: Bearer %s\n", upstreamtest.TokenBob)
	case cfg.Token != "":
		fmt.Fprintf(w, "WARNING: a server-side token is configured: every request that brings no token acts as its owner. Use this for single-user deployments only.\n")
	}
}

func displayAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		port := 0
		if ok {
			port = tcp.Port
		}
		return fmt.Sprintf("localhost:%d", port)
	}
	return tcp.String()
}

// servePprof serves the Go profiler on its own listener, apart from the
// gateway's routes, for load tools and profiling.
func servePprof(addr string, stdout io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "pprof on http://%s/debug/pprof/\n", ln.Addr())
	return func() { _ = srv.Close() }, nil
}
