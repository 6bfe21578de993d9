package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// requestLines returns the "request" lines of e's log.
func (e *env) requestLines(t *testing.T) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	return lines
}

// An upgraded websocket is served on a goroutine of its own: the handler
// returns at once, its stack and request freed, while the socket carries
// on. The request's log line waits for the socket's end, as when the
// handler lasted as long as the socket.
func TestWebsocketOutlivesItsHandler(t *testing.T) {
	t.Parallel()
	e, _ := observedEnv(t) // its upstream calls are counted
	returned := make(chan struct{}, 1)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.gw.ServeHTTP(w, r)
		if r.Header.Get("Upgrade") != "" {
			returned <- struct{}{}
		}
	}))
	c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice})
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler has not returned while its websocket is open")
	}

	// The socket still serves, after its handler.
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "query Me { self { id } }"}})
	if m := read(t, c); m.Type != "next" || !strings.Contains(string(m.Payload), upstreamtest.UserAlice) {
		t.Fatalf("got %s %s, want next with Alice", m.Type, m.Payload)
	}
	if m := read(t, c); m.Type != "complete" {
		t.Fatalf("got %+v, want complete", m)
	}
	if lines := e.requestLines(t); len(lines) != 0 {
		t.Fatalf("request logged while its websocket is open: %v", lines)
	}

	_ = c.Close()
	giveUp := time.Now().Add(10 * time.Second)
	for len(e.requestLines(t)) == 0 && time.Now().Before(giveUp) {
		time.Sleep(5 * time.Millisecond)
	}
	lines := e.requestLines(t)
	if len(lines) != 1 {
		t.Fatalf("%d request lines after the socket closed, want 1: %v", len(lines), lines)
	}
	l := lines[0]
	if l["status"] != float64(http.StatusSwitchingProtocols) || l["operation"] != "Me" || l["upstreamCalls"] != float64(1) || l["requestId"] == "" {
		t.Errorf("log line %v", l)
	}
}

// A websocket request refused before the upgrade is answered by its
// handler, as any request: nothing outlives it.
func TestRefusedUpgradeAnswersInItsHandler(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13") // no Sec-WebSocket-Key: gorilla refuses
	req.Header.Set("Sec-WebSocket-Protocol", "graphql-transport-ws")
	rec := httptest.NewRecorder()
	e.gw.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400: %s", rec.Code, rec.Body)
	}
	lines := e.requestLines(t)
	if len(lines) != 1 || lines[0]["status"] != float64(http.StatusBadRequest) {
		t.Errorf("request lines %v, want one with status 400", lines)
	}
}
