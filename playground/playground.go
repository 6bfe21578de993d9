// Package playground serves the gateway's GraphiQL playground without the
// internet: the page, and GraphiQL's JavaScript and CSS (React, GraphiQL,
// graphql-js and graphql-ws in one bundle) embedded in the binary and served
// under [AssetsPath].
//
// The page runs GraphiQL against the gateway's own origin, subscriptions over
// graphql-transport-ws, with an Authorization field that the browser
// remembers and sends both as the HTTP header and in the websocket's
// connection_init payload. Its Content-Security-Policy lets it load and
// connect to nothing but its own origin.
//
// The assets are built from the npm registry by build/build.sh (see
// build/package-lock.json for every version) and committed in assets/.
package playground

import (
	"crypto/rand"
	_ "embed"
	"html/template"
	"net/http"
	"regexp"
	"strings"
)

//go:embed page.html
var pageHTML string

var page = template.Must(template.New("page").Parse(pageHTML))

// pageData fills page.html.
type pageData struct {
	Title   string
	CSS, JS string
	Config  pageConfig
}

// pageConfig is what playground.jsx reads from the page, as JSON.
type pageConfig struct {
	// Endpoint is the GraphQL path; the script makes its http(s) and ws(s)
	// URLs from the page's own location.
	Endpoint string `json:"endpoint"`
	// Headers are the server's default headers: Authorization prefills the
	// Authorization field while this browser has none stored, the others
	// prefill GraphiQL's headers editor.
	Headers map[string]string `json:"headers,omitempty"`
	// StyleNonce lets the few <style> elements GraphiQL's dialogs add at run
	// time pass the Content-Security-Policy.
	StyleNonce string `json:"styleNonce"`
}

// Handler serves the playground page for the GraphQL endpoint at the path
// endpoint on the same origin (such as "/graphql"), with headers as the
// default headers (nil for none; demo mode gives the demo token). The page
// loads its assets from [AssetsPath], which [Assets] serves.
func Handler(endpoint string, headers map[string]string) http.Handler {
	if !strings.HasPrefix(endpoint, "/") || strings.HasPrefix(endpoint, "//") {
		panic("playground: the endpoint must be a path on the gateway's origin, got " + endpoint)
	}
	css, js := assets.url("playground.css"), assets.url("playground.js")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := rand.Text()
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", contentSecurityPolicy(r.Host, nonce))
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		data := pageData{
			Title: "Clever Cloud GraphQL",
			CSS:   css, JS: js,
			Config: pageConfig{Endpoint: endpoint, Headers: headers, StyleNonce: nonce},
		}
		// html/template writes Config as JSON with <, > and & escaped, so no
		// header value can end the script element.
		_ = page.Execute(w, data) // only a write error: the client went away
	})
}

// contentSecurityPolicy allows scripts, styles and connections to the page's
// own origin only; websockets to it are also named explicitly, for browsers
// whose 'self' does not cover ws: and wss:. Fonts and images may also be
// data: URLs, which GraphiQL's CSS uses.
func contentSecurityPolicy(host, styleNonce string) string {
	connect := "'self'"
	if hostPattern.MatchString(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + styleNonce + "'",
		"connect-src " + connect,
		"img-src 'self' data:",
		"font-src 'self' data:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// hostPattern is a host[:port] safe to write into the policy; any other Host
// header gets 'self' alone.
var hostPattern = regexp.MustCompile(`^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)
