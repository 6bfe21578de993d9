package upstreamtest

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"time"
)

// Fault changes how the server answers the requests of one route. Its effects
// combine: Latency and Header apply to every answer it touches; the answer
// itself is, in order of precedence, the truncated real answer (Malformed), the
// raw Body, or a documented error body for Status.
type Fault struct {
	// Status, if non-zero, replaces the real answer with this status and an
	// error body in the route's documented shape (v4, or v2 for /v2 routes).
	Status int
	// Body, if non-empty, is sent instead of the real answer, with Status (or
	// 200 when Status is 0).
	Body string
	// Malformed answers 200 with a syntactically broken JSON body: the real
	// answer cut in half.
	Malformed bool
	// Latency is slept before answering; the sleep ends early, without an
	// answer, if the request's context ends.
	Latency time.Duration
	// Hold, when non-nil, holds the answer until it is closed: the answer
	// is made (after any Latency) from the data as it is then, and sent
	// once the hold ends, as an answer in transit. The hold ends early,
	// without an answer, if the request's context ends. Tests use it to see
	// which calls a client makes while another is unanswered, without
	// timing anything.
	Hold <-chan struct{}
	// Header holds extra response headers, such as Retry-After.
	Header http.Header
	// CutAfter, for an event stream, ends the stream after this many data
	// events, without END_OF_STREAM, as a dropped upstream connection would.
	// (On a stream, Malformed cuts each data event's JSON in half.)
	CutAfter int
	// Times limits the fault to the next Times matching requests; 0 keeps it
	// until ClearFaults or Reset.
	Times int
	// Rate, between 0 and 1, applies the fault to that share of the
	// matching requests only, drawn from a generator seeded by Seed, so that
	// a run is reproducible; 0 applies it to all. Requests spared by the
	// draw do not use up Times.
	Rate float64
	Seed uint64
}

// activeFault is an injected fault and the requests it still applies to.
type activeFault struct {
	fault     Fault
	remaining int        // 0: unlimited
	draw      *rand.Rand // for Rate
}

// Inject makes the server apply f to the requests of route (a route name such as
// [RouteDeployments], [RouteUnmatched], or [AllRoutes] for every route). It
// replaces any fault already injected on that route. A request takes the fault of
// its own route before the one of AllRoutes.
func (s *Server) Inject(route string, f Fault) {
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	af := &activeFault{fault: f, remaining: f.Times}
	if f.Rate > 0 {
		af.draw = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	}
	s.faults[route] = af
}

// Held returns how many answers a Hold fault holds now: made already, and
// not sent.
func (s *Server) Held() int { return int(s.held.Load()) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// SetLatency adds d before every answer (on top of any fault latency), for
// benchmarks and timeout tests. Zero removes it.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// takeFault returns the fault for a request of route and uses up one of its
// Times. s.mu must be held.
func (s *Server) takeFault(route string) Fault {
	key := route
	af := s.faults[key]
	if af == nil {
		key = AllRoutes
		af = s.faults[key]
	}
	if af == nil {
		return Fault{}
	}
	if af.draw != nil && af.draw.Float64() >= af.fault.Rate {
		return Fault{}
	}
	if af.remaining > 0 {
		af.remaining--
		if af.remaining == 0 {
			delete(s.faults, key)
		}
	}
	return af.fault
}

// answers reports whether the fault replaces the real answer before the handler
// runs. A Malformed fault needs the real answer first.
func (f Fault) answers() bool {
	return !f.Malformed && (f.Status != 0 || f.Body != "")
}

// answer writes the fault's answer instead of the real one.
func (f Fault) answer(c *call) {
	if f.Body == "" {
		c.fail(f.Status, http.StatusText(f.Status)+" (injected fault)", nil)
		return
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	contentType := "text/plain; charset=utf-8"
	if json.Valid([]byte(f.Body)) {
		contentType = "application/json"
	}
	c.write(status, contentType, []byte(f.Body))
}

// malform turns the buffered answer into a 200 with broken JSON: the first half
// of the real body, or an unterminated object when that half would still parse.
func malform(c *call) {
	b := c.resp.body.Bytes()
	broken := b[:len(b)/2]
	if len(broken) == 0 || json.Valid(broken) {
		broken = []byte(`{"malformed":`)
	}
	c.write(http.StatusOK, "application/json", append([]byte(nil), broken...))
}
