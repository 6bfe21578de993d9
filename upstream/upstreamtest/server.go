package upstreamtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// MountPrefix is the path under which [Server.Start] serves the API, so that a
// client which drops its base URL's path is caught.
const MountPrefix = "/clever-api/"

// maxBody bounds the request bodies the fake reads and records.
const maxBody = 1 << 20

// Server is the fake Clever Cloud API. It is an [http.Handler] serving the routes
// at the root ("/v2/…", "/v4/…"); [Server.Start] also serves it on a loopback
// port under [MountPrefix]. Every method is safe for concurrent use.
type Server struct {
	// URL is the base URL of a started server, with the mount prefix and a
	// trailing slash: "http://127.0.0.1:PORT/clever-api/". It is empty before
	// [Server.Start].
	URL string

	seq  atomic.Int64 // numbers requests for Sozu-Id and apiRequestId
	held atomic.Int64 // answers a Hold fault holds now

	mu       sync.Mutex // guards the fields below
	counts   map[string]int
	requests []Request
	total    int  // requests received, recorded or not
	noRecord bool // SetRecording(false): count, keep nothing
	faults   map[string]*activeFault
	latency  time.Duration
	srv      *http.Server
	closed   bool
	inflight sync.WaitGroup // handlers running on srv; Add only under mu while !closed

	logInterval       time.Duration   // between live log lines; 0: defaultLogInterval
	logGate           <-chan struct{} // SetLogGate: one live line per value; nil: logInterval
	heartbeatInterval time.Duration   // between heartbeats; 0: defaultHeartbeatInterval
	liveDates         bool            // live log lines are dated when sent
	spreadLogs        bool            // live log streams start at random phases
	streams           int             // event streams open
	streamsChanged    chan struct{}   // closed (and dropped) when streams changes

	dataMu     sync.RWMutex // GET handlers read under RLock, others write under Lock
	data       *dataset
	generation uint64   // counts the changes to data (under dataMu)
	answers    sync.Map // cacheKey → *cachedAnswer: GET answers of some generation
}

// New returns a server holding the initial dataset, not yet listening. Use it as
// an [http.Handler], or call [Server.Start].
func New() *Server {
	return &Server{
		counts: make(map[string]int),
		faults: make(map[string]*activeFault),
		data:   newDataset(),
	}
}

// NewServer starts a server for a test or benchmark and closes it in
// t.Cleanup. It calls t.Fatal if the server cannot listen.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := New()
	if err := s.Start(); err != nil {
		t.Fatalf("upstreamtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start listens on a loopback port and serves the API under [MountPrefix]. It
// sets [Server.URL]. Requests outside the prefix are answered 404 and counted
// under [RouteUnmatched].
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil || s.closed {
		return errors.New("upstreamtest: server already started or closed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("upstreamtest: listen: %w", err)
	}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveMounted),
		ReadHeaderTimeout: 10 * time.Second,
	}
	s.URL = "http://" + ln.Addr().String() + MountPrefix
	go s.srv.Serve(ln) // returns ErrServerClosed once Close is called
	return nil
}

// Close stops a started server, closes its connections and waits for the
// handlers still running (a handler sleeping on a latency returns when its
// connection closes). Calling it twice, or on a server never started, is fine.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.srv
	s.closed = true
	s.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Close()
	s.inflight.Wait()
}

// ServeHTTP serves the API at the root: "/v2/…" and "/v4/…".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, r.URL.EscapedPath(), true)
}

// serveMounted serves a started server, where the API lives under MountPrefix.
func (s *Server) serveMounted(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		w.Header().Set("Sozu-Id", s.nextSozuID())
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.inflight.Add(1)
	s.mu.Unlock()
	defer s.inflight.Done()

	escaped := r.URL.EscapedPath()
	rest, mounted := strings.CutPrefix(escaped, strings.TrimSuffix(MountPrefix, "/"))
	if !mounted || !strings.HasPrefix(rest, "/") {
		s.serve(w, r, escaped, false)
		return
	}
	s.serve(w, r, rest, true)
}

