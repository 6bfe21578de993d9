// Command fakeapi serves the fake Clever Cloud API (upstream/upstreamtest)
// on a loopback port, in its own process, for load tools and manual tries:
// what it costs is then not counted as the gateway's.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

func main() {
	latency := flag.Duration("latency", 0, "added to every answer")
	logInterval := flag.Duration("log-interval", 100*time.Millisecond, "between live log lines of a stream")
	liveDates := flag.Bool("live-dates", false, "date live log lines when they are sent (to measure delivery delay)")
	spreadLogs := flag.Bool("spread-logs", false, "start each live log stream at a random phase of the interval, instead of in step with the streams opened with it")
	counts := flag.String("counts", "", "also serve GET /total, the requests received so far (a number), on this address, for load tools that cannot read the client's metrics")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the fake to this file, until it stops (to see what the fake costs the machine a benchmark shares with it)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "fakeapi:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}

	fake := upstreamtest.New()
	fake.SetRecording(false) // nobody reads the record here; it would grow for the whole run
	fake.SetLatency(*latency)
	fake.SetLogInterval(*logInterval)
	fake.SetLiveDates(*liveDates)
	fake.SetSpreadLogs(*spreadLogs)
	if err := fake.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "fakeapi:", err)
		os.Exit(1)
	}
	defer fake.Close()
	fmt.Printf("fakeapi listening on %s\n", fake.URL)
	if *counts != "" {
		ln, err := net.Listen("tcp", *counts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fakeapi:", err)
			os.Exit(1)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /total", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, fake.Total()) })
		go func() { _ = http.Serve(ln, mux) }()
		fmt.Printf("fakeapi counts on http://%s/total\n", ln.Addr())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
}
