package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Base URLs of the Clever Cloud API. API tokens (Authorization: Bearer) are
// only accepted by the bridge; OAuth1-signed requests go to the main host.
const (
	BridgeURL = "https://api-bridge.clever-cloud.com/"
	APIURL    = "https://api.clever-cloud.com/"
)

const (
	maxErrorBodySize = 1 << 20 // error bodies are read up to 1 MiB
	maxDrainSize     = 64 << 10
	defaultUserAgent = "cleverql-gateway"
)

// Client calls the Clever Cloud API. A Client is safe for concurrent use; the
// per-caller variant returned by [Client.WithToken] is a cheap copy sharing
// the same connection pool.
type Client struct {
	hc        *http.Client
	baseURL   *url.URL // nil: chosen per request from the token kind
	token     string   // the caller's Authorization header value, forwarded unchanged
	timeout   time.Duration
	userAgent string

	retries int                                              // retries of an idempotent request; see retry.go
	sleep   func(ctx context.Context, d time.Duration) error // waits between attempts; tests replace it
	jitter  func(d time.Duration) time.Duration              // picks a back-off in [0, d]; tests replace it
	limit   *limiter                                         // shared by every copy; nil: unbounded
	streams *streamCounter                                   // shared by every copy; nil: unbounded
}

// Option configures a [Client] built by [New].
type Option func(*Client) error

// WithBaseURL sends every request to raw (it must be absolute; a trailing
// slash is added when missing), whatever the token kind.
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		if raw == "" {
			return nil
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("upstream base URL %q must be an absolute http(s) URL", raw)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
			u.RawPath = ""
		}
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient uses hc for every request instead of the default pooled client.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("upstream: nil http client")
		}
		c.hc = hc
		return nil
	}
}

// WithTimeout bounds each upstream call (connection, headers and body). It is
// required: [New] refuses a Client without one.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("upstream timeout must be positive, got %s", d)
		}
		c.timeout = d
		return nil
	}
}

// WithUserAgent sets the User-Agent sent upstream.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		c.userAgent = ua
		return nil
	}
}

// New returns a Client. [WithTimeout] is required.
func New(opts ...Option) (*Client, error) {
	c := &Client{
		userAgent: defaultUserAgent,
		retries:   defaultRetries,
		sleep:     sleepContext,
		jitter:    fullJitter,
		limit:     newLimiter(defaultMaxConcurrentPerToken),
		streams:   newStreamCounter(defaultMaxStreamsPerToken),
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.timeout <= 0 {
		return nil, errors.New("upstream: a timeout is required (WithTimeout)")
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: NewTransport()}
	}
	return c, nil
}

// NewTransport returns the transport a Client uses by default, for callers
// that wrap it (metrics) in their own [http.Client]. It is sized for
// fan-out: one GraphQL response may call the same host dozens of times at
// once, and every idle connection kept saves a TLS handshake on the next
// response.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = defaultMaxConcurrentPerToken // a response's fan-out finds its connections open
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 0 // bounded per call by the context instead
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return t
}

// WithToken returns a copy of c that sends authorization (the caller's whole
// Authorization header value, e.g. "Bearer …" or "OAuth …") upstream.
// An empty value means an anonymous caller: only public endpoints answer.
func (c *Client) WithToken(authorization string) *Client {
	cc := *c
	cc.token = authorization
	return &cc
}

// HasToken reports whether c carries a caller's token.
func (c *Client) HasToken() bool { return c.token != "" }

// base returns the URL requests are resolved against.
func (c *Client) base() *url.URL {
	if c.baseURL != nil {
		return c.baseURL
	}
	if isOAuth(c.token) {
		return apiBase
	}
	return bridgeBase
}

var (
	apiBase, _    = url.Parse(APIURL)
	bridgeBase, _ = url.Parse(BridgeURL)
)

func isOAuth(token string) bool {
	return len(token) > 6 && strings.EqualFold(token[:6], "oauth ")
}

// newRequest builds a request for path, which is relative (no leading slash)
// and already escaped by [buildPath]. A non-nil body is sent as JSON.
// Endpoints that are not public fail with [ErrNoToken] before anything is
// sent when the Client carries no token.
func (c *Client) newRequest(ctx context.Context, method string, path endpoint, query url.Values, body any) (*http.Request, error) {
	if path.err != nil {
		return nil, path.err
	}
	if !path.public && c.token == "" {
		return nil, ErrNoToken
	}
	ctx = context.WithValue(ctx, routeKey{}, path.route)
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s body: %w", path.escaped, err)
		}
		r = bytes.NewReader(b)
	}
	// The URL is built already: formatting it for NewRequest to parse it
	// back cost about 6 % of the gateway's CPU on a wide fan-out. The
	// (empty) URL NewRequest parses is where it goes.
	req, err := http.NewRequestWithContext(ctx, method, "", r)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path.escaped, err)
	}
	u := req.URL
	*u = *c.base()
	u.RawPath = u.EscapedPath() + path.escaped
	u.Path, _ = url.PathUnescape(u.RawPath)
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	req.Host = u.Host
	// One array holds every header value: a slice of one value each, its
	// capacity one, so that adding to a header does not write in another.
	values := [...]string{"application/json", c.userAgent, c.token, "application/json"}
	req.Header["Accept"] = values[0:1:1]
	req.Header["User-Agent"] = values[1:2:2]
	if body != nil {
		req.Header["Content-Type"] = values[3:4:4]
	}
	if c.token != "" {
		req.Header["Authorization"] = values[2:3:3]
	}
	return req, nil
}

