package upstreamtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// Pace of live event streams, unless changed with [Server.SetLogInterval] and
// [Server.SetHeartbeatInterval].
const (
	defaultLogInterval       = 100 * time.Millisecond
	defaultHeartbeatInterval = 2 * time.Second
)

// A streamer answers a streaming route in two steps. First, like any handler,
// it runs under the dataset's read lock and answers an error through c, or
// sets c's 200 status and headers and returns the eventSource that writes the
// stream. The eventSource then runs without the lock, for as long as the
// stream lasts, so it must only use what the streamer copied.
type streamer func(*dataset, *call) eventSource

// An eventSource writes a stream through w until it ends, w refuses more
// (the client left, or a CutAfter fault cut it) or ctx ends.
type eventSource func(ctx context.Context, w *eventWriter)

// streamers are the routes answered with an event stream; their route table
// entries have no buffered handler.
var streamers = map[string]streamer{
	RouteApplicationLogs: (*dataset).streamApplicationLogs,
}

// prepareStream runs a streamer's first step under the dataset's read lock.
func (s *Server) prepareStream(st streamer, c *call) eventSource {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return st(s.data, c)
}

// serveStream runs an eventSource once the response headers are set. The
// stream counts as open from before the client sees the headers until the
// source returns.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, src eventSource, f Fault) {
	s.mu.Lock()
	ew := &eventWriter{
		w:         w,
		rc:        http.NewResponseController(w),
		cutAfter:  f.CutAfter,
		malformed: f.Malformed,
		interval:  cmpOr(s.logInterval, defaultLogInterval),
		gate:      s.logGate,
		heartbeat: cmpOr(s.heartbeatInterval, defaultHeartbeatInterval),
		liveDates: s.liveDates,
		spread:    s.spreadLogs,
	}
	s.mu.Unlock()
	s.addStreams(1)
	defer s.addStreams(-1)
	if ew.rc.Flush() != nil {
		return
	}
	src(r.Context(), ew)
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// eventWriter writes server-sent events and flushes each one.
type eventWriter struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	cutAfter  int  // Fault.CutAfter: 0 never cuts
	malformed bool // Fault.Malformed: cut each data event's payload in half
	sent      int  // data events written

	interval  time.Duration   // between live data events
	gate      <-chan struct{} // if not nil, paces live data events instead of interval
	heartbeat time.Duration   // between heartbeats
	liveDates bool            // date live lines when they are sent
	spread    bool            // wait a random part of interval before the first live line
}

// data writes an event that carries data (a log line), the kind CutAfter
// counts. It reports whether the stream may go on.
func (ew *eventWriter) data(id, typ string, payload []byte) bool {
	if ew.malformed {
		payload = payload[:len(payload)/2]
	}
	if !ew.write(id, typ, payload) {
		return false
	}
	ew.sent++
	return ew.cutAfter <= 0 || ew.sent < ew.cutAfter
}

// control writes an event of the stream itself (heartbeat, end of stream);
// a nil payload writes no data line. It reports whether the stream may go on.
func (ew *eventWriter) control(typ string, payload []byte) bool {
	return ew.write("", typ, payload)
}

// write sends one event: id, event and data lines, then a blank line.
// payload must hold no line end.
func (ew *eventWriter) write(id, typ string, payload []byte) bool {
	var b bytes.Buffer
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	b.WriteString("event: " + typ + "\n")
	if payload != nil {
		b.WriteString("data: ")
		b.Write(payload)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if _, err := ew.w.Write(b.Bytes()); err != nil {
		return false
	}
	return ew.rc.Flush() == nil
}

// SetLogInterval sets how often a live logs stream sends its next line
// (default 100 ms); zero or less restores the default. Streams opened
// afterwards use it; [Server.Reset] leaves it as it is.
func (s *Server) SetLogInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logInterval = d
}

// SetLogGate paces live logs streams by the test instead of by the clock:
// each value received from gate lets one stream send its next live line,
// so a test decides exactly how far ahead of its readers the upstream is.
// A nil gate restores the interval. Streams opened afterwards use it;
// [Server.Reset] leaves it as it is.
func (s *Server) SetLogGate(gate <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logGate = gate
}

// A LogGate lets a test release live log lines one at a time: see
// [Server.GateLogs].
type LogGate struct {
	t testing.TB
	c chan struct{}
}

// GateLogs paces the live logs streams opened from now on by the test (see
// [Server.SetLogGate]): each [LogGate.Let] lets one of them send its next
// live line.
func (s *Server) GateLogs(t testing.TB) *LogGate {
	g := &LogGate{t: t, c: make(chan struct{})}
	s.SetLogGate(g.c)
	return g
}

// Let lets one stream send its next live line, failing the test if no
// stream takes it within 10 s.
func (g *LogGate) Let() {
	g.t.Helper()
	select {
	case g.c <- struct{}{}:
	case <-time.After(10 * time.Second):
		g.t.Fatal("no live logs stream took a line to send in 10 s")
	}
}

// SetHeartbeatInterval sets how often a live stream sends a HEARTBEAT event
// (default 2 s, as Clever Cloud does); zero or less restores the default.
// Streams opened afterwards use it; [Server.Reset] leaves it as it is.
func (s *Server) SetHeartbeatInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeatInterval = d
}

// SetLiveDates makes live log lines carry the moment they are sent as their
// date, as real live logs do, instead of the deterministic one (line n is
// LogsBase + n seconds); load tools measure delivery delay from it. Lines
// dated before the present keep their dates. Streams opened afterwards use
// it; [Server.Reset] leaves it as it is.
func (s *Server) SetLiveDates(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.liveDates = on
}

// SetSpreadLogs makes each live logs stream wait a random part of the log
// interval before its first live line, so that streams opened together do
// not send their lines at the same instants, as independent applications
// don't; off (the default), every stream opened at once ticks in step, the
// worst case for whoever fans their lines out. Streams opened afterwards
// use it; [Server.Reset] leaves it as it is.
func (s *Server) SetSpreadLogs(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spreadLogs = on
}

// OpenStreams returns how many event streams are open: a stream opens before
// its client sees the response headers, and closes once the fake stopped
// writing it (it ended, was cut, or its client left).
func (s *Server) OpenStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams
}

// WaitOpenStreams waits until exactly n event streams are open, so that a
// test can check that closing a client's stream closes it upstream. It
// returns an error if ctx ends first.
func (s *Server) WaitOpenStreams(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		open := s.streams
		if s.streamsChanged == nil {
			s.streamsChanged = make(chan struct{})
		}
		changed := s.streamsChanged
		s.mu.Unlock()
		if open == n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("upstreamtest: %d event streams open, want %d: %w", open, n, ctx.Err())
		}
	}
}

// addStreams counts streams opening (+1) and closing (-1), and wakes the
// waiters of WaitOpenStreams.
func (s *Server) addStreams(delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams += delta
	if s.streamsChanged != nil {
		close(s.streamsChanged)
		s.streamsChanged = nil
	}
}
