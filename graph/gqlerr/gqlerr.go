// Package gqlerr turns errors into the GraphQL errors of the contract: every
// error carries extensions.code, upstream failures also carry
// extensions.upstream {status, sozuId}, and nothing internal (Go error text,
// tokens, upstream URLs) reaches a client.
package gqlerr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cleverql/gateway/loaders"
	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/upstream"
)

// The codes of the contract.
const (
	Unauthenticated     = "UNAUTHENTICATED"
	Forbidden           = "FORBIDDEN"
	NotFound            = "NOT_FOUND"
	BadUserInput        = "BAD_USER_INPUT"
	RateLimited         = "RATE_LIMITED"
	UpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	UpstreamTimeout     = "UPSTREAM_TIMEOUT"
	QueryTooComplex     = "QUERY_TOO_COMPLEX"
	Internal            = "INTERNAL"
)

// New is an error of the gateway's own with a contract code.
func New(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

// BadInput is an argument error found before any upstream call.
func BadInput(format string, args ...any) *gqlerror.Error {
	return New(BadUserInput, format, args...)
}

// codes maps error classes to a code and the message a client reads.
var codes = []struct {
	err     error
	code    string
	message string
}{
	{logtail.ErrSlowClient, RateLimited, "the subscription ended: the client read its events too slowly (the gateway buffers a bounded number)"},
	{logtail.ErrGaveUp, UpstreamUnavailable, "the logs stream broke and could not be resumed"},
	{upstream.ErrNoToken, Unauthenticated, "authentication required: send your Clever Cloud token in the Authorization header (over a websocket: in the connection_init payload)"},
	{upstream.ErrUnauthorized, Unauthenticated, "the Clever Cloud API refused the token"},
	{upstream.ErrForbidden, Forbidden, "the token may not access this resource"},
	{upstream.ErrNotFound, NotFound, "not found"},
	{upstream.ErrInvalidID, BadUserInput, "invalid id: ids must not be empty, '.' or '..', nor contain '/', '\\', '?', '#' or control characters"},
	{upstream.ErrUnsupported, BadUserInput, "this operation is not supported for this resource"},
	{upstream.ErrBadRequest, BadUserInput, "the Clever Cloud API rejected the request"},
	{upstream.ErrTooManyStreams, RateLimited, "this token already holds as many log streams as the gateway opens for one caller: end a log subscription first (subscriptions that follow the same application with the same filter share one)"},
	{upstream.ErrRateLimited, RateLimited, "rate limited by the Clever Cloud API: retry later"},
	{upstream.ErrTimeout, UpstreamTimeout, "the Clever Cloud API did not answer in time"},
	{context.DeadlineExceeded, UpstreamTimeout, "the request took too long"},
	{upstream.ErrMalformedResponse, UpstreamUnavailable, "the Clever Cloud API sent an unreadable answer"},
	{upstream.ErrUnavailable, UpstreamUnavailable, "the Clever Cloud API is unavailable"},
	{context.Canceled, UpstreamUnavailable, "the request was cancelled"},
}

// Presenter turns errors into contract errors. Errors of unknown kind
// become INTERNAL with a generic message; their text is logged with the
// request id, and never sent.
type Presenter struct {
	Logger    *slog.Logger
	RequestID func(context.Context) string // the id logged and shown with INTERNAL errors
}

// Present is gqlgen's error presenter.
func (p Presenter) Present(ctx context.Context, err error) *gqlerror.Error {
	if ev := EventError(ctx); ev != nil {
		// A subscription's final event carries no value, only this error:
		// gqlgen's complaint about the missing value is not the news.
		err = ev
	}
	if isFinalEventNull(ctx, err) {
		// The same complaint, raised where the event's context is not at
		// hand (gqlgen marshals events before AroundResponses runs): the
		// response hook replaces it with the event's error. Not a bug.
		return gqlerror.Errorf("the subscription ended")
	}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Unwrap() == nil {
		if code, _ := gqlErr.Extensions["code"].(string); code != "" || len(gqlErr.Path) == 0 {
			return presentGraphQL(gqlErr)
		}
		// A path and no code: gqlgen's own runtime complaint ("must not be
		// null"), which is a bug of ours, not of the request.
	}
	out := gqlerror.WrapPath(graphql.GetPath(ctx), err)
	if gqlErr != nil { // a gqlerror wrapping a resolver error: keep its place
		out.Path, out.Locations = gqlErr.Path, gqlErr.Locations
	}
	out.Extensions = map[string]any{}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			out.Message = c.message
			out.Extensions["code"] = c.code
			var ue *upstream.Error
			if errors.As(err, &ue) {
				addUpstream(out, ue)
			}
			if errors.Is(err, loaders.ErrAppliedButUnread) {
				// Say so, lest a client retry a reboot that happened.
				out.Message = loaders.ErrAppliedButUnread.Error() + ": " + out.Message
				out.Extensions["mutationApplied"] = true
			}
			return out
		}
	}
	id := p.RequestID(ctx)
	p.Logger.ErrorContext(ctx, "internal error", "requestId", id, "path", out.Path.String(), "error", err.Error())
	in := internal(id)
	out.Message, out.Extensions = in.Message, in.Extensions
	return out
}