// do sends req within the Client's per-call timeout and decodes a 2xx JSON
// body into v (nil: the body is discarded, as after a 204). Where v wants a
// value, an empty body (a 204, or a 200 with nothing in it) is a malformed
// answer, never an empty object or list.
func (c *Client) do(req *http.Request, v any) error {
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer closeBody(resp.Body)
	if v == nil {
		return nil
	}
	if err := decodeBody(resp, v); err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return fmt.Errorf("%s %s: %w", req.Method, req.URL.EscapedPath(), ctxErr)
		}
		msg := "malformed response body"
		if errors.Is(err, errEmptyBody) {
			msg = "empty response body"
		}
		return &Error{
			StatusCode: resp.StatusCode, Method: req.Method, Path: req.URL.EscapedPath(),
			RequestID: resp.Header.Get("Sozu-Id"), Message: msg,
			kind: ErrMalformedResponse,
		}
	}
	return nil
}

var errEmptyBody = errors.New("empty body")

// bodies are the buffers answers are read into before decoding: an
// answer costs one buffer of its size, reused, where a json.Decoder grows
// one by doubling for every answer (a fifth of a nested query's
// allocations, most of them for 80 KB application lists).
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const (
	maxPooledBody = 1 << 20  // a larger buffer is left to the GC
	maxPresized   = 32 << 20 // a Content-Length beyond this is not trusted to size the buffer
)

// decodeBody decodes resp's JSON body into v; an empty one (blanks
// only) is errEmptyBody. Decoding copies what it keeps, so the buffer can
// serve again.
func decodeBody(resp *http.Response, v any) error {
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	if n := resp.ContentLength; n > 0 && n <= maxPresized {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom wants MinRead free to read EOF without growing
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return errEmptyBody
	}
	if decodeFast(buf.Bytes(), v) {
		return nil
	}
	return json.Unmarshal(buf.Bytes(), v)
}

// send performs req and returns a 2xx response whose body the caller must
// close, or a classified error. A GET is retried on the failures listed in
// retry.go; each attempt waits for a slot of its token (limit.go) and has
// the whole per-call timeout.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	return c.retry(req, c.attempt)
}

// attempt performs req once. The per-call timeout covers reading the body
// too, and the token's slot is held as long: both end when the body is
// closed.
func (c *Client) attempt(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	release, err := c.limit.acquire(parent, req.Header.Get("Authorization"))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.EscapedPath(), err)
	}
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	// A body the caller never closes still gives its slot back when the
	// per-call timeout ends; release is idempotent.
	call := &cancelOnClose{stop: context.AfterFunc(ctx, release), release: release, cancel: cancel}
	resp, err := c.hc.Do(c.fresh(ctx, req))
	if err != nil {
		err = transportError(parent, ctx, req, err) // before cancel: ctx.Err() tells a timeout
		call.done()
		return nil, err
	}
	call.ReadCloser = resp.Body
	resp.Body = call
	if err := checkResponse(req, resp); err != nil {
		closeBody(resp.Body)
		return nil, err
	}
	return resp, nil
}

// fresh returns the request an attempt sends: req with ctx. Nothing in
// the way writes to a request it is given (a RoundTripper must not; the
// tracing one clones before it adds its header), so attempts share req's
// header and URL, which saves copying them per call; but an
// [http.Client] with a Jar adds cookies to the request's header, so then
// each attempt gets copies of its own, and no attempt sends the cookies a
// previous one added.
func (c *Client) fresh(ctx context.Context, req *http.Request) *http.Request {
	if c.hc.Jar != nil {
		return req.Clone(ctx)
	}
	return req.WithContext(ctx)
}

// transportError turns a failed round trip into a caller cancellation (which
// beats transport noise), an upstream timeout, or an unavailable upstream.
func transportError(parent, ctx context.Context, req *http.Request, err error) error {
	path := req.URL.EscapedPath()
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("%s %s: %w", req.Method, path, perr)
	}
	e := &Error{Method: req.Method, Path: path, kind: ErrUnavailable, cause: sanitize(err)}
	var ne net.Error
	if ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		e.kind = ErrTimeout
	}
	return e
}

// sanitize drops the URL (which may carry query secrets) from a transport error.
func sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// cancelOnClose is an attempt's body: closing it ends the attempt.
type cancelOnClose struct {
	io.ReadCloser
	stop    func() bool        // of the AfterFunc releasing the slot at the timeout
	release func()             // gives the token's slot back
	cancel  context.CancelFunc // of the per-call timeout
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.done()
	return err
}

// done ends the attempt: its slot and its timeout.
func (b *cancelOnClose) done() {
	b.stop()
	b.release()
	b.cancel()
}

// closeBody drains a little of what is left, so the connection can be
// reused, then closes.
func closeBody(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrainSize))
	_ = body.Close()
}

// call sends one request and decodes its JSON answer into a new T; on error
// it returns nil.
func call[T any](ctx context.Context, c *Client, method string, path endpoint, query url.Values, body any) (*T, error) {
	req, err := c.newRequest(ctx, method, path, query, body)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := c.do(req, v); err != nil {
		return nil, err
	}
	return v, nil
}

// list GETs a JSON array.
func list[T any](ctx context.Context, c *Client, path endpoint, query url.Values) ([]T, error) {
	items, err := call[[]T](ctx, c, http.MethodGet, path, query, nil)
	if err != nil {
		return nil, err
	}
	return *items, nil
}
