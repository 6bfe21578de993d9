package upstreamtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sseEvent is one event of a stream, read the simple way: the fake writes LF
// line ends and one data line per event.
type sseEvent struct {
	ID, Type, Data string
	HasData        bool
}

// logsPath is the logs stream path of an application, with a query.
func logsPath(owner, app string, query url.Values) string {
	p := "v4/logs/organisations/" + owner + "/applications/" + app + "/logs"
	if len(query) > 0 {
		p += "?" + query.Encode()
	}
	return p
}

// logsWindow is a query for the lines numbered [from, to), of every service.
func logsWindow(from, to int) url.Values {
	return url.Values{
		"since":   {LogsBase.Add(time.Duration(from) * time.Second).Format(time.RFC3339)},
		"until":   {LogsBase.Add(time.Duration(to) * time.Second).Format(time.RFC3339)},
		"service": {"all"},
	}
}

// stream is an open event stream of the fake.
type stream struct {
	resp *http.Response
	sc   *bufio.Scanner
}

// openStream GETs path with TokenAlice and the given header pairs, and
// returns the open stream whatever its status. It is closed at cleanup.
func openStream(t *testing.T, ctx context.Context, s *Server, path string, header ...string) *stream {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+TokenAlice)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &stream{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next reads one event; ok is false at the end of the stream.
func (st *stream) next(t *testing.T) (ev sseEvent, ok bool) {
	t.Helper()
	started := false
	for st.sc.Scan() {
		line := st.sc.Text()
		if line == "" {
			if started {
				return ev, true
			}
			continue
		}
		started = true
		name, value, _ := strings.Cut(line, ": ")
		switch name {
		case "id":
			ev.ID = value
		case "event":
			ev.Type = value
		case "data":
			ev.Data, ev.HasData = value, true
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	if err := st.sc.Err(); err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
	if started {
		t.Fatalf("the stream ended inside an event: %+v", ev)
	}
	return sseEvent{}, false
}

// all reads events to the end of the stream.
func (st *stream) all(t *testing.T) []sseEvent {
	t.Helper()
	var events []sseEvent
	for {
		ev, ok := st.next(t)
		if !ok {
			return events
		}
		events = append(events, ev)
	}
}

// readLogs reads a whole finite stream of AcmeFirstAppID, which must answer 200.
func readLogs(t *testing.T, s *Server, query url.Values, header ...string) []sseEvent {
	t.Helper()
	st := openStream(t, t.Context(), s, logsPath(OrgAcme, AcmeFirstAppID, query), header...)
	if st.resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", st.resp.StatusCode)
	}
	return st.all(t)
}

// lines splits a stream into its decoded log lines and its END_OF_STREAM
// reason ("" when it ended without one).
func lines(t *testing.T, events []sseEvent) (out []map[string]any, endedBy string) {
	t.Helper()
	for i, ev := range events {
		switch ev.Type {
		case eventApplicationLog:
			var l map[string]any
			if err := json.Unmarshal([]byte(ev.Data), &l); err != nil {
				t.Fatalf("event %d: %v: %q", i, err, ev.Data)
			}
			if l["id"] != nil && l["id"] != ev.ID {
				t.Errorf("event %d: SSE id %q, line id %v", i, ev.ID, l["id"])
			}
			out = append(out, l)
		case eventEndOfStream:
			var end struct{ EndedBy string }
			json.Unmarshal([]byte(ev.Data), &end)
			if i != len(events)-1 {
				t.Errorf("END_OF_STREAM is event %d of %d", i, len(events))
			}
			endedBy = end.EndedBy
		default:
			t.Fatalf("unexpected event %+v", ev)
		}
	}
	return out, endedBy
}

// lineID is the id of AcmeFirstAppID's line n.
func acmeLineID(n int) string {
	return fmt.Sprintf("%s-%010d", strings.TrimPrefix(AcmeFirstAppID, "app_")[:8], n)
}

func ids(ls []map[string]any) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i], _ = l["id"].(string)
	}
	return out
}

