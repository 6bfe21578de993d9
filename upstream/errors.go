package upstream

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Sentinels: every error of this package wraps exactly one of them, so
// callers classify with [errors.Is] and read details with [errors.As] on
// [*Error].
var (
	ErrNoToken           = errors.New("no token")                    // nothing was sent: the endpoint needs a caller's token
	ErrInvalidID         = errors.New("invalid id")                  // nothing was sent: an id would change the upstream path
	ErrUnsupported       = errors.New("not supported")               // nothing was sent: the operation does not exist for this resource
	ErrBadRequest        = errors.New("rejected by upstream")        // 400, 409, 422 and other 4xx
	ErrUnauthorized      = errors.New("unauthorized")                // 401
	ErrForbidden         = errors.New("forbidden")                   // 403
	ErrNotFound          = errors.New("not found")                   // 404, or absent from a complete list
	ErrRateLimited       = errors.New("rate limited")                // 429
	ErrUnavailable       = errors.New("upstream unavailable")        // 5xx or no answer
	ErrTimeout           = errors.New("upstream timeout")            // 408, 504 or the per-call timeout
	ErrMalformedResponse = errors.New("malformed upstream response") // a 2xx body that does not decode
)

// Error is an upstream failure: a non-2xx answer, a body that does not
// decode, or a round trip that did not complete. It never holds the token.
type Error struct {
	StatusCode int    // 0 when no answer came
	Method     string // HTTP method
	Path       string // escaped path, without query
	Code       string // the upstream's error code (v4 "code", v2 "id")
	Message    string // the upstream's error message, bounded and printable
	RequestID  string // the Sozu-Id response header that Clever Cloud support asks for
	RetryAfter time.Duration

	kind  error // one of the sentinels
	cause error // transport error, for logs
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d ", e.StatusCode)
	}
	b.WriteString(e.kind.Error())
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.cause != nil {
		b.WriteString(": " + e.cause.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" (Sozu-Id " + e.RequestID + ")")
	}
	return b.String()
}

// Unwrap returns the sentinel that classifies e.
func (e *Error) Unwrap() error { return e.kind }

// statusKinds classifies non-2xx statuses; the 4xx and 5xx not listed fall
// back to ErrBadRequest and ErrUnavailable.
var statusKinds = map[int]error{
	http.StatusUnauthorized:    ErrUnauthorized,
	http.StatusForbidden:       ErrForbidden,
	http.StatusNotFound:        ErrNotFound,
	http.StatusRequestTimeout:  ErrTimeout,
	http.StatusTooManyRequests: ErrRateLimited,
	http.StatusGatewayTimeout:  ErrTimeout,
}

// checkResponse returns nil for a 2xx answer, otherwise an [*Error] built
// from the status, the Sozu-Id header and the (bounded) error body.
func checkResponse(req *http.Request, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &Error{
		StatusCode: resp.StatusCode,
		Method:     req.Method,
		Path:       req.URL.EscapedPath(),
		RequestID:  resp.Header.Get("Sozu-Id"),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After")),
	}
	switch kind, ok := statusKinds[resp.StatusCode]; {
	case ok:
		e.kind = kind
	case resp.StatusCode >= 500:
		e.kind = ErrUnavailable
	case resp.StatusCode >= 400:
		e.kind = ErrBadRequest
	default: // 1xx or 3xx: the client does not follow anything else
		e.kind = ErrUnavailable
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodySize))
	e.Code, e.Message = parseErrorBody(body)
	return e
}

// parseErrorBody reads the v4 shape {"code","error"} and the v2 shape
// {"id","message"} leniently, as Clever Cloud's own clients do.
func parseErrorBody(body []byte) (code, message string) {
	var b struct {
		Code    json.RawMessage `json:"code"`
		ID      json.RawMessage `json:"id"`
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(body, &b) != nil {
		return "", ""
	}
	code = firstScalar(b.Code, b.ID)
	message = firstScalar(b.Message, b.Error)
	return clean(code, 80), clean(message, 300)
}

func firstScalar(raws ...json.RawMessage) string {
	for _, raw := range raws {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil && n != "" {
			return n.String()
		}
	}
	return ""
}

// clean keeps printable runes and bounds the length, so an upstream body can
// neither forge log lines nor flood a response.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
