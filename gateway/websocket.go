package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/cleverql/gateway/auth"
)

// Websocket close codes of graphql-transport-ws that clients act on.
const (
	closeForbidden = 4403 // a bad token: clients stop retrying instead of looping
)

// checkOrigin is the websocket origin policy: clients that send no Origin
// (not browsers), same-origin pages, and the allow-list pass; "*" in the
// list, or demo mode, allows every origin.
func checkOrigin(allowed []string) func(*http.Request) bool {
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
		return slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(strings.TrimSuffix(a, "/"), origin) })
	}
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
	return auth.WithToken(ctx, tok), nil, nil
}
