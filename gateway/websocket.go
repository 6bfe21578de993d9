package gateway

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/cleverql/gateway/auth"
	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/graph/resolvers"
	"github.com/cleverql/gateway/observe"
)

// Websocket close codes of graphql-transport-ws that clients act on.
const (
	closeForbidden = 4403 // a bad token: clients stop retrying instead of looping
)

// checkOrigin refuses websocket upgrades from origins the policy does not
// allow, with one 403 answer before gqlgen sees the request.
func (g *Gateway) checkOrigin(next http.Handler) http.Handler {
	allowed := originAllowed(g.opts.AllowedOrigins)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if upgradesToWebsocket(r.Header) && !allowed(r) {
			g.writeError(w, r, errOriginNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var errOriginNotAllowed = gqlerr.New(gqlerr.Forbidden, "this origin may not open websockets here: add it to the gateway's allowed origins")

// upgradesToWebsocket reports whether h asks for a websocket (Upgrade:
// websocket, among others perhaps). Any other Upgrade (h2c, say) leaves a
// request a plain HTTP one here.
func upgradesToWebsocket(h http.Header) bool { return headerHasToken(h, "Upgrade", "websocket") }

// headerHasToken reports whether one of h's name headers, a
// comma-separated list, holds token (in any case, as HTTP tokens are).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for p := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), token) {
				return true
			}
		}
	}
	return false
}

// originAllowed is the websocket origin policy: clients that send no Origin
// (not browsers), same-origin pages, and the allow-list pass; "*" in the
// list, or demo mode, allows every origin.
func originAllowed(allowed []string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" || slices.Contains(allowed, "*") {
			return true
		}
		u, err := url.Parse(origin)
		if err != nil {
			return false
		}
		if strings.EqualFold(u.Host, r.Host) {
			return true
		}
		return listed(allowed, origin)
	}
}

// listed reports whether origin is one of the allowed origins (a trailing
// slash and the case of the list are forgiven).
func listed(allowed []string, origin string) bool {
	return slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(strings.TrimSuffix(a, "/"), origin) })
}

var errBadToken = errors.New("the Authorization value in connection_init is not a token")

// websocketInit takes the caller's token from the connection_init payload
// ({"Authorization": "Bearer …"}, "authorization", or headers.Authorization)
// through the same door as HTTP. A malformed value closes the socket with
// 4403, carried on the returned context as gqlgen reads it from there.
//
// A payload without a token keeps the one ctx has: the Authorization
// header of the upgrade request, as a client that can set one sends it
// (scripts and servers; a browser cannot), else the server's own token
// ([Gateway.withToken] put it there).
func (g *Gateway) websocketInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	raw := payload.Authorization()
	if raw == "" {
		if headers, ok := payload["headers"].(map[string]any); ok {
			raw, _ = headers["Authorization"].(string)
			if raw == "" {
				raw, _ = headers["authorization"].(string)
			}
		}
	}
	tok := auth.Normalize(raw)
	if raw != "" && tok == "" {
		ctx = transport.WithWebsocketCloseCode(ctx, closeForbidden)
		return transport.AppendCloseReason(ctx, errBadToken.Error()), nil, errBadToken
	}
	if tok == "" {
		tok = auth.TokenFrom(ctx)
	}
	if g.opts.Metrics != nil {
		g.opts.Metrics.Connected(ctx)
	}
	ctx = context.WithValue(ctx, subscriptionSlotsKey{}, new(atomic.Int32))
	return auth.WithToken(ctx, tok), nil, nil
}

type subscriptionSlotsKey struct{}

// startSubscription counts a subscription until it ends: against its
// websocket's bound, among what the gateway ends when it drains, and in the
// metrics. The returned subscriptionEnd undoes all three, and leaves the
// operation's live tail, when the operation's response handler returns its
// last (nil) response or panics (see graphQLServer). An SSE stream that
// gqlgen stops without asking for that last response is ended by
// sseTransport; a websocket subscription that gqlgen would end on a panic
// of its own, encoding a response, would stay counted (its live tail's
// feed goes at the next line: see logtail.Feed).
//
// Nothing watches the context: two watches (context.AfterFunc, here and in
// the log hub) cost about 350 bytes of live heap a subscription
// (cmd/subload, 2,000 live tails: 7.0 against 6.65 KiB).
//
// A websocket's subscription gets no context of its own to end on drain:
// [Gateway.CloseLongLived] closes every socket, and gqlgen's end of a
// socket cancels each of its subscriptions. Only an SSE subscription, whose
// request http.Server.Shutdown would wait for, gets one.
func (g *Gateway) startSubscription(ctx context.Context) (context.Context, *subscriptionEnd, error) {
	end := &subscriptionEnd{long: &g.long, metrics: g.opts.Metrics}
	_, onSocket := ctx.Value(subscriptionSlotsKey{}).(*atomic.Int32)
	sse, onSSE := ctx.Value(sseEndKey{}).(**subscriptionEnd)
	switch {
	case onSocket:
		var err error
		if end.slots, err = g.takeSlot(ctx); err != nil {
			return ctx, nil, err
		}
		g.long.websocketSubscriptions.Add(1)
	case onSSE:
		ctx, end.cancel = context.WithCancel(ctx)
		g.long.addSubscription(&end.cancel)
		*sse = end
	default: // a transport that would not ask for the end
		return ctx, nil, errNeedsStream
	}
	if end.metrics != nil {
		end.metrics.Subscribed()
	}
	return ctx, end, nil
}

// takeSlot takes one of the operation's websocket's slots (its
// subscriptions, and its queries and mutations until they answer, count
// against MaxSubscriptionsPerConnection together), and returns the slots
// to give it back to, once, with Add(-1); nil, and no error, off a
// websocket.
func (g *Gateway) takeSlot(ctx context.Context) (*atomic.Int32, error) {
	slots, onSocket := ctx.Value(subscriptionSlotsKey{}).(*atomic.Int32)
	if !onSocket {
		return nil, nil
	}
	max := int32(cmp.Or(g.opts.MaxSubscriptionsPerConnection, 100))
	if slots.Add(1) > max {
		slots.Add(-1)
		return nil, gqlerr.New(gqlerr.QueryTooComplex, "this connection already carries %d operations (subscriptions, and queries and mutations not yet answered), the most allowed: end one, or open another connection", max)
	}
	return slots, nil
}

// subscriptionEnd undoes what startSubscription counted.
type subscriptionEnd struct {
	long    *longLived
	metrics *observe.Metrics
	slots   *atomic.Int32      // the websocket's, one of them taken; nil for SSE
	cancel  context.CancelFunc // SSE only: what the drain calls
	live    *resolvers.LiveTail
	ended   bool
}

// run ends the subscription, once; it runs on the operation's goroutine.
func (e *subscriptionEnd) run() {
	if e == nil || e.ended {
		return
	}
	e.ended = true
	e.live.End()
	if e.slots != nil {
		e.slots.Add(-1)
		e.long.websocketSubscriptions.Add(-1)
	} else {
		e.long.removeSubscription(&e.cancel)
		e.cancel()
	}
	if e.metrics != nil {
		e.metrics.Unsubscribed()
	}
}
