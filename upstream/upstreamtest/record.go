package upstreamtest

import (
	"bytes"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Request is one request the server received, recorded before any fault or
// latency applies.
type Request struct {
	Method string
	// Route is the name of the route it matched, or RouteUnmatched.
	Route string
	// RawPath is the escaped path exactly as received (r.URL.EscapedPath()),
	// with the mount prefix stripped: "/v2/organisations/a%2Fb".
	RawPath string
	// Path is RawPath decoded: "/v2/organisations/a/b".
	Path string
	// SozuID is the Sozu-Id the answer carried, to find the request behind
	// an error report.
	SozuID string
	Query  url.Values
	// Header is a copy of the request headers, Authorization included, so tests
	// can check which token was forwarded.
	Header http.Header
	Body   []byte
}

func (r Request) clone() Request {
	r.Query = url.Values(http.Header(r.Query).Clone())
	r.Header = r.Header.Clone()
	r.Body = bytes.Clone(r.Body)
	return r
}

// record counts and stores a request, and returns the fault that applies to it
// (the zero Fault if none) and the server-wide latency.
func (s *Server) record(req Request) (Fault, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[req.Route]++
	s.total++
	if !s.noRecord {
		s.requests = append(s.requests, req)
	}
	return s.takeFault(req.Route), s.latency
}

// SetRecording turns the record of each request ([Server.Requests]) off or
// back on; counts go on either way. A long benchmark turns it off: the
// record grows with every request, and copying each request's headers and
// collecting the record cost the machine the fake shares with what it
// measures.
func (s *Server) SetRecording(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noRecord = !on
}

// Count returns how many requests the server received for a route name, such as
// [RouteDeployments] or [RouteUnmatched].
func (s *Server) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[route]
}

// Counts returns a copy of the request counts per route name; routes never
// requested are absent.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Total returns how many requests the server received on all routes.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Requests returns a copy of every request received while recording was
// on (the default; see [Server.SetRecording]), in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.requests)
	for i := range out {
		out[i] = out[i].clone()
	}
	return out
}

// ResetCounts forgets the counts and the recorded requests. Faults, latency and
// the dataset stay as they are.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	s.requests = nil
	s.total = 0
}

// Reset puts the server back to its state after [New]: no counts, no recorded
// requests, no faults, no latency, and the initial dataset (undoing every
// mutation).
func (s *Server) Reset() {
	fresh := newDataset()
	s.dataMu.Lock()
	s.data = fresh
	s.generation++
	s.dataMu.Unlock()

	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	s.requests = nil
	s.total = 0
	clear(s.faults)
	s.latency = 0
}
