// Package benchkit is what the load tools (cmd/subload, cmd/bench) share:
// starting the fake Clever Cloud API and the gateway as their own processes
// on loopback, measuring a process from /proc, scraping the gateway's pprof
// and Prometheus endpoints, percentiles, and live log subscriptions over
// websockets.
package benchkit

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"time"
)

// Proc is a started process whose output lines can be waited for.
type Proc struct {
	Cmd   *exec.Cmd
	lines chan string
	stop  sync.Once
}

// Start runs a binary and returns it with the first group of the first
// output line matching pattern. Its standard error goes to ours.
func Start(ctx context.Context, bin, pattern string, args ...string) (*Proc, string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	p := &Proc{Cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default: // logs nobody waits for
			}
		}
	}()
	got, err := p.WaitLine(pattern)
	if err != nil {
		p.Stop()
		return nil, "", fmt.Errorf("%s: %w", bin, err)
	}
	return p, got, nil
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// WaitLine reads output lines until one matches pattern, and returns its
// first group.
func (p *Proc) WaitLine(pattern string) (string, error) {
	re := regexp.MustCompile(pattern)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if m := re.FindStringSubmatch(line); m != nil {
				return m[1], nil
			}
		case <-deadline:
			return "", fmt.Errorf("no output line matching %q", pattern)
		}
	}
}

// Stop interrupts the process, and kills it if it lingers. Stopping it
// again does nothing.
func (p *Proc) Stop() {
	p.stop.Do(func() {
		_ = p.Cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = p.Cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = p.Cmd.Process.Kill()
			<-done
		}
	})
}

// StartFake runs the fake Clever Cloud API (cmd/fakeapi) with args, and
// returns it with its base URL.
func StartFake(ctx context.Context, bin string, args ...string) (*Proc, string, error) {
	return Start(ctx, bin, `listening on (\S+)`, args...)
}

// Gateway is a running gateway process.
type Gateway struct {
	*Proc
	URL      string // base URL, without the trailing slash
	PprofURL string // base URL of its pprof listener
}

// StartGateway runs the gateway in front of upstreamURL, on loopback ports
// of its own, with its pprof listener on and JSON logs, plus extra flags.
func StartGateway(ctx context.Context, bin, upstreamURL string, extra ...string) (*Gateway, error) {
	args := append([]string{"-upstream", upstreamURL, "-listen", "127.0.0.1:0", "-pprof", "127.0.0.1:0", "-log-format", "json"}, extra...)
	p, base, err := Start(ctx, bin, `playground at (http://\S+)/`, args...)
	if err != nil {
		return nil, err
	}
	pprofURL, err := p.WaitLine(`pprof on (http://\S+)/debug/pprof/`)
	if err != nil {
		p.Stop()
		return nil, err
	}
	return &Gateway{Proc: p, URL: base, PprofURL: pprofURL}, nil
}

// MetricsURL is where the gateway serves its Prometheus metrics.
func (g *Gateway) MetricsURL() string { return g.URL + "/metrics" }
