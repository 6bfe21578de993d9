package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// TestMain lets a test run this very binary as the gateway: with
// GATEWAY_TEST_MAIN=1 it runs main with GATEWAY_TEST_ARGS, as `go run .`
// would.
func TestMain(m *testing.M) {
	if os.Getenv("GATEWAY_TEST_MAIN") == "1" {
		os.Args = append([]string{"gateway"}, strings.Fields(os.Getenv("GATEWAY_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSIGTERMUnderLoad runs the gateway as its own process, sends SIGTERM
// while clients query it, and counts dropped requests: none. The clients
// behave as a load balancer does: they stop sending new requests once
// /readyz answers 503; every request they did send must be answered.
func TestSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a process")
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GATEWAY_TEST_MAIN=1",
		"GATEWAY_TEST_ARGS=-listen 127.0.0.1:0 -shutdown-delay 300ms -drain-timeout 10s -log-format json",
		"CLEVER_API_TOKEN=", "CLEVER_API_URL=", "DEMO=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base string
	for base == "" {
		select {
		case l := <-lines:
			if m := regexp.MustCompile(`playground at (http://\S+)/`).FindStringSubmatch(l); m != nil {
				base = m[1]
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the gateway did not start")
		}
	}

	// A live subscription, which must end with a proper 1001 close.
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/graphql", http.Header{"Sec-WebSocket-Protocol": {"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice}})
	_ = ws.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription { applicationLogs(ownerId: "` + upstreamtest.OrgAcme + `", applicationId: "` + upstreamtest.AcmeFirstAppID + `") { id } }`}})
	wsClosed := make(chan error, 1)
	go func() {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				wsClosed <- err
				return
			}
		}
	}()

	var notReady atomic.Bool
	go func() { // the load balancer's health check
		for !notReady.Load() {
			if resp, err := http.Get(base + "/readyz"); err == nil {
				notReady.Store(resp.StatusCode == http.StatusServiceUnavailable)
				_ = resp.Body.Close()
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	var ok, dropped atomic.Int64
	var firstDrop atomic.Value
	var wg sync.WaitGroup
	query := `{"query":"{ organisations { name applications { name zone { city } loadBalancer { id } } } }"}`
	for range 6 {
		wg.Go(func() {
			for !notReady.Load() {
				req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(query))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					dropped.Add(1)
					firstDrop.CompareAndSwap(nil, err.Error())
					continue
				}
				body, err := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), `"organisations"`) || strings.Contains(string(body), `"errors"`) {
					dropped.Add(1)
					firstDrop.CompareAndSwap(nil, resp.Status+" "+string(body))
					continue
				}
				ok.Add(1)
			}
		})
	}
	for ok.Load() < 30 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Errorf("the gateway exited with %v, want 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the gateway did not exit within 30 s of SIGTERM")
	}
	if dropped.Load() != 0 {
		t.Errorf("%d requests dropped (first: %v) of %d", dropped.Load(), firstDrop.Load(), ok.Load()+dropped.Load())
	}
	select {
	case err := <-wsClosed:
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
			t.Errorf("the websocket ended with %v, want close 1001", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the websocket was not closed")
	}
	var log []string
	for l := range lines {
		log = append(log, l)
	}
	if all := strings.Join(log, "\n"); !strings.Contains(all, `"msg":"drained"`) {
		t.Errorf("no drained log line:\n%s", all)
	}
	t.Logf("%d requests answered across the shutdown, none dropped", ok.Load())
}
