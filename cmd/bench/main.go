// Command bench is the gateway's benchmark suite. For each upstream latency
// it starts a fresh fake Clever Cloud API (cmd/fakeapi -latency L) and a
// fresh gateway, as their own processes on loopback, runs each workload
// with closed-loop clients (each sends its next request when its last one
// is answered) over keep-alive HTTP, and prints one table row per
// workload: requests/s, latency p50 and p99, upstream calls per request
// (from the gateway's gateway_upstream_requests_total, before and after)
// next to the fewest the query can cost, the gateway's CPU seconds per
// 1,000 requests and peak RSS (from /proc), and errors.
//
// It builds nothing itself:
//
//	go build -o /tmp/gw . && go build -o /tmp/fakeapi ./cmd/fakeapi && go run ./cmd/bench -gateway-bin /tmp/gw -fake-bin /tmp/fakeapi
//
// The workloads (queries over POST /graphql as Alice unless said):
//
//  1. zones only: { zones { name city } }.
//  2. one organisation's 20 applications with their zone, deployments
//     (with steps) and instances (Acme Corp).
//  3. the nested query (zone, deployments and their instances, instances
//     and their deployment, load balancer) across two organisations, Acme
//     Corp and Beta Labs, in one request with aliases.
//  4. mixed tokens: half the clients Alice running workload 2, half Bob
//     running it on his organisation.
//  5. live log subscriptions (-subs of them, one websocket each, as
//     cmd/subload opens them): the row's rate is lines delivered per
//     second, its percentiles the delay from the fake's sending a line to
//     the client's reading it, its calls per subscription the upstream
//     streams opened for them (one per application: the gateway shares
//     them), its CPU per 1,000 lines.
//
// With -naive, workloads 2 and 3 run again against a second gateway started
// with -naive (no batching, no caching: one upstream call per field), and a
// second table gives the ratios. With -cpuprofile DIR, the gateway's CPU
// and allocation profiles of each workload N from 1 to 4 at 0 ms latency
// are written to DIR (read them with go tool pprof -top
// DIR/workloadN-cpu.pb.gz, and -sample_index=alloc_space for
// DIR/workloadN-allocs.pb.gz); those rows then run under the profiler.
//
// Errors count transport failures, non-200 answers and answers with
// "errors", warm-up included. bench exits 1 when any workload had errors,
// or when the upstream calls per request of workloads 1 to 3 differ from
// the fewest the query can cost (1, 43, 70; see nested): that is a
// correctness check, not a timing one, so even a short run (as CI's smoke
// run) means something. Counts are exact: every client has its answer
// before the gateway's counter is read again.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	args        []string // as given, for the header
	gatewayBin  string
	fakeBin     string
	latencies   []time.Duration
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	workloads   []int
	naive       bool
	cpuprofile  string
	subs        int
	tailcall    string
	share       bool
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	cfg := config{args: args}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.gatewayBin, "gateway-bin", "", "the gateway binary (go build -o /tmp/gw .)")
	fs.StringVar(&cfg.fakeBin, "fake-bin", "", "the cmd/fakeapi binary (go build -o /tmp/fakeapi ./cmd/fakeapi)")
	latencies := fs.String("latency", "0,5ms,20ms", "upstream latencies, comma-separated: each gets a fresh fake and gateway")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "measured time of each workload")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured time before each workload")
	fs.IntVar(&cfg.concurrency, "concurrency", 64, "closed-loop clients")
	workloads := fs.String("workloads", "1,2,3,4", "workloads to run, comma-separated, from 1 to 5 (5: log subscriptions)")
	fs.BoolVar(&cfg.naive, "naive", false, "also run workloads 2 and 3 against a gateway with -naive, and compare")
	fs.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write the gateway's CPU and allocation profiles of each workload (1 to 4) at 0 ms latency to this directory")
	fs.IntVar(&cfg.subs, "subs", 2000, "log subscriptions of workload 5")
	fs.BoolVar(&cfg.share, "share-calls", false, "run the gateway with -share-calls (queries of one token join each other's calls, and identical queries each other's execution, in flight) and Tailcall with dedupe; calls per request are then below the per-request minimum, and not checked")
	fs.StringVar(&cfg.tailcall, "tailcall", "", "also run workloads 1, 2 and 4 against this Tailcall binary, and compare (see tailcall.go)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if cfg.gatewayBin == "" || cfg.fakeBin == "" {
		return cfg, errors.New("-gateway-bin and -fake-bin are required")
	}
	if cfg.duration <= 0 || cfg.warmup < 0 || cfg.concurrency < 1 || cfg.subs < 1 {
		return cfg, errors.New("-duration, -concurrency and -subs must be positive, -warmup not negative")
	}
	for _, f := range strings.Split(*latencies, ",") {
		f = strings.TrimSpace(f)
		if f == "0" {
			f = "0s"
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			return cfg, fmt.Errorf("-latency: bad duration %q", f)
		}
		cfg.latencies = append(cfg.latencies, d)
	}
	for _, f := range strings.Split(*workloads, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 1 || w > 5 {
			return cfg, fmt.Errorf("-workloads: %q is not a workload from 1 to 5", f)
		}
		if !slices.Contains(cfg.workloads, w) {
			cfg.workloads = append(cfg.workloads, w)
		}
	}
	slices.Sort(cfg.workloads)
	if cfg.cpuprofile != "" && !slices.Contains(cfg.latencies, 0) {
		return cfg, errors.New("-cpuprofile profiles the workloads at 0 ms latency: -latency must hold 0")
	}
	return cfg, nil
}

// run benchmarks every latency in turn, prints the tables, and fails when
// a check failed.
func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.cpuprofile != "" {
		if err := os.MkdirAll(cfg.cpuprofile, 0o755); err != nil {
			return err
		}
	}
	printHeader(out, cfg)
	t := newReport(out)
	for _, lat := range cfg.latencies {
		if err := runLatency(ctx, cfg, lat, t); err != nil {
			return fmt.Errorf("latency %s: %w", lat, err)
		}
	}
	return t.finish(cfg)
}