func TestLogsSequence(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	st := openStream(t, t.Context(), s, logsPath(OrgAcme, AcmeFirstAppID, url.Values{
		"since": {LogsBase.Format(time.RFC3339)},
		"until": {LogsBase.Add(10 * time.Second).Format(time.RFC3339)},
	}))
	if ct := st.resp.Header.Get("Content-Type"); st.resp.StatusCode != http.StatusOK || ct != "text/event-stream" || st.resp.Header.Get("Sozu-Id") == "" {
		t.Fatalf("answer %d, Content-Type %q, headers %v", st.resp.StatusCode, ct, st.resp.Header)
	}
	got, endedBy := lines(t, st.all(t))
	// The default services are bas and bas-deploy: every third line is app.service.
	var want []string
	for _, n := range []int{0, 1, 3, 4, 6, 7, 9} {
		want = append(want, acmeLineID(n))
	}
	if diff := cmp.Diff(want, ids(got)); diff != "" || endedBy != "UNTIL_REACHED" {
		t.Errorf("ended by %q; ids (-want +got):\n%s", endedBy, diff)
	}
	first := got[0]
	checkKeys(t, "log line", first, logFields...)
	if first["date"] != "2026-06-15T08:59:10.000Z" || first["applicationId"] != AcmeFirstAppID ||
		first["service"] != "bas.service" || first["zone"] != "par" || first["region"] != "EU" ||
		!strings.HasPrefix(first["message"].(string), "line 0: ") {
		t.Errorf("line 0 = %v", first)
	}
	if got[1]["date"] != "2026-06-15T08:59:11.000Z" || got[1]["service"] != "bas-deploy.service" {
		t.Errorf("line 1 = %v", got[1])
	}
	if s.Count(RouteApplicationLogs) != 1 {
		t.Errorf("counts = %v", s.Counts())
	}
}

func TestLogsWireFormat(t *testing.T) {
	t.Parallel()
	s := New()
	rec := httptest.NewRecorder()
	q := logsWindow(0, 1)
	q.Set("field", "message")
	req := httptest.NewRequest(http.MethodGet, "/"+logsPath(OrgAcme, AcmeFirstAppID, q), nil)
	req.Header.Set("Authorization", "Bearer "+TokenAlice)
	s.ServeHTTP(rec, req)
	want := "id: " + acmeLineID(0) + "\nevent: APPLICATION_LOG\ndata: {\"message\":\"line 0: GET /health 200 in 3ms\"}\n\n" +
		"event: END_OF_STREAM\ndata: {\"endedBy\":\"UNTIL_REACHED\"}\n\n"
	if rec.Code != http.StatusOK || rec.Body.String() != want || !rec.Flushed {
		t.Errorf("answer %d (flushed %v):\n%s\nwant:\n%s", rec.Code, rec.Flushed, rec.Body, want)
	}
}

