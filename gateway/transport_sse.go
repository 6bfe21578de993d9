package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// sseEndKey holds, in an SSE request's context, where startSubscription
// puts the subscription's end for sseTransport.
type sseEndKey struct{}

// sseTransport is gqlgen's SSE transport (POST with Accept:
// text/event-stream) with three changes:
//
//   - It reads and decodes the body itself, and answers a body too large
//     (413, as limitBody does) or not one JSON request (400, as
//     postTransport does) with a contract error. gqlgen would answer 200
//     with Go's error text, and log the whole body, with its variables
//     and newlines, through the standard logger.
//   - Each write to the client must end within writeTimeout: one that does
//     not ends the subscription, as a websocket's client that stops reading
//     is dropped. Without it a stuck client would keep its subscription,
//     and the upstream log stream behind it, for as long as its TCP
//     connection lives.
//   - It ends the request's subscription once gqlgen is done with it,
//     however it stopped: gqlgen may stop (a write that waited out its
//     context, a response it could not encode) without asking the
//     operation for its last response.
//
// KeepAlivePingInterval should be set: proxies cut a stream that stays
// silent, and a log subscription may be silent for long.
type sseTransport struct {
	transport.SSE
	writeTimeout time.Duration
}

func (t sseTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	_, body, status, refusal := readRequest(r)
	if refusal != nil {
		w.Header().Set("Content-Type", responseContentType(r.Header.Get("Accept")))
		w.WriteHeader(status)
		writeResponse(w, exec.DispatchError(r.Context(), gqlerror.List{refusal}))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var end *subscriptionEnd
	defer func() { end.run() }()
	sw := &sseWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: t.writeTimeout, cancel: cancel}
	defer sw.close()
	r = r.WithContext(context.WithValue(ctx, sseEndKey{}, &end))
	r.Body = io.NopCloser(bytes.NewReader(body)) // gqlgen reads it again: it can only succeed
	t.SSE.Do(sw, r, exec)
}

// sseWriter is the writer gqlgen streams an SSE response through. Each
// write and flush has timeout to complete (a write deadline on the
// connection); a write that fails cancels the stream's context, which
// ends its subscription, and no later write is tried. net/http's HTTP/1
// server cancels the request's context as well when a write to the
// connection fails; this does not count on it.
//
// gqlgen writes from two goroutines, the operation's and its keep-alive's,
// which it serialises; close makes sure neither writes once the handler
// has returned: the keep-alive's may still be running then.
type sseWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	cancel  context.CancelFunc

	mu     sync.Mutex
	closed bool  // the handler has returned
	err    error // the first failed write's
}

var errSSEClosed = errors.New("the SSE stream has ended")

func (w *sseWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return 0, err
	}
	w.setDeadline()
	n, err := w.ResponseWriter.Write(p)
	if err != nil {
		w.fail(err)
	}
	return n, err
}

func (w *sseWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.usable() != nil {
		return
	}
	w.setDeadline()
	if err := w.rc.Flush(); err != nil {
		w.fail(err)
	}
}

func (w *sseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// usable returns why the writer may not write, if it may not.
func (w *sseWriter) usable() error {
	if w.closed {
		return errSSEClosed
	}
	return w.err
}

// setDeadline gives the next write its time. A writer without deadlines
// (httptest.ResponseRecorder) writes without one.
func (w *sseWriter) setDeadline() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
}

func (w *sseWriter) fail(err error) {
	w.err = err
	w.cancel()
}

// close stops all writes: the handler is returning.
func (w *sseWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
}
