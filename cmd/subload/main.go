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
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const token = "Bearer demo-alice-token"

func main() {
	gatewayBin := flag.String("gateway-bin", "", "the gateway binary")
	fakeBin := flag.String("fake-bin", "", "the cmd/fakeapi binary")
	ns := flag.String("n", "100,1000,2000", "subscription counts to measure, increasing")
	hold := flag.Duration("hold", 10*time.Second, "how long each level is measured")
	perConn := flag.Int("per-conn", 1, "subscriptions per websocket connection (1: one per connection, as browser tabs; more: as a graphql-ws client multiplexes)")
	flag.Parse()
	if *gatewayBin == "" || *fakeBin == "" {
		fmt.Fprintln(os.Stderr, "subload: -gateway-bin and -fake-bin are required")
		os.Exit(2)
	}
	if err := run(*gatewayBin, *fakeBin, *ns, *hold, max(1, *perConn)); err != nil {
		fmt.Fprintln(os.Stderr, "subload:", err)
		os.Exit(1)
	}
}

func run(gatewayBin, fakeBin, ns string, hold time.Duration, perConn int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	fake, fakeURL, err := start(ctx, fakeBin, `listening on (\S+)`, "-log-interval", "100ms", "-live-dates")
	if err != nil {
		return err
	}
	defer fake.stop()
	gw, base, err := start(ctx, gatewayBin, `playground at (http://\S+)/`, "-upstream", fakeURL, "-listen", "127.0.0.1:0", "-pprof", "127.0.0.1:0", "-log-format", "json")
	if err != nil {
		return err
	}
	defer gw.stop()
	pprofURL, err := gw.waitLine(`pprof on (http://\S+)/debug/pprof/`)
	if err != nil {
		return err
	}
	apps, err := applications(base)
	if err != nil {
		return err
	}
	idle := measure(gw.cmd.Process.Pid, pprofURL)
	fmt.Printf("gateway idle: RSS %.1f MiB, heap in use %.1f MiB, %d goroutines; %d applications to follow; %d subscription(s) per connection\n\n",
		mib(idle.rss), mib(idle.heap), idle.goroutines, len(apps), perConn)
	fmt.Println("| subscriptions | RSS/sub | heap/sub | goroutines/sub | lines read | delay p50 | delay p99 | errors |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|")

	var subs []*subscriber
	var conns []*conn
	defer func() {
		for _, c := range conns {
			_ = c.ws.Close()
		}
	}()
	for _, field := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return err
		}
		for len(subs) < n {
			if len(subs)%perConn == 0 {
				c, err := dial(base)
				if err != nil {
					return fmt.Errorf("connection %d: %w", len(conns)+1, err)
				}
				conns = append(conns, c)
			}
			a := apps[len(subs)%len(apps)]
			s, err := conns[len(conns)-1].subscribe(a[0], a[1])
			if err != nil {
				return fmt.Errorf("subscription %d: %w", len(subs)+1, err)
			}
			subs = append(subs, s)
		}
		for _, s := range subs { // every one is live before measuring
			if err := s.waitFirst(30 * time.Second); err != nil {
				return err
			}
		}
		for _, s := range subs {
			s.record.Store(true)
		}
		time.Sleep(hold)
		var delays []time.Duration
		var errs int64
		for _, s := range subs {
			s.record.Store(false)
			delays = append(delays, s.take()...)
			errs += s.errors.Load()
		}
		m := measure(gw.cmd.Process.Pid, pprofURL)
		slices.Sort(delays)
		fmt.Printf("| %d | %.1f KiB | %.1f KiB | %.2f | %d | %s | %s | %d |\n", n,
			kib(m.rss-idle.rss)/float64(n), kib(m.heap-idle.heap)/float64(n),
			float64(m.goroutines-idle.goroutines)/float64(n), len(delays),
			pct(delays, 50), pct(delays, 99), errs)
	}
	return nil
}

type subscriber struct {
	first  chan struct{}
	once   sync.Once
	record atomic.Bool
	errors atomic.Int64
	mu     sync.Mutex
	delays []time.Duration
}

// conn is one websocket, carrying subscriptions by id.
type conn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	mu   sync.Mutex
	subs map[string]*subscriber
}

func dial(base string) (*conn, error) {
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/graphql", nil)
	if err != nil {
		return nil, err
	}
	c := &conn{ws: ws, subs: map[string]*subscriber{}}
	if err := ws.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": token}}); err != nil {
		return nil, err
	}
	go c.read()
	return c, nil
}

