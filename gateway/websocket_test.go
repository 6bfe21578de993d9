package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cleverql/gateway/auth"
	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// wsEnv serves a gateway over a real listener, for websocket clients.
func wsEnv(t *testing.T, origins ...string) (*upstreamtest.Server, *httptest.Server) {
	t.Helper()
	e := newEnvWith(t, func(o *gateway.Options) { o.AllowedOrigins = origins })
	return e.fake, newServer(t, e.gw)
}

// newServer serves h on a loopback listener until the test ends.
func newServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// wsDial opens a websocket on /graphql speaking subprotocol ("" for none).
func wsDial(t testing.TB, srv *httptest.Server, subprotocol string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	if subprotocol != "" {
		d.Subprotocols = []string{subprotocol}
	}
	return d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", header)
}

// dialRaw opens a graphql-transport-ws socket on /graphql and sends
// nothing: the test speaks for the client. It is closed when the test ends.
func dialRaw(t testing.TB, srv *httptest.Server) *websocket.Conn {
	t.Helper()
	c, _, err := wsDial(t, srv, "graphql-transport-ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// connect opens a graphql-transport-ws connection, sends connection_init
// with payload (nil: none) and waits for connection_ack.
func connect(t testing.TB, srv *httptest.Server, payload map[string]any) *websocket.Conn {
	t.Helper()
	return connectWith(t, srv, nil, payload)
}

// connectWith is connect with header on the upgrade request.
func connectWith(t testing.TB, srv *httptest.Server, header http.Header, payload map[string]any) *websocket.Conn {
	t.Helper()
	c, _, err := wsDial(t, srv, "graphql-transport-ws", header)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	init := map[string]any{"type": "connection_init"}
	if payload != nil {
		init["payload"] = payload
	}
	send(t, c, init)
	if m := read(t, c); m.Type != "connection_ack" {
		t.Fatalf("got %+v, want connection_ack", m)
	}
	return c
}

// closedWith reads until the connection ends (5 s at most) and returns
// the error that ended it, a *websocket.CloseError for a proper close.
func closedWith(c *websocket.Conn) error {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return err
		}
	}
}

// wantClose fails the test unless c ends with a close frame of code.
func wantClose(t *testing.T, c *websocket.Conn, code int) {
	t.Helper()
	err := closedWith(c)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("got %v, want close %d", err, code)
	}
}

// read returns the next message that is not a keep-alive, or fails after 5 s.
func read(t testing.TB, c *websocket.Conn) wsMessage {
	t.Helper()
	for {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		var m wsMessage
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("read: %v", err)
		}
		if m.Type != "ka" && m.Type != "ping" && m.Type != "pong" {
			return m
		}
	}
}

func send(t testing.TB, c *websocket.Conn, m any) {
	t.Helper()
	if err := c.WriteJSON(m); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func TestWebsocketProtocols(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	tests := []struct {
		subprotocol, start, data string
		init                     map[string]any
	}{
		{"graphql-transport-ws", "subscribe", "next", map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice}},
		{"graphql-transport-ws", "subscribe", "next", map[string]any{"authorization": upstreamtest.TokenAlice}},
		{"graphql-ws", "start", "data", map[string]any{"headers": map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice}}},
		{"", "start", "data", map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice}}, // no subprotocol: legacy
	}
	for _, tt := range tests {
		c, _, err := wsDial(t, srv, tt.subprotocol, nil)
		if err != nil {
			t.Fatalf("%q: %v", tt.subprotocol, err)
		}
		if c.Subprotocol() != tt.subprotocol {
			t.Errorf("negotiated %q, want %q", c.Subprotocol(), tt.subprotocol)
		}
		send(t, c, map[string]any{"type": "connection_init", "payload": tt.init})
		if m := read(t, c); m.Type != "connection_ack" {
			t.Fatalf("%q: got %+v, want connection_ack", tt.subprotocol, m)
		}
		send(t, c, map[string]any{"id": "1", "type": tt.start, "payload": map[string]any{"query": "{ self { id } }"}})
		m := read(t, c)
		if m.Type != tt.data || m.ID != "1" || !strings.Contains(string(m.Payload), upstreamtest.UserAlice) {
			t.Errorf("%q %v: got %s %s", tt.subprotocol, tt.init, m.Type, m.Payload)
		}
		if m := read(t, c); m.Type != "complete" {
			t.Errorf("%q: got %+v, want complete", tt.subprotocol, m)
		}
		_ = c.Close()
	}
}

