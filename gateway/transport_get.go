package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cleverql/gateway/auth"
	"github.com/cleverql/gateway/graph/gqlerr"
)

// getTransport serves queries sent as GET /graphql?query=…&variables=…
// (GraphQL over HTTP). Unlike gqlgen's transport.GET, every refusal goes
// through the error presenter, so it carries a contract code, and answers
// are cacheable by browsers and CDNs when, and only when, the caller sent
// no token (and the gateway has none of its own): they then hold public
// data only (zones), the same for everyone.
type getTransport struct{}

var _ graphql.Transport = getTransport{}

func (getTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && !upgradesToWebsocket(r.Header)
}

func (getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	w.Header().Set("Content-Type", "application/json")
	ctx := r.Context()
	fail := func(status int, err *gqlerror.Error) {
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{err}))
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		fail(http.StatusBadRequest, gqlerr.BadInput("the query string is not valid URL encoding"))
		return
	}
	raw := &graphql.RawParams{Query: query.Get("query"), OperationName: query.Get("operationName"), Headers: r.Header}
	raw.ReadTime.Start = graphql.Now()
	for name, dst := range map[string]*map[string]any{"variables": &raw.Variables, "extensions": &raw.Extensions} {
		if v := query.Get(name); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if dec.Decode(dst) != nil {
				fail(http.StatusBadRequest, gqlerr.BadInput("the %s parameter must be a JSON object", name))
				return
			}
		}
	}
	raw.ReadTime.End = graphql.Now()

	opCtx, errs := exec.CreateOperationContext(ctx, raw)
	if errs != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	if opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		fail(http.StatusMethodNotAllowed, gqlerr.BadInput("GET requests only allow queries: send %ss with POST", opCtx.Operation.Operation))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if auth.TokenFrom(ctx) == "" && resp != nil && len(resp.Errors) == 0 {
		w.Header().Set("Cache-Control", "public, max-age=60")
		w.Header().Add("Vary", "Authorization")
	}
	writeResponse(w, resp)
}

func writeJSON(w http.ResponseWriter, v any) {
	_ = json.NewEncoder(w).Encode(v)
}

// unsupportedTransport answers, with a contract error, what no transport
// takes (another content type, another method); gqlgen's own answer has no
// code. It must be added last.
type unsupportedTransport struct{}

func (unsupportedTransport) Supports(*http.Request) bool { return true }

func (unsupportedTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	w.Header().Set("Content-Type", "application/json")
	status, msg := http.StatusUnsupportedMediaType, "send GraphQL requests as POST with Content-Type: application/json (or GET for queries)"
	switch {
	case upgradesToWebsocket(r.Header): // one detachedWebsocket did not take
		status, msg = http.StatusBadRequest, "this websocket handshake is malformed: open websockets with a GET carrying Connection: Upgrade, Upgrade: websocket, Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key (RFC 6455)"
	case r.Method != http.MethodPost && r.Method != http.MethodGet:
		status = http.StatusMethodNotAllowed
		w.Header().Set("Allow", "GET, POST")
	}
	w.WriteHeader(status)
	writeResponse(w, exec.DispatchError(r.Context(), gqlerror.List{gqlerr.BadInput("%s", msg)}))
}
