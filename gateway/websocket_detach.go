package gateway

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
)

// detachedWebsocket is gqlgen's websocket transport with each socket served,
// once upgraded, on a goroutine of its own: net/http's goroutine returns
// from the handler at once.
//
// A websocket lives as long as its client, and its serving goroutine with
// it, parked in a read. net/http's goroutine arrives there with a stack that
// the middleware chain, the request's parsing and the upgrade have grown to
// 16 KiB, and a stack that has grown never shrinks back below four times
// what it uses; it also keeps the request, its response writer and the
// middleware's state reachable. A fresh goroutine parks with an 8 KiB stack
// and none of that. cmd/subload, 2,000 subscriptions one per socket,
// medians of 3 runs: stacks 24.1 → 17.6 KiB and live heap 23.4 → 21.5 KiB
// per subscription.
//
// What depended on the handler's return now waits for the socket's end
// instead: the request's context (which gqlgen's connection context, and
// the websocket gauge, derive from) ends when the socket does, and the
// request's log line is written then (see [lateLog]).
type detachedWebsocket struct {
	transport.Websocket
	logger *slog.Logger
}

// Supports takes websocket handshakes only: a GET asking to upgrade to a
// websocket, with a key and version 13, as gorilla accepts them. gqlgen's
// takes any request with an Upgrade header (a POST with Upgrade: h2c, a
// handshake without its key), which gorilla then refuses in words of its
// own, logged by gqlgen and answered without a contract code. The
// transports after it answer those: with a contract error, unless one
// takes the request (sseTransport does, with its Accept header).
func (detachedWebsocket) Supports(r *http.Request) bool {
	if r.Method != http.MethodGet || !websocket.IsWebSocketUpgrade(r) {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	if err != nil || len(key) != 16 {
		return false
	}
	return headerHasToken(r.Header, "Sec-WebSocket-Version", "13")
}

// upgradedKey marks a request served by detachedWebsocket: its value, an
// *upgrade, learns the socket once it is upgraded ([markUpgraded]).
type upgradedKey struct{}

// upgrade is a request's socket, once upgraded: done is closed then.
type upgrade struct {
	done chan struct{}
	conn *gorillaConn
}

func (t detachedWebsocket) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx, end := context.WithCancel(context.WithoutCancel(r.Context()))
	up := &upgrade{done: make(chan struct{})}
	ctx = context.WithValue(ctx, upgradedKey{}, up)
	late := lateLogFrom(r.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer end()
		defer late.ended()
		defer func() {
			// net/http recovers a handler's panic; this goroutine is no
			// longer the handler's. The stack goes to the log, never to
			// the client.
			if p := recover(); p != nil {
				t.logger.ErrorContext(ctx, "panic serving a websocket", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		t.Websocket.Do(w, r.WithContext(ctx), exec)
		// gqlgen closes a socket it is done with, except after a
		// connection_init whose payload is no object: then it returns
		// with the socket open and unread, which the peer would see close
		// (1006) only at the keep-alive's timeout, and which the drain
		// would count until then. Whatever gqlgen left open ends here.
		if up.conn != nil {
			up.conn.finish()
		}
	}()
	select {
	case <-up.done: // w and r are the goroutine's alone from here
		late.detach()
	case <-done: // refused before the upgrade: gqlgen has answered through w
	}
}

// markUpgraded tells detachedWebsocket that r's socket is upgraded, as c: w
// is not written again.
func markUpgraded(r *http.Request, c *gorillaConn) {
	if up, ok := r.Context().Value(upgradedKey{}).(*upgrade); ok {
		up.conn = c
		close(up.done)
	}
}

// lateLog lets a request's log line wait for the end of a websocket that
// outlives its handler: logRequests hands it the line's writer, and
// whichever of the handler's return and the socket's end comes last writes
// it, once.
type lateLog struct {
	mu       sync.Mutex
	detached bool   // the socket outlives the handler
	done     bool   // the socket has ended
	write    func() // set once the handler has returned
}

type lateLogKey struct{}

// withLateLog returns ctx carrying a new lateLog.
func withLateLog(ctx context.Context) (context.Context, *lateLog) {
	l := new(lateLog)
	return context.WithValue(ctx, lateLogKey{}, l), l
}

// lateLogFrom returns ctx's lateLog; nil (whose methods do nothing) if none.
func lateLogFrom(ctx context.Context) *lateLog {
	l, _ := ctx.Value(lateLogKey{}).(*lateLog)
	return l
}

// detach says the socket outlives the handler: its end writes the line.
// It happens before the handler returns.
func (l *lateLog) detach() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.detached = true
	l.mu.Unlock()
}

// ended says the socket has ended.
func (l *lateLog) ended() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.done = true
	write := l.write
	l.mu.Unlock()
	if write != nil {
		write()
	}
}

// handlerReturned writes the line now, unless a detached socket is still
// open: then its end will.
func (l *lateLog) handlerReturned(write func()) {
	l.mu.Lock()
	if l.detached && !l.done {
		l.write = write
		write = nil
	}
	l.mu.Unlock()
	if write != nil {
		write()
	}
}