// serve answers one request whose escaped path has the mount prefix stripped.
// When mounted is false the request came outside the prefix and matches nothing.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, escaped string, mounted bool) {
	sozuID := s.nextSozuID()

	var (
		rt      *route
		params  map[string]string
		allowed []string
		stream  eventSource // set for a streaming route that answers 200
	)
	if mounted {
		rt, params, allowed = findRoute(r.Method, escaped)
	}
	name := RouteUnmatched
	if rt != nil {
		name = rt.name
	}

	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	decoded, err := url.PathUnescape(escaped)
	if err != nil {
		decoded = escaped
	}
	fault, latency := s.record(Request{
		Method:  r.Method,
		Route:   name,
		RawPath: escaped,
		Path:    decoded,
		Query:   r.URL.Query(),
		Header:  r.Header.Clone(),
		Body:    body,
		SozuID:  sozuID,
	})

	if !sleep(r, latency+fault.Latency) {
		return // the client left; nobody reads an answer
	}

	c := &call{
		r:      r,
		body:   body,
		params: params,
		v2:     rt != nil && rt.v2 || rt == nil && strings.HasPrefix(escaped, "/v2/"),
		reqID:  "req-" + sozuID,
		resp:   response{header: make(http.Header)},
	}
	switch {
	case fault.answers():
		fault.answer(c)
	case rt == nil && len(allowed) > 0:
		slices.Sort(allowed)
		c.resp.header.Set("Allow", strings.Join(slices.Compact(allowed), ", "))
		c.fail(http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s", r.Method, decoded), nil)
	case rt == nil:
		c.fail(http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, escaped), nil)
	case streamers[rt.name] != nil:
		stream = s.prepareStream(streamers[rt.name], c)
	default:
		s.handle(rt, c)
	}
	if fault.Malformed && stream == nil {
		malform(c)
	}
	if !s.hold(r, fault.Hold) {
		return // the client left
	}

	h := w.Header()
	for k, v := range c.resp.header {
		h[k] = v
	}
	for k, v := range fault.Header {
		h[k] = append(h[k], v...)
	}
	h.Set("Sozu-Id", sozuID)
	w.WriteHeader(c.resp.status)
	if stream != nil {
		s.serveStream(w, r, stream, fault)
		return
	}
	w.Write(c.resp.body.Bytes()) // an error means the client left: nothing to do
}

// nextSozuID numbers a request the way Clever Cloud's proxy stamps its
// answers, so tests can check that the Sozu-Id reaches their error reports.
func (s *Server) nextSozuID() string { return fmt.Sprintf("sozu-%d", s.seq.Add(1)) }

// handle runs a route's handler under the dataset lock: shared for GET,
// exclusive for the routes that may change the dataset.
//
// A GET's 200 answer is kept until the dataset changes, and the same
// request (route, path, query and token: all a GET handler reads) is
// answered with it again. Benchmarks share the machine with the fake, whose
// encoding of the same 80 KB applications list for every request took CPU
// from the gateway they measure.
func (s *Server) handle(rt *route, c *call) {
	if rt.method != http.MethodGet {
		s.dataMu.Lock()
		defer s.dataMu.Unlock()
		s.generation++
		rt.handle(s.data, c)
		return
	}
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	key := cacheKey{route: rt.name, uri: c.r.URL.RequestURI(), token: c.r.Header.Get("Authorization")}
	if v, ok := s.answers.Load(key); ok {
		if a := v.(*cachedAnswer); a.generation == s.generation {
			c.resp.status = http.StatusOK
			c.resp.header = a.header.Clone()
			c.resp.body.Write(a.body)
			return
		}
	}
	rt.handle(s.data, c)
	if c.resp.status == http.StatusOK {
		s.answers.Store(key, &cachedAnswer{generation: s.generation, header: c.resp.header.Clone(), body: bytes.Clone(c.resp.body.Bytes())})
	}
}

// cacheKey is what a GET handler's answer depends on besides the dataset.
type cacheKey struct{ route, uri, token string }

// cachedAnswer is a GET's 200 answer, valid while the dataset is at generation.
type cachedAnswer struct {
	generation uint64
	header     http.Header
	body       []byte
}

// sleep waits d unless the request's context ends first; it reports whether
// the request is still wanted.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// hold waits until gate is closed (nil: no wait); false if the request's
// context ends first. Held counts the answers it holds meanwhile.
func (s *Server) hold(r *http.Request, gate <-chan struct{}) bool {
	if gate == nil {
		return true
	}
	s.held.Add(1)
	defer s.held.Add(-1)
	select {
	case <-gate:
		return true
	case <-r.Context().Done():
		return false
	}
}
