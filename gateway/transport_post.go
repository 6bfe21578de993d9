package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postTransport serves POST /graphql with a JSON body. It is gqlgen's
// transport.POST (the same content negotiation, status codes and errors,
// which the error presenter words for the contract) but for how it writes
// the answer: see [writeResponse].
type postTransport struct{}

var _ graphql.Transport = postTransport{}

func (postTransport) Supports(r *http.Request) bool {
	if upgradesToWebsocket(r.Header) {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mediaType == "application/json"
}

const graphqlResponseJSON = "application/graphql-response+json"

func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	params, _, status, refusal := readRequest(r)
	if refusal != nil {
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{refusal}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		status := http.StatusOK
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if contentType == graphqlResponseJSON {
				status = http.StatusBadRequest
			}
		}
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// readRequest reads r's body and decodes the one GraphQL request in JSON
// it must hold, with nothing after it; if it does not, it returns the
// status and the error to answer with (413 for a body too large, 400
// otherwise), which hold nothing of the body nor of Go's error. body is
// what was read.
func readRequest(r *http.Request) (params *graphql.RawParams, body []byte, status int, refusal *gqlerror.Error) {
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, nil, http.StatusRequestEntityTooLarge, gqlerr.BadInput("the request body exceeds %d bytes", tooLarge.Limit)
	}
	if err != nil {
		return nil, nil, http.StatusBadRequest, gqlerr.BadInput("the request body could not be read")
	}
	params = &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // as gqlgen decodes it
	if err := dec.Decode(params); err != nil {
		return nil, nil, http.StatusBadRequest, errNotOneRequest
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) { // gqlgen would ignore what follows the object
		return nil, nil, http.StatusBadRequest, errNotOneRequest
	}
	return params, body, 0, nil
}

var errNotOneRequest = gqlerr.BadInput(`the request body is not a valid GraphQL request: send one JSON object {"query": "…", "variables": {…}}`)

// responseContentType is the media type of the answer to a request that
// accepts accept, as gqlgen's transports choose it: application/json,
// unless the client asks for application/graphql-response+json or accepts
// neither.
func responseContentType(accept string) string {
	if accept == "" {
		return "application/json"
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", "application/json":
			return "application/json"
		case graphqlResponseJSON:
			return graphqlResponseJSON
		}
	}
	return graphqlResponseJSON
}

// writeResponse writes resp as gqlgen's transports do (json.Marshal), but
// without encoding/json going over its data again: gqlgen wrote that data
// itself, compact and valid, and json.Marshal would validate and compact
// it once more, byte by byte. For a large answer that was the largest cost
// left once the answer was shared (a third of the gateway's CPU on the
// bench's workload 2 with -share-calls). Data holding a character that
// json.Marshal escapes for HTML (<, >, &, U+2028, U+2029) goes through
// json.Marshal, so that the bytes are the same either way.
//
// Written to an [http.ResponseWriter] whose header is not yet sent, the
// answer goes with its Content-Length, so that net/http sends it as is
// rather than in chunks: one write less for an answer larger than its
// buffer, and a client that knows the length up front.
//
// The answer is encoded into a buffer taken from [answerBuffers] and given
// back once written (a Writer does not keep what it is given).
func writeResponse(w io.Writer, resp *graphql.Response) {
	buf := answerBuffers.get()
	defer answerBuffers.put(buf)
	b, ok := appendResponse(*buf, resp)
	if ok {
		*buf = b // as it grew
	} else {
		var err error
		if b, err = json.Marshal(resp); err != nil {
			b, _ = json.Marshal(&graphql.Response{Errors: gqlerror.List{{Message: "the answer could not be encoded"}}})
		}
	}
	if hw, ok := w.(http.ResponseWriter); ok {
		hw.Header().Set("Content-Length", strconv.Itoa(len(b)))
	}
	_, _ = w.Write(b)
}

// answerBuffers hold answers while they are written. An answer's bytes
// were 38% of what the gateway allocated on the bench's workload 2 with
// -share-calls, where each joiner of a shared execution wrote its 20 KB
// answer into a buffer of its own.
var answerBuffers = newBufferPool(256 << 10)

// appendResponse appends resp as json.Marshal would, with its Data as it
// is; false when it would differ from json.Marshal's (see writeResponse).
func appendResponse(b []byte, resp *graphql.Response) ([]byte, bool) {
	if resp == nil || resp.Label != "" || resp.Path != nil || resp.HasNext != nil || escapesForHTML(resp.Data) {
		return b, false
	}
	b = append(b, '{')
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			return b, false
		}
		b = append(b, `"errors":`...)
		b = append(b, errs...)
		b = append(b, ',')
	}
	b = append(b, `"data":`...)
	if resp.Data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, resp.Data...)
	}
	if len(resp.Extensions) > 0 {
		ext, err := json.Marshal(resp.Extensions)
		if err != nil {
			return b, false
		}
		b = append(b, `,"extensions":`...)
		b = append(b, ext...)
	}
	return append(b, '}'), true
}

// escapesForHTML reports whether json.Marshal would rewrite a character of
// data: <, > and & (as \u003c…), and U+2028 and U+2029.
func escapesForHTML(data []byte) bool {
	return bytes.IndexByte(data, '<') >= 0 || bytes.IndexByte(data, '>') >= 0 || bytes.IndexByte(data, '&') >= 0 ||
		bytes.Contains(data, lineSeparator) || bytes.Contains(data, paragraphSeparator)
}

var lineSeparator, paragraphSeparator = []byte("\u2028"), []byte("\u2029")
