package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/cleverql/gateway/internal/benchkit"
)

// upstreamCalls is the gateway's counter of calls to the Clever Cloud API.
const upstreamCalls = "gateway_upstream_requests_total"

// runHTTP runs one workload against gw: a check of each request's answer,
// a warm-up, then the measured run, with the gateway's upstream calls and
// CPU read before and after it. Every client finishes its last request
// before the after-reads, so the counts match exactly.
func runHTTP(tg target, w workload, lat time.Duration, cfg config, prof *profiler) (row, error) {
	r := row{label: w.label, workload: w.id, naive: w.naive, latency: lat, unit: "req", checked: w.checked() && tg.name == "" && !cfg.share, depth: w.depth, other: tg.name}
	switch {
	case tg.name != "" && cfg.share:
		r.label += " (" + tg.name + ", dedupe)"
	case tg.name != "":
		r.label += " (" + tg.name + ")"
	case cfg.share && !w.naive:
		r.label += " (shared calls)"
	}
	if err := verify(tg.url, w); err != nil {
		return r, fmt.Errorf("%s: %w", cmp.Or(tg.name, "gateway"), err)
	}
	hc := newClient(cfg.concurrency)
	defer hc.CloseIdleConnections()
	if err := benchkit.ResetPeakRSS(tg.pid); err != nil {
		r.notes = append(r.notes, "peak RSS since the gateway started ("+err.Error()+")")
	}
	warm := generate(hc, tg.url, w.requests, cfg.concurrency, cfg.warmup)
	calls0, err := tg.calls()
	if err != nil {
		return r, err
	}
	p0, err := benchkit.ReadProc(tg.pid)
	if err != nil {
		return r, err
	}
	if prof != nil {
		prof.start(tg.pprof)
		r.label += " (profiled)"
	}
	res := generate(hc, tg.url, w.requests, cfg.concurrency, cfg.duration)
	p1, err := benchkit.ReadProc(tg.pid)
	if err != nil {
		return r, err
	}
	calls1, err := tg.calls()
	if err != nil {
		return r, err
	}
	if prof != nil {
		if err := prof.wait(); err != nil {
			return r, fmt.Errorf("profile: %w", err)
		}
	}

	slices.Sort(res.latencies)
	r.count = len(res.latencies)
	r.rate = float64(r.count) / res.elapsed.Seconds()
	r.p50, r.p99 = benchkit.FormatPercentile(res.latencies, 50), benchkit.FormatPercentile(res.latencies, 99)
	if r.count > 0 {
		r.p50d = benchkit.Percentile(res.latencies, 50)
		r.p99d = benchkit.Percentile(res.latencies, 99)
	}
	r.peakRSS = p1.PeakRSS
	r.errors = warm.errors + res.errors
	r.firstErr = cmp.Or(warm.firstErr, res.firstErr)
	if r.count > 0 {
		r.calls = (calls1 - calls0) / float64(r.count)
		r.cpuPer1k = (p1.CPU - p0.CPU).Seconds() / float64(r.count) * 1000
		fewest, most := 0, 0
		for i, n := range res.perKind {
			fewest += n * w.requests[i].calls
			most += n * w.requests[i].most
		}
		r.fewest, r.most = float64(fewest)/float64(r.count), float64(most)/float64(r.count)
		r.hasFewest = w.requests[0].calls > 0
		if r.hasFewest && r.most > r.fewest && r.calls > r.fewest && r.other == "" && !cfg.share {
			r.notes = append(r.notes, fmt.Sprintf("%.1f%% of requests cost one call more than the fewest (see nested in workloads.go)",
				100*(r.calls-r.fewest)/(r.most-r.fewest)))
		}
	}
	return r, nil
}

// target is a gateway that workloads run against: this one, or another
// to compare with.
type target struct {
	name  string // "" for this gateway
	url   string // base URL, without the trailing slash
	pid   int
	pprof string                  // base URL of its pprof listener ("" if none)
	calls func() (float64, error) // the upstream calls it has made so far
}

// ours is the target of one of our gateway processes: its upstream calls
// are its own gateway_upstream_requests_total.
func ours(gw *benchkit.Gateway) target {
	return target{url: gw.URL, pid: gw.Pid(), pprof: gw.PprofURL, calls: func() (float64, error) {
		return benchkit.CounterSum(gw.MetricsURL(), upstreamCalls)
	}}
}

// newClient is a keep-alive client with an idle connection for every
// client, so that no request waits for a dial once warm.
func newClient(clients int) *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        2 * clients,
			MaxIdleConnsPerHost: 2 * clients,
			IdleConnTimeout:     90 * time.Second,
		},
	}
}

// loadResult is what the clients of one run saw.
type loadResult struct {
	perKind   []int           // requests completed, by kind
	latencies []time.Duration // of every request, failed ones included
	errors    int
	firstErr  error
	elapsed   time.Duration // until the last client's last answer
}

// generate runs clients closed-loop clients for d: client i sends reqs[i%len]
// again as soon as it has read the answer, and starts none after d.
func generate(hc *http.Client, base string, reqs []request, clients int, d time.Duration) loadResult {
	res := loadResult{perKind: make([]int, len(reqs))}
	if d <= 0 {
		return res
	}
	url := base + "/graphql"
	type clientResult struct {
		latencies []time.Duration
		errors    int
		firstErr  error
	}
	results := make([]clientResult, clients)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			r := reqs[i%len(reqs)]
			auth := "Bearer " + r.token
			var buf bytes.Buffer
			c := &results[i]
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := send(hc, url, auth, r.body, &buf)
				c.latencies = append(c.latencies, time.Since(t0))
				if err != nil {
					c.errors++
					c.firstErr = cmp.Or(c.firstErr, fmt.Errorf("%s: %w", r.name, err))
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	for i, c := range results {
		res.perKind[i%len(reqs)] += len(c.latencies)
		res.latencies = append(res.latencies, c.latencies...)
		res.errors += c.errors
		res.firstErr = cmp.Or(res.firstErr, c.firstErr)
	}
	return res
}

// send posts one query and reads the whole answer: an error unless it is
// a 200 without errors. A top-level "errors" key is the only place where
// `"errors":` can appear unescaped in the answers of these queries.
func send(hc *http.Client, url, auth string, body []byte, buf *bytes.Buffer) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(buf.Bytes(), []byte(`"errors":`)) {
		return fmt.Errorf("%s: %.300s", resp.Status, buf.Bytes())
	}
	return nil
}

// profiler fetches the gateway's CPU profile and a delta of its allocation
// profile over the same seconds, while a workload runs.
type profiler struct {
	dir     string
	name    string // files are name-cpu.pb.gz and name-allocs.pb.gz
	seconds int
	errc    chan error
}

func (p *profiler) start(pprofURL string) {
	p.errc = make(chan error, 2)
	fetch := func(profile, file string) {
		p.errc <- fetchTo(fmt.Sprintf("%s/debug/pprof/%s?seconds=%d", pprofURL, profile, p.seconds), filepath.Join(p.dir, file))
	}
	go fetch("profile", p.name+"-cpu.pb.gz")
	go fetch("allocs", p.name+"-allocs.pb.gz")
}

func (p *profiler) wait() error { return errors.Join(<-p.errc, <-p.errc) }

func fetchTo(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("%s: %s %s", url, resp.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
