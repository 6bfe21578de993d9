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
		if r.Header.Get("Upgrade") != "" && !allowed(r) {
			g.writeError(w, r, errOriginNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var errOriginNotAllowed = gqlerr.New(gqlerr.Forbidden, "this origin may not open websockets here: add it to the gateway's allowed origins")

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
		tok = g.opts.DefaultToken
	}
	if g.opts.Metrics != nil {
		g.opts.Metrics.Connected(ctx)
	}
	ctx = context.WithValue(ctx, subscriptionSlotsKey{}, new(atomic.Int32))
	return auth.WithToken(ctx, tok), nil, nil
}

type subscriptionSlotsKey struct{}

// takeSubscriptionSlot counts a subscription against its websocket's
// bound until release; SSE subscriptions have one each and no bound here.
func (g *Gateway) takeSubscriptionSlot(ctx context.Context) (release func(), err error) {
	n, ok := ctx.Value(subscriptionSlotsKey{}).(*atomic.Int32)
	if !ok {
		return func() {}, nil
	}
	max := int32(cmp.Or(g.opts.MaxSubscriptionsPerConnection, 100))
	if n.Add(1) > max {
		n.Add(-1)
		return nil, gqlerr.New(gqlerr.QueryTooComplex, "this connection already carries %d subscriptions, the most allowed: end one, or open another connection", max)
	}
	return func() { n.Add(-1) }, nil
}

// startSubscription takes a slot of the websocket's bound, makes ctx end
// when the gateway drains, and counts the subscription in the metrics,
// until ctx ends. One watch on ctx undoes all three: each
// context.AfterFunc costs a few hundred bytes a subscription.
func (g *Gateway) startSubscription(ctx context.Context) (context.Context, error) {
	release, err := g.takeSubscriptionSlot(ctx)
	if err != nil {
		return ctx, err
	}
	ctx, forget := g.long.subscription(ctx)
	uncount := func() {}
	if g.opts.Metrics != nil {
		uncount = g.opts.Metrics.Subscribed()
	}
	context.AfterFunc(ctx, func() {
		release()
		forget()
		uncount()
	})
	return ctx, nil
}