func TestWebsocketBadTokenCloses4403(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	for _, tok := range []string{
		"Bearer x\r\nInjected: yes",
		"Bearer " + strings.Repeat("a", auth.MaxTokenBytes), // no token is so long
	} {
		c := dialRaw(t, srv)
		send(t, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": tok}})
		wantClose(t, c, 4403)
	}
}

// An Authorization header longer than any token is no token: the caller is
// anonymous, and the value goes nowhere upstream.
func TestOversizedAuthorizationIsNoToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	huge := upstreamtest.TokenAlice + strings.Repeat("a", auth.MaxTokenBytes) // queryRequest puts "Bearer " before it
	r := e.query(t, huge, `{ self { id } zones { name } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].code() != "UNAUTHENTICATED" || r.Data["zones"] == nil {
		t.Fatalf("got %s, want self UNAUTHENTICATED and the zones", r.raw)
	}
	for _, req := range e.fake.Requests() {
		if len(req.Header.Get("Authorization")) > auth.MaxTokenBytes {
			t.Errorf("%s %s went upstream with the oversized value", req.Method, req.RawPath)
		}
	}
}

// A connection_init whose payload is no object (gqlgen gives up on it
// without closing the socket) closes with 4400 at once, and leaves nothing
// counted: neither the websocket gauge nor what the drain would close.
func TestWebsocketInitWithAPayloadThatIsNoObject(t *testing.T) {
	t.Parallel()
	e, srv := observedEnv(t)
	for _, payload := range []any{"abc", []any{1}, 42} {
		c := dialRaw(t, srv)
		send(t, c, map[string]any{"type": "connection_init", "payload": payload})
		wantClose(t, c, 4400)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for value(scrape(t, e)["gateway_websocket_connections"], nil) != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the websocket gauge stayed above 0")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if websockets, _ := e.gw.CloseLongLived(); websockets != 0 {
		t.Errorf("the drain would still close %d websockets", websockets)
	}
}

// A socket that never sends connection_init is closed once its time to
// do so has passed.
func TestWebsocketInitTimeout(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) { o.WebsocketInitTimeout = 50 * time.Millisecond })
	srv := newServer(t, e.gw)
	c := dialRaw(t, srv)
	var ce *websocket.CloseError
	if err := closedWith(c); !errors.As(err, &ce) {
		t.Fatalf("a silent socket: %v, want it closed", err)
	}
}

func TestWebsocketAnonymousSubscriberGetsUnauthenticated(t *testing.T) {
	t.Parallel()
	fake, srv := wsEnv(t)
	c := connect(t, srv, nil)
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "{ self { id } }"}})
	if m := read(t, c); m.Type != "next" || !strings.Contains(string(m.Payload), "UNAUTHENTICATED") {
		t.Errorf("got %s %s", m.Type, m.Payload)
	}
	if n := fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

// A client that can set headers on the upgrade request (a script, a
// server; not a browser) may bring its token there; a token in
// connection_init comes first.
func TestWebsocketTokenFromTheUpgradeRequest(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	for name, tc := range map[string]struct {
		init map[string]any
		want string
	}{
		"upgrade header only":         {nil, upstreamtest.UserAlice},
		"connection_init comes first": {map[string]any{"Authorization": "Bearer " + upstreamtest.TokenBob}, upstreamtest.UserBob},
	} {
		t.Run(name, func(t *testing.T) {
			c := connectWith(t, srv, http.Header{"Authorization": {"Bearer " + upstreamtest.TokenAlice}}, tc.init)
			send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "{ self { id } }"}})
			if m := read(t, c); m.Type != "next" || string(m.Payload) != `{"data":{"self":{"id":"`+tc.want+`"}}}` {
				t.Errorf("got %s %s, want %s", m.Type, m.Payload, tc.want)
			}
		})
	}
}

func TestWebsocketOriginPolicy(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t, "https://console.example")
	tests := map[string]bool{
		"":                        true, // not a browser
		srv.URL:                   true, // same origin
		"https://console.example": true,
		"https://evil.example":    false,
		"null":                    false,
	}
	for origin, ok := range tests {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		c, resp, err := wsDial(t, srv, "graphql-transport-ws", h)
		if ok != (err == nil) {
			t.Errorf("origin %q: err %v, want allowed=%v", origin, err, ok)
		}
		if !ok && resp != nil && resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: status %d, want 403", origin, resp.StatusCode)
		}
		if c != nil {
			_ = c.Close()
		}
	}
}

// A message much larger than a socket's read buffer (512 bytes) is read
// whole: a subscribe of 60 KB, under the limit, which the client sends in
// frames of its 4 KiB write buffer, is answered.
func TestWebsocketReadsMessagesLargerThanItsBuffer(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	c := connect(t, srv, nil)
	query := "{ zones { name } } #" + strings.Repeat("x", 60<<10)
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query}})
	m := read(t, c)
	if m.Type != "next" || !strings.Contains(string(m.Payload), `"zones":[{"name":`) {
		t.Fatalf("got %s %s, want the zones", m.Type, m.Payload)
	}
	if m := read(t, c); m.Type != "complete" {
		t.Fatalf("got %+v, want complete", m)
	}
}

func TestWebsocketReadLimit(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	c := connect(t, srv, nil)
	huge := strings.Repeat("x", 100<<10)
	_ = c.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "{ zones { name } } #" + huge}})
	wantClose(t, c, websocket.CloseMessageTooBig)
}