func TestLogsFilters(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	all, endedBy := lines(t, readLogs(t, s, logsWindow(0, 24)))
	if len(all) != 24 || endedBy != "UNTIL_REACHED" {
		t.Fatalf("%d lines ended by %q, want 24 lines then UNTIL_REACHED", len(all), endedBy)
	}
	where := func(pred func(l map[string]any) bool) []string {
		var out []string
		for _, l := range all {
			if pred(l) {
				out = append(out, l["id"].(string))
			}
		}
		return out
	}
	// with replaces parameters of the 24-line window.
	with := func(kv ...string) url.Values {
		q := logsWindow(0, 24)
		for i := 0; i+1 < len(kv); i += 2 {
			q.Del(kv[i])
		}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Add(kv[i], kv[i+1])
		}
		return q
	}
	instance := all[1]["instanceId"].(string)
	tests := []struct {
		name    string
		query   url.Values
		want    []string
		endedBy string
	}{
		{"default services", func() url.Values { q := with(); q.Del("service"); return q }(), where(func(l map[string]any) bool {
			return l["service"] == "bas.service" || l["service"] == "bas-deploy.service"
		}), "UNTIL_REACHED"},
		{"one service", with("service", "app"), where(func(l map[string]any) bool { return l["service"] == "app.service" }), "UNTIL_REACHED"},
		{"full unit names", func() url.Values { q := with(); q["service"] = []string{"app.service", "bas"}; return q }(), where(func(l map[string]any) bool {
			return l["service"] == "app.service" || l["service"] == "bas.service"
		}), "UNTIL_REACHED"},
		{"filter is case-insensitive", with("filter", "CONNECTION reset"), where(func(l map[string]any) bool {
			return strings.Contains(l["message"].(string), "connection reset")
		}), "UNTIL_REACHED"},
		{"instance", with("instanceId", instance), where(func(l map[string]any) bool { return l["instanceId"] == instance }), "UNTIL_REACHED"},
		{"instances", with("instanceId", instance, "instanceId", AcmeFirstAppInstanceID), where(func(l map[string]any) bool {
			return l["instanceId"] == instance || l["instanceId"] == AcmeFirstAppInstanceID
		}), "UNTIL_REACHED"},
		{"deployment", with("deploymentId", AcmeFirstAppDeploymentID), where(func(l map[string]any) bool {
			return l["deploymentId"] == AcmeFirstAppDeploymentID
		}), "UNTIL_REACHED"},
		{"limit", with("limit", "3"), ids(all[:3]), "LIMIT_REACHED"},
		{"limit after filters", with("limit", "2", "service", "app"), where(func(l map[string]any) bool { return l["service"] == "app.service" })[:2], "LIMIT_REACHED"},
		{"limit beyond until", with("limit", "100"), ids(all), "UNTIL_REACHED"},
		{"since inside a second", func() url.Values {
			q := with()
			q.Set("since", LogsBase.Add(2500*time.Millisecond).Format(time.RFC3339Nano))
			return q
		}(), ids(all[3:]), "UNTIL_REACHED"},
		{"throttling accepted", with("throttleElements", "100", "throttlePerInMilliseconds", "300"), ids(all), "UNTIL_REACHED"},
	}
	for _, tt := range tests {
		if len(tt.want) == 0 {
			t.Errorf("%s: the filter keeps no line: a useless test", tt.name)
		}
		got, endedBy := lines(t, readLogs(t, s, tt.query))
		if diff := cmp.Diff(tt.want, ids(got)); diff != "" || endedBy != tt.endedBy {
			t.Errorf("%s: ended by %q, want %q; ids (-want +got):\n%s", tt.name, endedBy, tt.endedBy, diff)
		}
	}

	got, _ := lines(t, readLogs(t, s, with("field", "id", "field", "message", "field", "date")))
	for _, l := range got {
		checkKeys(t, "line with fields", l, "id", "message", "date")
	}
	if len(got) != len(all) || got[5]["message"] != all[5]["message"] || got[5]["date"] != all[5]["date"] {
		t.Errorf("field selection changed the lines: %v", got[5])
	}
}

func TestLogsBadRequests(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	bad := []struct {
		field       string
		query       url.Values
		lastEventID string
	}{
		{"limit", url.Values{"limit": {"0"}}, ""},
		{"limit", url.Values{"limit": {"ten"}}, ""},
		{"since", url.Values{"since": {"yesterday"}}, ""},
		{"until", url.Values{"until": {"2026-13-01"}}, ""},
		{"until", url.Values{"since": {"2026-06-15T09:00:00Z"}, "until": {"2026-06-15T08:00:00Z"}}, ""},
		{"field", url.Values{"field": {"nope"}}, ""},
		{"service", url.Values{"service": {""}}, ""},
		{"throttleElements", url.Values{"throttleElements": {"-1"}}, ""},
		{"throttlePerInMilliseconds", url.Values{"throttlePerInMilliseconds": {"x"}}, ""},
		{"Last-Event-ID", nil, "not-a-line"},
		{"Last-Event-ID", nil, "ffffffff-0000000001"},
	}
	for _, tt := range bad {
		var header []string
		if tt.lastEventID != "" {
			header = []string{"Last-Event-ID", tt.lastEventID}
		}
		a := send(t, s, http.MethodGet, logsPath(OrgAcme, AcmeFirstAppID, tt.query), TokenAlice, "", header...)
		body := object(t, a.ok(t, http.StatusBadRequest))
		checkKeys(t, "400 body", body, v4ErrorKeys...)
		if ctx := object(t, body["context"]); ctx["fieldName"] != tt.field {
			t.Errorf("%v %q: error context %v, want field %s", tt.query, tt.lastEventID, ctx, tt.field)
		}
	}

	for _, tt := range []struct {
		token, owner, app string
		status            int
	}{
		{"", OrgAcme, AcmeFirstAppID, http.StatusUnauthorized},
		{"wrong-token", OrgAcme, AcmeFirstAppID, http.StatusUnauthorized},
		{TokenBob, OrgAcme, AcmeFirstAppID, http.StatusForbidden},
		{TokenAlice, OrgAcme, "app_00000000-0000-0000-0000-000000000000", http.StatusNotFound},
		{TokenAlice, "orga_nope", AcmeFirstAppID, http.StatusNotFound},
	} {
		a := get(t, s, logsPath(tt.owner, tt.app, nil), tt.token)
		checkKeys(t, "error body", a.ok(t, tt.status), v4ErrorKeys...)
	}
	if s.OpenStreams() != 0 {
		t.Errorf("OpenStreams = %d after error answers", s.OpenStreams())
	}
}

