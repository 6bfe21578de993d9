package gateway

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/cleverql/gateway/graph/gqlerr"
)

// Draining on shutdown, so that a deploy drops nobody (LESSONS: clients all
// cut at once with no close code retry in a storm):
//
//  1. [Gateway.BeginDrain]: /readyz answers 503 and new websocket upgrades
//     are refused, while everything else is still served, so that load
//     balancers move traffic away;
//  2. [Gateway.CloseLongLived]: every websocket gets a 1001 "going away"
//     close and every subscription (SSE ones too) ends, which closes its
//     upstream stream; clients reconnect to another replica;
//  3. the caller's http.Server.Shutdown lets in-flight requests finish.

// longLived tracks what outlives a request: websockets (hijacked, so
// http.Server.Shutdown knows nothing of them) and subscriptions.
type longLived struct {
	mu    sync.Mutex
	conns map[*gorillaConn]struct{}
	// SSE subscriptions, by their cancel func. A websocket's subscriptions
	// end with their socket, so they are only counted.
	subscriptions          map[*context.CancelFunc]struct{}
	websocketSubscriptions atomic.Int64
}

func (l *longLived) addConn(c *gorillaConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns == nil {
		l.conns = map[*gorillaConn]struct{}{}
	}
	l.conns[c] = struct{}{}
}

func (l *longLived) removeConn(c *gorillaConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, c)
}

func (l *longLived) addSubscription(cancel *context.CancelFunc) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.subscriptions == nil {
		l.subscriptions = map[*context.CancelFunc]struct{}{}
	}
	l.subscriptions[cancel] = struct{}{}
}

func (l *longLived) removeSubscription(cancel *context.CancelFunc) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.subscriptions, cancel)
}

// BeginDrain turns /readyz to 503 and refuses new websockets.
func (g *Gateway) BeginDrain() { g.ready.Store(false) }

// CloseLongLived sends every websocket a 1001 close and ends every
// subscription. It returns how many websockets and subscriptions it ended.
func (g *Gateway) CloseLongLived() (websockets, subscriptions int) {
	g.long.mu.Lock()
	conns := make([]*gorillaConn, 0, len(g.long.conns))
	for c := range g.long.conns {
		conns = append(conns, c)
	}
	cancels := make([]context.CancelFunc, 0, len(g.long.subscriptions))
	for c := range g.long.subscriptions {
		cancels = append(cancels, *c)
	}
	g.long.mu.Unlock()
	onSockets := int(g.long.websocketSubscriptions.Load())
	for _, c := range conns { // which ends their subscriptions
		_ = c.WriteClose(closeGoingAway, "the gateway is shutting down: reconnect")
		_ = c.Close()
	}
	for _, cancel := range cancels {
		cancel()
	}
	return len(conns), len(cancels) + onSockets
}

const closeGoingAway = 1001

var errDraining = gqlerr.New(gqlerr.UpstreamUnavailable, "the gateway is shutting down: reconnect to another instance")

// refuseWhileDraining answers new websocket upgrades with 503 once draining.
func (g *Gateway) refuseWhileDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if upgradesToWebsocket(r.Header) && !g.ready.Load() {
			w.Header().Set("Retry-After", "1")
			g.writeErrorStatus(w, r, errDraining, http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}
