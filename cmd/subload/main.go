// Command subload measures log subscriptions under load. It starts the fake
// Clever Cloud API (cmd/fakeapi) and the gateway as their own processes, on
// loopback, opens N live applicationLogs subscriptions (one websocket each,
// as browser tabs do) at 10 lines/s each, and reports for each N the
// gateway's memory and goroutines per subscription (growth over its idle
// state, from its pprof endpoint and /proc) and the delay of each line from
// the moment the fake sent it to the moment the client read it.
//
//	go build -o /tmp/gw . && go build -o /tmp/fakeapi ./cmd/fakeapi
//	go run ./cmd/subload -gateway-bin /tmp/gw -fake-bin /tmp/fakeapi -n 100,1000,2000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cleverql/gateway/internal/benchkit"
)

func main() {
	gatewayBin := flag.String("gateway-bin", "", "the gateway binary")
	fakeBin := flag.String("fake-bin", "", "the cmd/fakeapi binary")
	ns := flag.String("n", "100,1000,2000", "subscription counts to measure, increasing")
	hold := flag.Duration("hold", 10*time.Second, "how long each level is measured")
	profiles := flag.String("profile", "", "a directory to save the gateway's heap and goroutine profiles in, at each level")
	spread := flag.Bool("spread", false, "start the applications' log streams at random phases (the fake's -spread-logs), as independent applications log; without it every stream ticks in step, so each line of every application reaches its subscribers at the same instant: the worst case")
	perConn := flag.Int("per-conn", 1, "subscriptions per websocket connection (1: one per connection, as browser tabs; more: as a graphql-ws client multiplexes)")
	flag.Parse()
	if *gatewayBin == "" || *fakeBin == "" {
		fmt.Fprintln(os.Stderr, "subload: -gateway-bin and -fake-bin are required")
		os.Exit(2)
	}
	if err := run(*gatewayBin, *fakeBin, *ns, *hold, max(1, *perConn), *spread, *profiles); err != nil {
		fmt.Fprintln(os.Stderr, "subload:", err)
		os.Exit(1)
	}
}

func run(gatewayBin, fakeBin, ns string, hold time.Duration, perConn int, spread bool, profiles string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	fake, fakeURL, err := benchkit.StartFake(ctx, fakeBin, "-log-interval", "100ms", "-live-dates", fmt.Sprintf("-spread-logs=%t", spread))
	if err != nil {
		return err
	}
	defer fake.Stop()
	gw, err := benchkit.StartGateway(ctx, gatewayBin, fakeURL)
	if err != nil {
		return err
	}
	defer gw.Stop()
	apps, err := benchkit.Applications(gw.URL, benchkit.TokenAlice)
	if err != nil {
		return err
	}
	idle := measure(gw)
	phases := "in step (every application's line at the same instant)"
	if spread {
		phases = "spread (each application at its own phase)"
	}
	fmt.Printf("gateway idle: RSS %.1f MiB, heap in use %.1f MiB, %d goroutines; %d applications to follow, their log streams %s; %d subscription(s) per connection\n\n",
		benchkit.MiB(idle.rss), benchkit.MiB(idle.heap), idle.goroutines, len(apps), phases, perConn)
	fmt.Println("| subscriptions | RSS/sub | heap/sub | live/sub | stacks/sub | goroutines/sub | lines read | allocated/line | collections | delay p50 | delay p99 | errors |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

	if profiles != "" {
		if err := os.MkdirAll(profiles, 0o755); err != nil {
			return err
		}
	}
	subs := benchkit.NewSubscriptions(gw.URL, benchkit.TokenAlice, apps, perConn)
	defer subs.Close()
	for _, field := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return err
		}
		if err := subs.Grow(n); err != nil {
			return err
		}
		if err := subs.WaitLive(30 * time.Second); err != nil { // every one is live before measuring
			return err
		}
		start := measure(gw) // its collection comes before the recorded lines
		subs.Record()
		cpu := make(chan error, 1)
		if profiles != "" { // a CPU profile of the middle of the hold
			go func() {
				time.Sleep(hold / 4)
				cpu <- saveProfile(gw, profiles, fmt.Sprintf("profile?seconds=%d", max(1, int(hold/2/time.Second))), "cpu", n)
			}()
		} else {
			cpu <- nil
		}
		time.Sleep(hold)
		if err := <-cpu; err != nil {
			return err
		}
		delays, errs := subs.Take()
		m := measure(gw)
		if profiles != "" {
			if err := saveProfiles(gw, profiles, n); err != nil {
				return err
			}
		}
		slices.Sort(delays)
		fmt.Printf("| %d | %.1f KiB | %.1f KiB | %.1f KiB | %.1f KiB | %.2f | %d | %s | %d | %s | %s | %d |\n", n,
			benchkit.KiB(m.rss-idle.rss)/float64(n), benchkit.KiB(m.heap-idle.heap)/float64(n), benchkit.KiB(m.live-idle.live)/float64(n), benchkit.KiB(m.stack-idle.stack)/float64(n),
			float64(m.goroutines-idle.goroutines)/float64(n), len(delays), perLine(m.totalAlloc-start.totalAlloc, len(delays)),
			m.collections-start.collections-1, // less the end's own
			benchkit.FormatPercentile(delays, 50), benchkit.FormatPercentile(delays, 99), errs)
	}
	return nil
}

type measures struct {
	rss, heap, live, stack  int64
	totalAlloc, collections int64
	goroutines              int
}

// perLine is what the gateway allocated per line its clients read, the
// pace of its collector: lines × this ÷ the live heap is how many
// collections a second it runs at GOGC=100.
func perLine(allocated int64, lines int) string {
	if lines == 0 {
		return "-"
	}
	return fmt.Sprintf("%d B", allocated/int64(lines))
}

// measure reads the gateway's RSS from /proc, and its heap, stacks and goroutines
// from its pprof endpoint, after a GC.
func measure(gw *benchkit.Gateway) measures {
	p, _ := benchkit.ReadProc(gw.Pid())
	r := benchkit.ScrapeRuntime(gw.PprofURL)
	return measures{rss: p.RSS, heap: r.HeapInuse, live: r.HeapAlloc, stack: r.StackInuse,
		totalAlloc: r.TotalAlloc, collections: r.NumGC, goroutines: r.Goroutines}
}

// saveProfiles saves the gateway's heap and goroutine profiles at level n
// in dir, for go tool pprof.
func saveProfiles(gw *benchkit.Gateway, dir string, n int) error {
	for _, name := range []string{"heap", "goroutine"} {
		if err := saveProfile(gw, dir, name, name, n); err != nil {
			return err
		}
	}
	return nil
}

// saveProfile saves the gateway's profile at path (under /debug/pprof/)
// as dir/name-n.pb.gz.
func saveProfile(gw *benchkit.Gateway, dir, path, name string, n int) error {
	b, err := benchkit.Get(gw.PprofURL + "/debug/pprof/" + path)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.pb.gz", name, n)), b, 0o644)
}