func TestLogsLastEventIDResumes(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	got, endedBy := lines(t, readLogs(t, s, logsWindow(0, 8), "Last-Event-ID", acmeLineID(3)))
	want := []string{acmeLineID(4), acmeLineID(5), acmeLineID(6), acmeLineID(7)}
	if diff := cmp.Diff(want, ids(got)); diff != "" || endedBy != "UNTIL_REACHED" {
		t.Errorf("resumed: ended by %q; ids (-want +got):\n%s", endedBy, diff)
	}

	// The limit counts the lines of this connection.
	q := logsWindow(0, 8)
	q.Set("limit", "2")
	got, endedBy = lines(t, readLogs(t, s, q, "Last-Event-ID", acmeLineID(3)))
	if diff := cmp.Diff(want[:2], ids(got)); diff != "" || endedBy != "LIMIT_REACHED" {
		t.Errorf("resumed with a limit: ended by %q; ids (-want +got):\n%s", endedBy, diff)
	}

	// An id before since does not go back before since.
	got, _ = lines(t, readLogs(t, s, logsWindow(5, 8), "Last-Event-ID", acmeLineID(1)))
	if diff := cmp.Diff(want[1:], ids(got)); diff != "" {
		t.Errorf("resumed before since: ids (-want +got):\n%s", diff)
	}
	if got := s.Requests()[0].Header.Get("Last-Event-ID"); got != acmeLineID(3) {
		t.Errorf("recorded Last-Event-ID = %q", got)
	}
}

func TestLogsCutFault(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(RouteApplicationLogs, Fault{CutAfter: 3, Times: 2})
	for i := range 3 {
		got, endedBy := lines(t, readLogs(t, s, logsWindow(0, 6)))
		want, wantEnd := 3, ""
		if i == 2 {
			want, wantEnd = 6, "UNTIL_REACHED"
		}
		if len(got) != want || endedBy != wantEnd {
			t.Errorf("stream %d: %d lines ended by %q, want %d ended by %q", i, len(got), endedBy, want, wantEnd)
		}
	}
}

func TestLogsAnswerFaults(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.Inject(RouteApplicationLogs, Fault{Status: http.StatusServiceUnavailable, Times: 1, Header: http.Header{"Retry-After": {"2"}}})
	a := get(t, s, logsPath(OrgAcme, AcmeFirstAppID, nil), TokenAlice)
	checkKeys(t, "fault body", a.ok(t, http.StatusServiceUnavailable), v4ErrorKeys...)
	if a.header.Get("Retry-After") != "2" || a.header.Get("Sozu-Id") == "" {
		t.Errorf("fault headers %v", a.header)
	}

	s.Inject(RouteApplicationLogs, Fault{Body: "<html>maintenance</html>", Times: 1})
	if a := get(t, s, logsPath(OrgAcme, AcmeFirstAppID, nil), TokenAlice); a.status != http.StatusOK || a.header.Get("Content-Type") == "text/event-stream" {
		t.Errorf("body fault: %d %s", a.status, a.header.Get("Content-Type"))
	}

	s.Inject(RouteApplicationLogs, Fault{Malformed: true, Times: 1})
	events := readLogs(t, s, logsWindow(0, 3))
	if len(events) != 4 || events[3].Type != eventEndOfStream {
		t.Fatalf("malformed stream: %+v", events)
	}
	for _, ev := range events[:3] {
		if json.Valid([]byte(ev.Data)) || ev.ID == "" {
			t.Errorf("malformed fault left a valid line: %+v", ev)
		}
	}
}