// internal is what a client reads of an internal error: nothing of it but
// the request id that finds its log line.
func internal(requestID string) *gqlerror.Error {
	e := New(Internal, "internal error")
	if requestID != "" {
		e.Extensions["requestId"] = requestID
	}
	return e
}

// Recover is gqlgen's recover func: a panic in a resolver becomes an
// INTERNAL error on its field, logged with the stack and the request id;
// the process and the rest of the response live on.
func (p Presenter) Recover(ctx context.Context, v any) error {
	id := p.RequestID(ctx)
	p.Logger.ErrorContext(ctx, "panic in resolver", "requestId", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	return internal(id)
}

// HTTPStatus is the status a non-GraphQL route answers for a code.
func HTTPStatus(code string) int {
	switch code {
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case BadUserInput, QueryTooComplex:
		return http.StatusBadRequest
	case RateLimited:
		return http.StatusTooManyRequests
	case UpstreamUnavailable:
		return http.StatusBadGateway
	case UpstreamTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// addUpstream adds what support needs (status, Sozu-Id) and the upstream's
// own words, which are Clever Cloud's public messages, bounded and printable.
func addUpstream(out *gqlerror.Error, ue *upstream.Error) {
	info := map[string]any{}
	if ue.StatusCode != 0 {
		info["status"] = ue.StatusCode
	}
	if ue.RequestID != "" {
		info["sozuId"] = ue.RequestID
	}
	if ue.Code != "" {
		info["code"] = ue.Code
	}
	if len(info) > 0 {
		out.Extensions["upstream"] = info
	}
	if ue.Message != "" {
		out.Message += ": " + ue.Message
	}
	if ue.RetryAfter > 0 {
		out.Extensions["retryAfterSeconds"] = int(ue.RetryAfter.Seconds())
	}
}

// presentGraphQL keeps errors that already speak GraphQL (ours, the
// parser's and validator's, whose messages name only the document, and the
// transport's, about the request itself), giving every one a contract code.
func presentGraphQL(e *gqlerror.Error) *gqlerror.Error {
	code, _ := e.Extensions["code"].(string)
	switch {
	case isContractCode(code):
		return e
	case strings.HasPrefix(e.Message, "json request body could not be decoded"):
		// gqlgen's transport echoes the body and the decoder's text.
		e.Message = "the request body is not a valid GraphQL request: send JSON {\"query\": \"…\", \"variables\": {…}}"
	case strings.HasPrefix(e.Message, "could not read request body"):
		if strings.Contains(e.Message, "too large") {
			e.Message = "the request body is too large"
		} else {
			e.Message = "the request body could not be read"
		}
	}
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	if code != "" {
		e.Extensions["reason"] = code // e.g. GRAPHQL_VALIDATION_FAILED
	}
	e.Extensions["code"] = BadUserInput
	return e
}

func isContractCode(code string) bool {
	switch code {
	case Unauthenticated, Forbidden, NotFound, BadUserInput, RateLimited,
		UpstreamUnavailable, UpstreamTimeout, QueryTooComplex, Internal:
		return true
	}
	return false
}

type eventErrorKey struct{}

// WithEventError marks a subscription event's context with the error that
// ends the subscription; the response hook presents it in the event's place.
func WithEventError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, eventErrorKey{}, err)
}

// EventError returns the error WithEventError put in ctx, or nil.
func EventError(ctx context.Context) error {
	err, _ := ctx.Value(eventErrorKey{}).(error)
	return err
}

// isFinalEventNull reports whether err is gqlgen's complaint about a null
// at the root of a subscription: what our final error events carry, since
// every other event has a value.
func isFinalEventNull(ctx context.Context, err error) bool {
	var e *gqlerror.Error
	if !errors.As(err, &e) || len(e.Path) > 0 || !strings.HasPrefix(e.Message, "cannot return null for non-null position") {
		return false
	}
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	return oc.Operation != nil && oc.Operation.Operation == "subscription"
}
