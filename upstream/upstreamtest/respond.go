package upstreamtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// A call is one request being answered. Handlers write into resp, a buffer, so
// that no lock is held while the client reads and so that a Malformed fault can
// truncate the real answer.
type call struct {
	r      *http.Request
	body   []byte            // the request body, already read
	params map[string]string // wildcard values, decoded
	v2     bool              // errors use the v2 shape
	reqID  string            // apiRequestId of v4 error bodies
	resp   response
}

// response is a buffered answer.
type response struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (c *call) param(name string) string { return c.params[name] }

// write sets the answer. An empty contentType sends no Content-Type (204).
func (c *call) write(status int, contentType string, body []byte) {
	c.resp.status = status
	if contentType != "" {
		c.resp.header.Set("Content-Type", contentType)
	}
	c.resp.body.Reset()
	c.resp.body.Write(body)
}

// json answers v as JSON.
func (c *call) json(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a bug in the dataset types can get here.
		c.fail(http.StatusInternalServerError, "cannot encode the answer: "+err.Error(), nil)
		return
	}
	c.write(status, "application/json", b)
}

// noContent answers 204 with no body.
func (c *call) noContent() { c.write(http.StatusNoContent, "", nil) }

// errorContext is the "context" object of a v4 error body, a union tagged by
// "type" (field, input, resource, …) as in the generated Clever Cloud SDK.
type errorContext map[string]any

// v4Error is the error body of the v4 API.
type v4Error struct {
	APIRequestID string       `json:"apiRequestId"`
	Code         string       `json:"code"`
	Error        string       `json:"error"`
	Context      errorContext `json:"context"`
}

// v2Error is the error body of the v2 API.
type v2Error struct {
	ID      int               `json:"id"`
	Message string            `json:"message"`
	Type    string            `json:"type"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// v4Codes gives the "code" of a v4 error body per status.
var v4Codes = map[int]string{
	http.StatusBadRequest:           "clever.core.bad-request",
	http.StatusUnauthorized:         "clever.core.unauthorized",
	http.StatusForbidden:            "clever.core.forbidden",
	http.StatusNotFound:             "clever.core.not-found",
	http.StatusMethodNotAllowed:     "clever.core.method-not-allowed",
	http.StatusConflict:             "clever.core.conflict",
	http.StatusUnsupportedMediaType: "clever.core.unsupported-media-type",
	http.StatusTooManyRequests:      "clever.core.too-many-requests",
	http.StatusInternalServerError:  "clever.core.internal-error",
	http.StatusBadGateway:           "clever.core.bad-gateway",
	http.StatusServiceUnavailable:   "clever.core.service-unavailable",
	http.StatusGatewayTimeout:       "clever.core.gateway-timeout",
}

// fail answers an error in the documented shape of the route's API version.
func (c *call) fail(status int, message string, ctx errorContext) {
	c.json(status, c.errorBody(status, message, ctx))
}

func (c *call) errorBody(status int, message string, ctx errorContext) any {
	if c.v2 {
		e := v2Error{ID: status, Message: message, Type: "error"}
		if name, ok := ctx["fieldName"].(string); ok {
			e.Fields = map[string]string{name: message}
		}
		return e
	}
	code, ok := v4Codes[status]
	if !ok {
		code = "clever.core.http-" + strconv.Itoa(status)
	}
	if ctx == nil {
		ctx = errorContext{}
	}
	return v4Error{APIRequestID: c.reqID, Code: code, Error: message, Context: ctx}
}

// notFound answers 404 for a resource of the given type.
func (c *call) notFound(resourceType, id string) {
	c.fail(http.StatusNotFound, fmt.Sprintf("%s %q not found", resourceType, id),
		errorContext{"type": "resource", "resourceType": resourceType, "resourceName": id})
}

// forbidden answers 403 for a resource the token may not see.
func (c *call) forbidden(resourceType, id string) {
	c.fail(http.StatusForbidden, fmt.Sprintf("you are not allowed to access %s %q", resourceType, id),
		errorContext{"type": "resource", "resourceType": resourceType, "resourceName": id})
}

// badField answers 400 for an invalid query parameter or body field.
func (c *call) badField(name, value, message string) {
	c.fail(http.StatusBadRequest, message,
		errorContext{"type": "field", "fieldName": name, "fieldValue": value})
}
