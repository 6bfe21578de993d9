package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cleverql/gateway/auth"
	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/upstream"
)

// invoiceDocument streams an invoice's HTML or PDF document from the
// upstream with the caller's token: the target of Invoice.htmlUrl/pdfUrl.
func (g *Gateway) invoiceDocument(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		g.writeErrorStatus(w, r, gqlerr.BadInput("invoice documents are read with GET"), http.StatusMethodNotAllowed)
		return
	}
	doc := r.PathValue("document")
	number, format, ok := strings.Cut(doc, ".")
	for ok && strings.Contains(format, ".") { // the number itself may hold dots
		var rest string
		rest, format, _ = strings.Cut(format, ".")
		number += "." + rest
	}
	if !ok || (format != string(upstream.InvoiceHTML) && format != string(upstream.InvoicePDF)) {
		g.writeError(w, r, gqlerr.BadInput("invoice documents end in .html or .pdf"))
		return
	}
	client := g.opts.Client.WithToken(auth.TokenFrom(r.Context()))
	d, err := client.GetInvoiceDocument(r.Context(), r.PathValue("ownerId"), number, upstream.InvoiceFormat(format))
	if err != nil {
		g.writeError(w, r, err)
		return
	}
	defer d.Body.Close()
	w.Header().Set("Content-Type", d.ContentType)
	if d.ContentLength >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(d.ContentLength, 10))
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, d.Body)
}

// writeError answers a non-GraphQL route with the same error shape and
// codes as GraphQL, and the HTTP status that goes with the code.
func (g *Gateway) writeError(w http.ResponseWriter, r *http.Request, err error) {
	g.writeErrorStatus(w, r, err, 0)
}

// writeErrorStatus is writeError with the given status (0: the code's).
func (g *Gateway) writeErrorStatus(w http.ResponseWriter, r *http.Request, err error, status int) {
	e := g.presenter.Present(r.Context(), err)
	if status == 0 {
		code, _ := e.Extensions["code"].(string)
		status = gqlerr.HTTPStatus(code)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{e}})
}