func TestLogsLiveAndHeartbeat(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.SetLogInterval(time.Millisecond)
	s.SetHeartbeatInterval(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()

	// Without since, the stream starts at the present: live lines only.
	st := openStream(t, ctx, s, logsPath(OrgAcme, AcmeFirstAppID, url.Values{"service": {"all"}}))
	for n := LogsPast; n < LogsPast+5; n++ {
		ev, ok := st.next(t)
		if !ok || ev.ID != acmeLineID(n) {
			t.Fatalf("live event %+v, want line %d", ev, n)
		}
	}

	// With a short heartbeat and lines that never come, heartbeats only.
	s.SetLogInterval(time.Hour)
	s.SetHeartbeatInterval(time.Millisecond)
	st = openStream(t, ctx, s, logsPath(OrgAcme, AcmeFirstAppID, nil))
	for range 2 {
		ev, ok := st.next(t)
		if want := (sseEvent{Type: eventHeartbeat}); !ok || ev != want {
			t.Fatalf("event %+v, want a HEARTBEAT with no data line", ev)
		}
	}

	// Lines dated before the present come first, then the live ones.
	s.SetLogInterval(time.Millisecond)
	s.SetHeartbeatInterval(time.Hour)
	q := url.Values{"since": {LogsBase.Add((LogsPast - 2) * time.Second).Format(time.RFC3339)}, "service": {"all"}}
	st = openStream(t, ctx, s, logsPath(OrgAcme, AcmeFirstAppID, q))
	for n := LogsPast - 2; n < LogsPast+2; n++ {
		if ev, ok := st.next(t); !ok || ev.ID != acmeLineID(n) {
			t.Fatalf("event %+v, want line %d", ev, n)
		}
	}
}

// A gated stream sends one live line per value from its gate, and none
// otherwise: a test sets the pace, not the clock.
func TestLogsGate(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	gate := make(chan struct{})
	s.SetLogGate(gate)
	s.SetHeartbeatInterval(time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	st := openStream(t, ctx, s, logsPath(OrgAcme, AcmeFirstAppID, url.Values{"service": {"all"}}))
	for n := LogsPast; n < LogsPast+3; n++ {
		// Heartbeats go on, lines wait for the gate.
		for range 3 {
			if ev, ok := st.next(t); !ok || ev.Type != eventHeartbeat {
				t.Fatalf("event %+v before the gate let line %d go, want heartbeats", ev, n)
			}
		}
		select {
		case gate <- struct{}{}:
		case <-ctx.Done():
			t.Fatal("the stream took no value from its gate")
		}
		ev, ok := st.next(t)
		for ok && ev.Type == eventHeartbeat {
			ev, ok = st.next(t)
		}
		if !ok || ev.ID != acmeLineID(n) {
			t.Fatalf("event %+v, want line %d", ev, n)
		}
	}
}

func TestLogsOpenStreams(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.SetLogInterval(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()

	reqCtx, leave := context.WithCancel(ctx)
	st := openStream(t, reqCtx, s, logsPath(OrgAcme, AcmeFirstAppID, nil))
	openStream(t, ctx, s, logsPath(OrgAcme, AcmeFirstAppID, nil))
	if got := s.OpenStreams(); got != 2 {
		t.Fatalf("OpenStreams = %d with two streams open, want 2", got)
	}
	leave()
	st.resp.Body.Close()
	if err := s.WaitOpenStreams(ctx, 1); err != nil {
		t.Fatal(err)
	}

	// A finished stream closes too.
	readLogs(t, s, logsWindow(0, 2))
	if err := s.WaitOpenStreams(ctx, 1); err != nil {
		t.Fatal(err)
	}

	// Close does not wait for the live stream to end by itself.
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close hangs on an open stream")
	}
	if got := s.OpenStreams(); got != 0 {
		t.Errorf("OpenStreams = %d after Close", got)
	}
}

func TestLogsEveryApplication(t *testing.T) {
	t.Parallel()
	s := New()
	seen := map[string]bool{}
	for _, o := range s.data.owners {
		for _, a := range o.apps {
			src := s.data.logSourceFor(a)
			if seen[src.prefix] {
				t.Errorf("two applications share the line id prefix %q", src.prefix)
			}
			seen[src.prefix] = true
			ids := []string{src.lineID(0), src.lineID(9), src.lineID(10), src.lineID(123456)}
			if !slices.IsSorted(ids) {
				t.Errorf("%s: ids do not sort in line order: %v", a.app.ID, ids)
			}
			if n, ok := src.lineNumber(src.lineID(77)); !ok || n != 77 {
				t.Errorf("%s: lineNumber(lineID(77)) = %d, %v", a.app.ID, n, ok)
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d applications: %v", len(seen), slices.Sorted(maps.Keys(seen)))
	}
}
