package main

import (
	"debug/buildinfo"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/cleverql/gateway/internal/benchkit"
)

// row is one workload's measure at one latency.
type row struct {
	label    string
	workload int
	naive    bool
	latency  time.Duration
	unit     string // what count counts: "req", or "line" (workload 5)
	count    int    // measured
	rate     float64
	p50, p99 string
	p50d     time.Duration
	p99d     time.Duration
	// other names the gateway measured when it is not this one (-tailcall).
	other string
	// depth is the query's depth in upstream lookups, each below the other
	// (0: not said), for the latency target.
	depth int
	// calls is upstream calls per unit (per subscription for workload 5);
	// fewest and most bound what the queries may cost, when hasFewest.
	calls, fewest, most float64
	hasFewest           bool
	checked             bool // calls must be within the bounds
	cpuPer1k            float64
	peakRSS             int64
	errors              int
	firstErr            error
	notes               []string
}

func (r row) rateUnit() string {
	if r.unit == "line" {
		return "lines/s"
	}
	return "req/s"
}

func (r row) callsCell() string {
	per := "/" + r.unit
	if r.workload == 5 {
		per = "/sub"
	}
	if !r.hasFewest {
		return fmt.Sprintf("%.2f%s (-)", r.calls, per)
	}
	if r.workload == 5 {
		return fmt.Sprintf("%.3f%s (%.3f)", r.calls, per, r.fewest)
	}
	return fmt.Sprintf("%.2f%s (%s)", r.calls, per, r.bounds())
}

func (r row) bounds() string {
	if r.most > r.fewest {
		return trimFloat(r.fewest) + "–" + trimFloat(r.most)
	}
	return trimFloat(r.fewest)
}

func trimFloat(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.2f", f)
}

// report prints the table as rows come, then the comparison, the notes,
// and what failed.
type report struct {
	out  io.Writer
	rows []row
}