func (c *conn) subscribe(owner, app string) (*subscriber, error) {
	s := &subscriber{first: make(chan struct{})}
	c.mu.Lock()
	id := strconv.Itoa(len(c.subs) + 1)
	c.subs[id] = s
	c.mu.Unlock()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return s, c.ws.WriteJSON(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($o: ID!, $a: ID!) { applicationLogs(ownerId: $o, applicationId: $a, filter: {services: ["all"]}) { id date message } }`,
		"variables": map[string]any{"o": owner, "a": app},
	}})
}

func (c *conn) read() {
	for {
		var m struct {
			ID      string
			Type    string
			Payload struct {
				Data struct {
					ApplicationLogs struct{ Date string }
				}
				Errors []json.RawMessage
			}
		}
		if err := c.ws.ReadJSON(&m); err != nil {
			return
		}
		now := time.Now()
		c.mu.Lock()
		s := c.subs[m.ID]
		c.mu.Unlock()
		if s == nil {
			continue // connection_ack, pings
		}
		switch m.Type {
		case "next":
			if len(m.Payload.Errors) > 0 {
				s.errors.Add(1)
				continue
			}
			s.once.Do(func() { close(s.first) })
			if !s.record.Load() {
				continue
			}
			if sent, err := time.Parse(time.RFC3339Nano, m.Payload.Data.ApplicationLogs.Date); err == nil {
				s.mu.Lock()
				s.delays = append(s.delays, now.Sub(sent))
				s.mu.Unlock()
			}
		case "error", "complete":
			s.errors.Add(1)
		}
	}
}

func (s *subscriber) waitFirst(d time.Duration) error {
	select {
	case <-s.first:
		return nil
	case <-time.After(d):
		return errors.New("a subscription delivered nothing")
	}
}

func (s *subscriber) take() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.delays
	s.delays = nil
	return d
}

// applications lists (owner, application) pairs the demo token sees.
func applications(base string) ([][2]string, error) {
	body := `{"query":"{ organisations { id applications { id } } }"}`
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Organisations []struct {
				ID           string
				Applications []struct{ ID string }
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	var apps [][2]string
	for _, o := range r.Data.Organisations {
		for _, a := range o.Applications {
			apps = append(apps, [2]string{o.ID, a.ID})
		}
	}
	if len(apps) == 0 {
		return nil, errors.New("no application to follow")
	}
	return apps, nil
}

type measures struct {
	rss, heap  int64
	goroutines int
}

// measure reads the gateway's RSS from /proc, and its heap and goroutines
// from its pprof endpoint, after a GC.
func measure(pid int, pprofURL string) measures {
	var m measures
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		if f := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b); f != nil {
			kb, _ := strconv.ParseInt(string(f[1]), 10, 64)
			m.rss = kb << 10
		}
	}
	if b := get(pprofURL + "/debug/pprof/heap?debug=1&gc=1"); b != nil {
		if f := regexp.MustCompile(`# HeapInuse = (\d+)`).FindSubmatch(b); f != nil {
			m.heap, _ = strconv.ParseInt(string(f[1]), 10, 64)
		}
	}
	if b := get(pprofURL + "/debug/pprof/goroutine?debug=1"); b != nil {
		if f := regexp.MustCompile(`goroutine profile: total (\d+)`).FindSubmatch(b); f != nil {
			m.goroutines, _ = strconv.Atoi(string(f[1]))
		}
	}
	return m
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// proc is a started process whose output lines can be waited for.
type proc struct {
	cmd   *exec.Cmd
	lines chan string
}

// start runs a binary and returns it with the first group of the first
// output line matching pattern.
func start(ctx context.Context, bin, pattern string, args ...string) (*proc, string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	p := &proc{cmd: cmd, lines: make(chan string, 1024)}
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
	got, err := p.waitLine(pattern)
	if err != nil {
		p.stop()
		return nil, "", fmt.Errorf("%s: %w", bin, err)
	}
	return p, got, nil
}

// waitLine reads output lines until one matches pattern, and returns its
// first group.
func (p *proc) waitLine(pattern string) (string, error) {
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

// stop interrupts the process, and kills it if it lingers.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	v := d[min(len(d)-1, len(d)*p/100)]
	return v.Round(10 * time.Microsecond).String()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
func kib(b int64) float64 { return float64(b) / (1 << 10) }
