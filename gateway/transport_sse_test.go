package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// captureStdLog sends the standard logger's output, which gqlgen writes
// to, to the returned buffer until the test ends. Tests that call it must
// not be parallel: the logger is the process's.
func captureStdLog(t *testing.T) *syncBuffer {
	t.Helper()
	b := &syncBuffer{}
	prev := log.Writer()
	log.SetOutput(b)
	t.Cleanup(func() { log.SetOutput(prev) })
	return b
}

// sseRequest is a POST /graphql of body, as alice, accepting SSE.
func sseRequest(ctx context.Context, url string, body io.Reader) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, body) // the URL is the test's: valid
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
	return req
}

// A body the SSE transport cannot read as one GraphQL request is answered
// as over POST: 413 or 400, a contract error, and nothing of the body or of
// Go's error text in the answer or in any log (gqlgen's own transport
// answers 200 with "http: request body too large", and logs the whole
// body, newlines included, through the standard logger).
func TestSSERefusesBadBodies(t *testing.T) {
	stdLog := captureStdLog(t)
	e := newEnvWith(t, func(o *gateway.Options) { o.MaxBodyBytes = 1024 })
	const secret = "s3cr3t-in-a-variable"
	query := `{ zones { name } }` // a query: over SSE it answers one event, then completes
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"too large, without Content-Length", gqlBody(query, map[string]any{"token": secret, "pad": strings.Repeat("x", 2048)}), http.StatusRequestEntityTooLarge},
		{"empty", ``, http.StatusBadRequest},
		{"cut short", `{"query": "` + query + `", "variables": {"token": "` + secret, http.StatusBadRequest},
		{"not an object", `["` + secret + `"]`, http.StatusBadRequest},
		{"a newline to forge a log line", `{"query": 5, "variables": {"token": "` + secret + "\n2026/01/01 12:00:00 forged\"}}", http.StatusBadRequest},
		{"garbage after the request", gqlBody(query, nil) + ` {"token": "` + secret + `"}`, http.StatusBadRequest},
		{"a second request after the first", gqlBody(query, nil) + gqlBody(query, map[string]any{"token": secret}), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A reader of no known length: the request is chunked, and only
			// reading finds it too large.
			req := sseRequest(t.Context(), "http://gateway/graphql", io.MultiReader(strings.NewReader(tt.body)))
			rec := httptest.NewRecorder()
			e.gw.ServeHTTP(rec, req)
			var got response
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("status %d, the answer is not JSON: %s", rec.Code, rec.Body)
			}
			var codes []string
			for _, err := range got.Errors {
				codes = append(codes, err.code())
			}
			if diff := cmp.Diff([]any{tt.status, []string{"BAD_USER_INPUT"}}, []any{rec.Code, codes}); diff != "" {
				t.Errorf("status and codes (-want +got):\n%s\n%s", diff, rec.Body)
			}
			got.raw = rec.Body.Bytes()
			assertNothingInternal(t, got)
			for _, leak := range []string{secret, "http:", "could not", "invalid character", "cannot unmarshal"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("the answer holds %q: %s", leak, rec.Body)
				}
			}
		})
	}
	for name, logged := range map[string]string{"standard": stdLog.String(), "gateway": e.logs.String()} {
		for _, leak := range []string{secret, "forged", "decoding error", "could not get json request body"} {
			if strings.Contains(logged, leak) {
				t.Errorf("the %s log holds %q:\n%s", name, leak, logged)
			}
		}
	}
	if n := e.fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

// An SSE subscription that has nothing to send is sent ": ping" comments,
// so that proxies, which cut streams that stay silent, keep it.
func TestSSEKeepAlivePingsASilentSubscription(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) { o.SSEKeepAlive = 10 * time.Millisecond })
	e.fake.GateLogs(t) // a live tail that sends nothing: no line is let through
	srv := newServer(t, e.gw)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second) // generous: pings come every 10 ms
	defer cancel()
	body := gqlBody(logsSubscription, logVars(map[string]any{"services": []string{"all"}}))
	resp, err := http.DefaultClient.Do(sseRequest(ctx, srv.URL+"/graphql", strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, ct)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		switch line := sc.Text(); {
		case line == ": ping":
			return
		case strings.HasPrefix(line, "event:"):
			t.Fatalf("the silent subscription sent %q", line)
		}
	}
	t.Fatalf("the stream ended without a ping: %v", sc.Err())
}