func newReport(out io.Writer) *report {
	fmt.Fprintln(out, "| workload | latency | throughput | p50 | p99 | upstream calls (expected) | gateway CPU s/1k | gateway peak RSS | errors |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	return &report{out: out}
}

func (t *report) add(r row) {
	t.rows = append(t.rows, r)
	fmt.Fprintf(t.out, "| %s | %s | %.1f %s | %s | %s | %s | %.3f | %.1f MiB | %d |\n",
		r.label, r.latency, r.rate, r.rateUnit(), r.p50, r.p99, r.callsCell(), r.cpuPer1k, benchkit.MiB(r.peakRSS), r.errors)
}

// finish prints the naive comparison, the notes and the failed checks, and
// returns an error if a check failed.
func (t *report) finish(cfg config) error {
	if cfg.naive {
		fmt.Fprintln(t.out, "\nnaive (no batching, no caching) against optimised:")
		fmt.Fprintln(t.out, "| workload | latency | naive calls/req ÷ optimised | optimised req/s ÷ naive req/s |")
		fmt.Fprintln(t.out, "|---|---:|---:|---:|")
		for _, n := range t.rows {
			if !n.naive {
				continue
			}
			for _, o := range t.rows {
				if !o.naive && o.workload == n.workload && o.latency == n.latency && o.calls > 0 && n.rate > 0 {
					fmt.Fprintf(t.out, "| %d | %s | %.2f× (%.2f ÷ %.2f) | %.2f× (%.1f ÷ %.1f) |\n", n.workload, n.latency,
						n.calls/o.calls, n.calls, o.calls, o.rate/n.rate, o.rate, n.rate)
				}
			}
		}
	}
	t.compareOthers()
	t.latencyTargets(cfg.concurrency)
	var notes, failed []string
	for _, r := range t.rows {
		for _, n := range r.notes {
			notes = append(notes, fmt.Sprintf("%s at %s: %s", r.label, r.latency, n))
		}
		switch {
		case r.count == 0:
			failed = append(failed, fmt.Sprintf("%s at %s: nothing measured", r.label, r.latency))
		case r.errors > 0:
			failed = append(failed, fmt.Sprintf("%s at %s: %d errors; first: %v", r.label, r.latency, r.errors, r.firstErr))
		}
		// Counts are exact (every client has its answer before the after-read),
		// so any difference is a call too many or one missing.
		const ε = 1e-9
		if r.checked && r.count > 0 && (r.calls < r.fewest-ε || r.calls > r.most+ε) {
			failed = append(failed, fmt.Sprintf("%s at %s: %.4f upstream calls per request, want %s", r.label, r.latency, r.calls, r.bounds()))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(t.out)
		for _, n := range notes {
			fmt.Fprintln(t.out, "note:", n)
		}
	}
	fmt.Fprintf(t.out, "\nload average at the end: %s\n", loadAverage())
	if len(failed) > 0 {
		fmt.Fprintln(t.out)
		for _, f := range failed {
			fmt.Fprintln(t.out, "FAIL:", f)
		}
		return fmt.Errorf("%d check(s) failed", len(failed))
	}
	return nil
}

// compareOthers prints, for each row of another gateway (-tailcall), this
// gateway's row of the same workload and latency beside it, as ratios.
func (t *report) compareOthers() {
	header := false
	for _, o := range t.rows {
		if o.other == "" || o.count == 0 {
			continue
		}
		for _, r := range t.rows {
			if r.other != "" || r.naive || r.workload != o.workload || r.latency != o.latency || r.count == 0 {
				continue
			}
			if !header {
				fmt.Fprintln(t.out, "\nthis gateway against another, same fake, queries and clients:")
				fmt.Fprintln(t.out, "| workload | latency | req/s: this ÷ other | p50: other ÷ this | p99: other ÷ this | upstream calls/req: other ÷ this | CPU s/1k: other ÷ this | peak RSS: this, other |")
				fmt.Fprintln(t.out, "|---|---:|---:|---:|---:|---:|---:|---:|")
				header = true
			}
			fmt.Fprintf(t.out, "| %s vs %s | %s | %.2f× (%.1f ÷ %.1f) | %.2f× (%s ÷ %s) | %.2f× | %.2f× (%.2f ÷ %.2f) | %.2f× | %.1f MiB, %.1f MiB |\n",
				r.label, o.other, r.latency, r.rate/o.rate, r.rate, o.rate,
				ratio(o.p50d, r.p50d), o.p50, r.p50, ratio(o.p99d, r.p99d),
				o.calls/r.calls, o.calls, r.calls, o.cpuPer1k/r.cpuPer1k,
				benchkit.MiB(r.peakRSS), benchkit.MiB(o.peakRSS))
		}
	}
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// latencyTargets prints, for the workloads that say their depth, whether
// p50 is within 1.2 × depth × upstream latency: the
// gateway's own share of a request's latency, with the upstream's
// subtracted, is at most a fifth of it. A measure, not a check: timing on
// a shared machine fails no run. It is a request's latency, so it is read
// with one client: with more, p50 counts the time requests queue.
func (t *report) latencyTargets(clients int) {
	var lines []string
	for _, r := range t.rows {
		if r.naive || r.depth == 0 || r.latency == 0 || r.count == 0 {
			continue
		}
		target := time.Duration(1.2 * float64(r.depth) * float64(r.latency))
		verdict := "met"
		if r.p50d > target {
			verdict = "MISSED"
		}
		lines = append(lines, fmt.Sprintf("| %s | %s | %d | %s | %s | %s |", r.label, r.latency, r.depth, r.p50, target, verdict))
	}
	if len(lines) == 0 {
		return
	}
	if clients != 1 {
		fmt.Fprintf(t.out, "\nlatency targets: run with -concurrency 1 to read them (with %d clients, p50 counts the time requests queue)\n", clients)
		return
	}
	fmt.Fprintln(t.out, "\nlatency target: p50 ≤ 1.2 × query depth (upstream lookups one below another) × upstream latency")
	fmt.Fprintln(t.out, "| workload | latency | depth | p50 | target | |")
	fmt.Fprintln(t.out, "|---|---:|---:|---:|---:|---|")
	for _, l := range lines {
		fmt.Fprintln(t.out, l)
	}
}

// printHeader says what ran where, so that a row can be reproduced.
func printHeader(out io.Writer, cfg config) {
	fmt.Fprintf(out, "# cmd/bench, %s\n\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(out, "machine: %d CPUs (%s), %s/%s, Linux %s, GOMAXPROCS %d; load average at the start: %s\n",
		runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, readTrim("/proc/sys/kernel/osrelease"), runtime.GOMAXPROCS(0), loadAverage())
	fmt.Fprintf(out, "go: %s (bench); gateway binary %s: %s\n", runtime.Version(), cfg.gatewayBin, binaryInfo(cfg.gatewayBin))
	fmt.Fprintf(out, "command: go run ./cmd/bench %s\n", shellJoin(cfg.args))
	fmt.Fprintf(out, "method: per latency a fresh fake (cmd/fakeapi -latency L) and gateway; per workload %d closed-loop clients over keep-alive loopback HTTP, %s warm-up, %s measured; "+
		"the load generator, the fake and the gateway share the machine; CPU and peak RSS are the gateway process's (/proc, clock tick %d Hz; VmHWM reset per workload)\n\n",
		cfg.concurrency, cfg.warmup, cfg.duration, benchkit.ClockTick())
}

func binaryInfo(path string) string {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return "no build info (" + err.Error() + ")"
	}
	s, stamped := bi.GoVersion, false
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			s += ", revision " + kv.Value[:min(12, len(kv.Value))]
			stamped = true
		case "vcs.modified":
			if kv.Value == "true" {
				s += " (modified tree)"
			}
		}
	}
	if !stamped {
		s += ", no VCS stamp"
	}
	return s
}

var modelName = regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`)

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	if m := modelName.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return "unknown model"
}

func loadAverage() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=,@+%-]+$`)

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if shellSafe.MatchString(a) {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}
