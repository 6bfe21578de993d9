package gateway

import (
	"net/http"
	"slices"

	"github.com/cleverql/gateway/graph/gqlerr"
)

// cors lets the browser pages of AllowedOrigins call the gateway (the same
// list governs websockets). An allowed origin is echoed with
// Access-Control-Allow-Credentials, as the rule requires ("*" cannot carry
// credentials); with "*" in the list any origin may call, without
// credentials. Preflights are answered here; a disallowed origin gets no
// CORS header, so the browser keeps the answer from the page.
func (g *Gateway) cors(next http.Handler) http.Handler {
	anyOrigin := slices.Contains(g.opts.AllowedOrigins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || upgradesToWebsocket(r.Header) { // not a CORS request; websockets have their own check
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		allowed := listed(g.opts.AllowedOrigins, origin)
		switch {
		case allowed:
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		case anyOrigin:
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
			next.ServeHTTP(w, r)
			return
		}
		// A preflight.
		if !allowed && !anyOrigin {
			g.writeErrorStatus(w, r, errOriginNotAllowedCORS, http.StatusForbidden)
			return
		}
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, X-Request-Id")
		h.Set("Access-Control-Expose-Headers", "X-Request-Id")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}

var errOriginNotAllowedCORS = gqlerr.New(gqlerr.Forbidden, "this origin may not call the gateway from a browser: add it to the gateway's allowed origins")