// An SSE client that stops reading is dropped once a write has waited
// SSEWriteTimeout for it: its subscription ends and the upstream logs
// stream behind it closes, as for a websocket's client. Nothing else may
// end it first: its buffer may stay full for an hour (backpressure), and
// its upstream stream, which it no longer reads, go unheard for an hour
// (the heartbeat watchdog would replace it after 10 s).
func TestSSEDropsAClientThatStopsReading(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) {
		o.SSEWriteTimeout = 200 * time.Millisecond
		o.Logs = logtail.Config{SlowClient: time.Hour, Heartbeat: time.Hour}
	})
	e.fake.SetLogInterval(time.Millisecond) // lines to fill the connection's buffers with, quickly
	// Small socket buffers on both ends, so that a few hundred lines fill
	// them rather than megabytes.
	srv := httptest.NewUnstartedServer(e.gw)
	srv.Listener = smallWriteBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() }) // before srv.Close, which waits for the handler
	if err := conn.(*net.TCPConn).SetReadBuffer(1024); err != nil {
		t.Fatal(err)
	}
	body := gqlBody(logsSubscription, logVars(map[string]any{"since": upstreamtest.LogsBase.Format(time.RFC3339)}))
	_, err = fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"+
		"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", upstreamtest.TokenAlice, len(body), body)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended before a next event: %v", err)
		}
		if strings.HasPrefix(line, "event: next") {
			break
		}
	}
	if n := e.fake.OpenStreams(); n != 1 {
		t.Fatalf("%d open upstream streams, want 1", n)
	}
	// The client reads no more.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // generous: the write times out in 200 ms
	defer cancel()
	if err := e.fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Fatalf("the upstream stream of a client that stopped reading stays open: %v", err)
	}
}

// smallWriteBuffers is a listener whose connections have small socket
// write buffers.
type smallWriteBuffers struct{ net.Listener }

func (l smallWriteBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(1024)
	}
	return c, err
}

// Only websocket handshakes reach the websocket transport. A request with
// another Upgrade (curl --http2 sends Upgrade: h2c), or a handshake
// gorilla would refuse, is answered by the other transports: served, or
// refused with a contract error, never with gorilla's words, logged or
// answered.
func TestNonWebsocketUpgrades(t *testing.T) {
	stdLog := captureStdLog(t)
	e := newEnv(t)
	h2c := func(req *http.Request) *http.Request {
		req.Header.Set("Connection", "Upgrade, HTTP2-Settings")
		req.Header.Set("Upgrade", "h2c")
		req.Header.Set("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA")
		return req
	}
	handshake := func(set map[string]string) *http.Request {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/graphql", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Protocol", "graphql-transport-ws")
		for k, v := range set {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		return req
	}
	const key = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455's example: 16 bytes

	t.Run("SSE with Upgrade: h2c is served", func(t *testing.T) {
		rec := httptest.NewRecorder()
		e.gw.ServeHTTP(rec, h2c(sseRequest(t.Context(), "http://gateway/graphql", strings.NewReader(gqlBody(`{ zones { name } }`, nil)))))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "event: next\ndata: {\"data\":{\"zones\":[{\"name\":") {
			t.Errorf("status %d: %s", rec.Code, rec.Body)
		}
	})

	others := []struct {
		name   string
		req    *http.Request
		served bool // else it is refused
	}{
		{"POST with Upgrade: h2c", h2c(queryRequest(t, upstreamtest.TokenAlice, `{ zones { name } }`, nil)), true},
		{"handshake without a key", handshake(nil), false},
		{"handshake with a short key", handshake(map[string]string{"Sec-WebSocket-Key": "c2hvcnQ="}), false},
		{"handshake of version 8", handshake(map[string]string{"Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "8"}), false},
		{"handshake without Connection: Upgrade", handshake(map[string]string{"Sec-WebSocket-Key": key, "Connection": ""}), false},
	}
	for _, tt := range others {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			e.gw.ServeHTTP(rec, tt.req)
			var got response
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("status %d, the answer is not JSON: %s", rec.Code, rec.Body)
			}
			served := rec.Code == http.StatusOK && len(got.Errors) == 0 && got.Data["zones"] != nil
			refused := rec.Code >= 400 && rec.Code < 500 && len(got.Errors) == 1 && got.Errors[0].code() == "BAD_USER_INPUT"
			if tt.served && !served || !tt.served && !refused {
				t.Errorf("status %d: %s", rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "upgrade") || strings.Contains(rec.Body.String(), "websocket:") {
				t.Errorf("the answer holds gorilla's or gqlgen's words: %s", rec.Body)
			}
		})
	}
	if logged := stdLog.String() + e.logs.String(); strings.Contains(logged, "upgrade") || strings.Contains(logged, "websocket:") {
		t.Errorf("the logs hold gorilla's or gqlgen's words:\n%s", logged)
	}
}
