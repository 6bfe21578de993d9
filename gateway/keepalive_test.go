package gateway_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// keepAliveEnv serves a gateway that pings its websockets every period and
// drops a peer silent for timeout. Tests keep timeout far above what a
// pong may take on a loaded machine, however short period is.
func keepAliveEnv(t *testing.T, period, timeout time.Duration) (*upstreamtest.Server, *httptest.Server) {
	t.Helper()
	e := newEnvWith(t, func(o *gateway.Options) { o.WebsocketKeepAlive, o.WebsocketPeerTimeout = period, timeout })
	return e.fake, newServer(t, e.gw)
}

var aliceInit = map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice}

// pingCounter counts the ping frames c receives, answering them with a
// pong when answer is set; frames are only read while c is read.
func pingCounter(c *websocket.Conn, answer bool) <-chan struct{} {
	pings := make(chan struct{}, 1000)
	c.SetPingHandler(func(data string) error {
		pings <- struct{}{}
		if !answer {
			return nil
		}
		return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	return pings
}

// readAll reads c until it fails, sending every message on the returned
// channel, which is closed then.
func readAll(c *websocket.Conn) <-chan wsMessage {
	out := make(chan wsMessage, 1000)
	go func() {
		defer close(out)
		for {
			var m wsMessage
			if err := c.ReadJSON(&m); err != nil {
				return
			}
			out <- m
		}
	}()
	return out
}

// A graphql-transport-ws peer that answers pings stays connected, however
// long it sends nothing else.
func TestWebsocketKeepAlivePingsAndKeepsALivePeer(t *testing.T) {
	t.Parallel()
	_, srv := keepAliveEnv(t, 10*time.Millisecond, 500*time.Millisecond)
	c := connect(t, srv, aliceInit)
	pings := pingCounter(c, true)
	msgs := readAll(c)
	for i := range 150 { // 1.5 s or more: three times what a silent peer gets
		select {
		case <-pings:
		case m, ok := <-msgs:
			if !ok {
				t.Fatalf("the socket closed after %d pings, though the peer answered them", i)
			}
			t.Fatalf("unexpected message %+v", m)
		case <-time.After(5 * time.Second):
			t.Fatalf("no ping after %d", i)
		}
	}
	// Still served: gqlgen answers a protocol ping.
	send(t, c, map[string]any{"type": "ping"})
	select {
	case m := <-msgs:
		if m.Type != "pong" {
			t.Fatalf("got %+v, want pong", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong from a live connection")
	}
}

// The legacy graphql-ws protocol also gets its "ka" messages, which its
// clients expect once the first has come.
func TestWebsocketKeepAliveLegacyKA(t *testing.T) {
	t.Parallel()
	_, srv := keepAliveEnv(t, 20*time.Millisecond, time.Minute)
	c, _, err := wsDial(t, srv, "graphql-ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pingCounter(c, true)
	send(t, c, map[string]any{"type": "connection_init", "payload": aliceInit})
	msgs := readAll(c)
	kas := 0
	for kas < 4 {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatalf("closed after %d ka", kas)
			}
			switch m.Type {
			case "ka":
				kas++
			case "connection_ack":
			default:
				t.Fatalf("unexpected %+v", m)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%d ka, want 4", kas)
		}
	}
}

// A peer that answers nothing is disconnected once the peer timeout has
// passed, and its subscription's upstream stream closes.
func TestWebsocketKeepAliveDropsASilentPeer(t *testing.T) {
	t.Parallel()
	fake, srv := keepAliveEnv(t, 20*time.Millisecond, 100*time.Millisecond)
	c := subscribe(t, srv, logVars(nil)) // a live tail
	pings := pingCounter(c, false)
	msgs := readAll(c)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := fake.WaitOpenStreams(ctx, 1); err != nil {
		t.Fatal("the subscription opened no upstream stream")
	}
	for range msgs { // until the gateway closes the socket
	}
	if len(pings) == 0 {
		t.Error("closed without a ping first")
	}
	if err := fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Fatalf("%d upstream streams still open after the peer was dropped", fake.OpenStreams())
	}
}

// A websocket with a subscription costs the gateway three goroutines:
// gqlgen's read loop and its close watch, and the subscription's; the
// keep-alive is a timer, and live tails of one application share one
// upstream stream.
func TestWebsocketGoroutinesPerSubscription(t *testing.T) {
	fake, srv := keepAliveEnv(t, time.Minute, 0)
	fake.SetLogInterval(5 * time.Millisecond)
	const n = 20
	stable := func() int {
		last := -1
		for {
			runtime.GC()
			g := runtime.NumGoroutine()
			if g == last {
				return g
			}
			last = g
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Warm up: the upstream stream and its connection are shared.
	first := subscribe(t, srv, logVars(nil))
	if m := read(t, first); m.Type != "next" {
		t.Fatalf("got %+v", m)
	}
	base := stable()
	for range n {
		c := subscribe(t, srv, logVars(nil))
		if m := read(t, c); m.Type != "next" {
			t.Fatalf("got %+v", m)
		}
	}
	if got := stable() - base; got > 3*n {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d websockets with a subscription each cost %d goroutines, want at most %d\n%s", n, got, 3*n, buf[:runtime.Stack(buf, true)])
	}
}
