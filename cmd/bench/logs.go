package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/cleverql/gateway/internal/benchkit"
)

// linesPerSecond is what one subscription receives: the fake sends a line
// every 100 ms (cmd/fakeapi -log-interval, by default).
const linesPerSecond = 10

// runLogs is workload 5: cfg.subs live log subscriptions over Alice's
// applications in turn, one websocket each (cmd/subload's measure at one
// level), held for the warm-up and then measured for cfg.duration.
func runLogs(gw *benchkit.Gateway, lat time.Duration, cfg config) (row, error) {
	r := row{label: fmt.Sprintf("5 logs, %d subs", cfg.subs), workload: 5, latency: lat, unit: "line"}
	apps, err := benchkit.Applications(gw.URL, benchkit.TokenAlice)
	if err != nil {
		return r, err
	}
	p, _ := benchkit.ReadProc(gw.Pid())
	idle, idleRuntime := p, benchkit.ScrapeRuntime(gw.PprofURL)
	if err := benchkit.ResetPeakRSS(gw.Pid()); err != nil {
		r.notes = append(r.notes, "peak RSS since the gateway started ("+err.Error()+")")
	}
	calls0, err := benchkit.CounterSum(gw.MetricsURL(), upstreamCalls)
	if err != nil {
		return r, err
	}
	subs := benchkit.NewSubscriptions(gw.URL, benchkit.TokenAlice, apps, 1)
	defer subs.Close()
	opened := time.Now()
	if err := subs.Grow(cfg.subs); err != nil {
		return r, err
	}
	if err := subs.WaitLive(30 * time.Second); err != nil {
		return r, err
	}
	live := time.Since(opened)
	time.Sleep(cfg.warmup)
	calls1, err := benchkit.CounterSum(gw.MetricsURL(), upstreamCalls)
	if err != nil {
		return r, err
	}
	p0, err := benchkit.ReadProc(gw.Pid())
	if err != nil {
		return r, err
	}
	subs.Record()
	start := time.Now()
	time.Sleep(cfg.duration)
	delays, errs := subs.Take()
	elapsed := time.Since(start)
	p1, err := benchkit.ReadProc(gw.Pid())
	if err != nil {
		return r, err
	}
	rt := benchkit.ScrapeRuntime(gw.PprofURL)

	slices.Sort(delays)
	n := float64(cfg.subs)
	r.count = len(delays)
	r.rate = float64(r.count) / elapsed.Seconds()
	r.p50, r.p99 = benchkit.FormatPercentile(delays, 50), benchkit.FormatPercentile(delays, 99)
	r.calls = (calls1 - calls0) / n
	r.fewest, r.hasFewest = float64(min(cfg.subs, len(apps)))/n, true // one shared stream per application
	r.most = r.fewest
	r.peakRSS = p1.PeakRSS
	r.errors = int(errs)
	if errs > 0 {
		r.firstErr = fmt.Errorf("%d subscription error(s) or completion(s)", errs)
	}
	if r.count > 0 {
		r.cpuPer1k = (p1.CPU - p0.CPU).Seconds() / float64(r.count) * 1000
	}
	r.notes = append(r.notes, fmt.Sprintf("%d subscriptions over %d applications live in %s; %d lines/s expected (%d/s each); per subscription: RSS %+.1f KiB, heap %+.1f KiB, %+.2f goroutines",
		cfg.subs, len(apps), live.Round(time.Millisecond), cfg.subs*linesPerSecond, linesPerSecond,
		benchkit.KiB(p1.RSS-idle.RSS)/n, benchkit.KiB(rt.HeapInuse-idleRuntime.HeapInuse)/n,
		float64(rt.Goroutines-idleRuntime.Goroutines)/n))
	return r, nil
}
