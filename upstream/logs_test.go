package upstream_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// logsWindow returns options for the fake's lines numbered [from, to) of
// every service.
func logsWindow(from, to int) *upstream.ApplicationLogsOptions {
	return &upstream.ApplicationLogsOptions{
		Since:    upstreamtest.LogsBase.Add(time.Duration(from) * time.Second),
		Until:    upstreamtest.LogsBase.Add(time.Duration(to) * time.Second),
		Services: []string{"all"},
	}
}

// openLogs opens AcmeFirstAppID's logs stream and closes it at cleanup.
func openLogs(t *testing.T, ctx context.Context, c *upstream.Client, opts *upstream.ApplicationLogsOptions, lastEventID string) *upstream.LogStream {
	t.Helper()
	s, err := c.StreamApplicationLogs(ctx, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, opts, lastEventID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// readAll reads events until Next fails.
func readAll(s *upstream.LogStream) ([]upstream.LogEvent, error) {
	var events []upstream.LogEvent
	for {
		ev, err := s.Next()
		if err != nil {
			return events, err
		}
		events = append(events, ev)
	}
}

// lineIDs returns the ids of the log lines among events.
func lineIDs(events []upstream.LogEvent) []string {
	var ids []string
	for _, ev := range events {
		if ev.Kind == upstream.LogLineEvent {
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

func TestApplicationLogsOptionsValues(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 6, 15, 10, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		opts *upstream.ApplicationLogsOptions
		want string
	}{
		{nil, ""},
		{&upstream.ApplicationLogsOptions{}, ""},
		{&upstream.ApplicationLogsOptions{
			DeploymentID: "deployment_1", InstanceIDs: []string{"i1", "i2"},
			Since: since, Until: since.Add(90 * time.Minute), Fields: []string{"id", "message"},
			Filter: "Error 500", Limit: 10, Services: []string{"bas", "app"},
			ThrottleElements: 2000, ThrottlePerInMilliseconds: 100,
		}, "deploymentId=deployment_1&field=id&field=message&filter=Error+500&instanceId=i1&instanceId=i2&limit=10" +
			"&service=bas&service=app&since=2026-06-15T08%3A00%3A00Z&throttleElements=2000&throttlePerInMilliseconds=100" +
			"&until=2026-06-15T09%3A30%3A00Z"},
	}
	for _, tt := range tests {
		if got := tt.opts.Values().Encode(); got != tt.want {
			t.Errorf("%+v:\n got %s\nwant %s", tt.opts, got, tt.want)
		}
	}
}

func TestStreamApplicationLogsRequest(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	opts := &upstream.ApplicationLogsOptions{
		DeploymentID: upstreamtest.AcmeFirstAppDeploymentID,
		InstanceIDs:  []string{upstreamtest.AcmeFirstAppInstanceID, "other"},
		Since:        upstreamtest.LogsBase,
		Until:        upstreamtest.LogsBase.Add(20 * time.Second),
		Fields:       []string{"id", "instanceId", "message"},
		Filter:       "LINE",
		Limit:        2,
		Services:     []string{"all"},

		ThrottleElements: 100, ThrottlePerInMilliseconds: 300,
	}
	s := openLogs(t, t.Context(), c, opts, "")
	events, err := readAll(s)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	req := lastRequest(t, fake)
	if req.Route != upstreamtest.RouteApplicationLogs || req.Header.Get("Accept") != "text/event-stream" || req.Header.Get("Last-Event-ID") != "" {
		t.Errorf("request %s, headers %v", req.Route, req.Header)
	}
	if diff := cmp.Diff(opts.Values(), req.Query); diff != "" {
		t.Errorf("query (-sent +received):\n%s", diff)
	}
	// The fake applied the filters: two lines of that instance, only the
	// asked fields, then the limit.
	if len(events) != 3 || events[2].Kind != upstream.EndOfStreamEvent || events[2].EndedBy != "LIMIT_REACHED" {
		t.Fatalf("events = %+v", events)
	}
	for _, ev := range events[:2] {
		l := ev.Line
		if l.ID != ev.ID || l.InstanceID == nil || *l.InstanceID != upstreamtest.AcmeFirstAppInstanceID || l.Message == nil ||
			l.Service != nil || !l.Date.IsZero() {
			t.Errorf("line %+v", l)
		}
	}
}

func TestStreamApplicationLogsToTheEnd(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	s := openLogs(t, t.Context(), c, logsWindow(0, 3), "")
	if s.RequestID() == "" {
		t.Error("no RequestID")
	}
	events, err := readAll(s)
	if !errors.Is(err, io.EOF) || len(events) != 4 {
		t.Fatalf("read %d events then %v, want 4 then io.EOF: %+v", len(events), err, events)
	}
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end = %v, want io.EOF", err)
	}
	end := events[3]
	if end.Kind != upstream.EndOfStreamEvent || end.EndedBy != "UNTIL_REACHED" || end.Line != nil {
		t.Errorf("last event %+v, want END_OF_STREAM UNTIL_REACHED", end)
	}
	line := events[0].Line
	if events[0].Kind != upstream.LogLineEvent || line == nil {
		t.Fatalf("first event %+v", events[0])
	}
	want := time.Date(2026, 6, 15, 8, 59, 10, 0, time.UTC)
	if !line.Date.Equal(want) || line.ID != events[0].ID || *line.ApplicationID != upstreamtest.AcmeFirstAppID ||
		*line.Service != "bas.service" || *line.Severity != "info" || *line.Facility != "daemon" || *line.Priority != 30 ||
		*line.PID == 0 || *line.Version != "1" || *line.Zone != "par" || *line.Region != "EU" ||
		*line.CommitID == "" || *line.DeploymentID == "" || *line.InstanceID == "" ||
		!strings.HasPrefix(*line.Message, "line 0: ") {
		t.Errorf("line 0 = %+v", line)
	}
	if got := s.LastEventID(); got != events[2].ID {
		t.Errorf("LastEventID = %q, want the last line's %q", got, events[2].ID)
	}
	s.Close()
	if err := fake.WaitOpenStreams(t.Context(), 0); err != nil {
		t.Error(err)
	}
}

func TestStreamApplicationLogsHeartbeat(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.SetLogInterval(time.Hour)
	fake.SetHeartbeatInterval(time.Millisecond)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	s := openLogs(t, t.Context(), c, nil, "")
	for range 2 {
		ev, err := s.Next()
		if err != nil || ev.Kind != upstream.HeartbeatEvent {
			t.Fatalf("Next = %+v, %v; want a heartbeat", ev, err)
		}
	}
}

// TestStreamApplicationLogsReconnect reads a stream that the upstream cuts,
// then resumes it from the last event id, as a subscription would.
func TestStreamApplicationLogsReconnect(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{CutAfter: 2, Times: 1})
	c := newClient(t, fake, upstreamtest.TokenAlice)
	opts := logsWindow(0, 5)

	s := openLogs(t, t.Context(), c, opts, "")
	first, err := readAll(s)
	if !errors.Is(err, io.EOF) || len(first) != 2 || first[1].Kind != upstream.LogLineEvent {
		t.Fatalf("cut stream: %+v then %v, want 2 lines then io.EOF", first, err)
	}
	s = openLogs(t, t.Context(), c, opts, s.LastEventID())
	rest, err := readAll(s)
	if !errors.Is(err, io.EOF) || rest[len(rest)-1].Kind != upstream.EndOfStreamEvent {
		t.Fatalf("resumed stream: %+v then %v", rest, err)
	}
	if got := fake.Requests()[1].Header.Get("Last-Event-ID"); got != first[1].ID {
		t.Errorf("Last-Event-ID sent = %q, want %q", got, first[1].ID)
	}
	all := lineIDs(append(first, rest...))
	full, _ := readAll(openLogs(t, t.Context(), c, opts, ""))
	if diff := cmp.Diff(lineIDs(full), all); diff != "" || len(all) != 5 {
		t.Errorf("cut and resumed (-whole +resumed):\n%s", diff)
	}
}

func TestLogStreamCloseUnblocksNext(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.SetLogInterval(time.Hour)
	fake.SetHeartbeatInterval(time.Hour)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	s := openLogs(t, t.Context(), c, nil, "")
	if got := fake.OpenStreams(); got != 1 {
		t.Fatalf("OpenStreams = %d, want 1", got)
	}

	done := make(chan error, 1)
	go func() {
		_, err := s.Next() // nothing comes: it blocks until Close
		done <- err
	}()
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, upstream.ErrStreamClosed) {
			t.Errorf("blocked Next = %v, want ErrStreamClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Next")
	}
	if _, err := s.Next(); !errors.Is(err, upstream.ErrStreamClosed) {
		t.Errorf("Next after Close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Error(err)
	}
}

func TestLogStreamEndsWithItsContext(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.SetLogInterval(time.Hour)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	ctx, cancel := context.WithCancel(t.Context())
	s := openLogs(t, ctx, c, nil, "")
	done := make(chan error, 1)
	go func() {
		_, err := s.Next()
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Next = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the context did not unblock Next")
	}
	wait, stop := context.WithTimeout(t.Context(), 5*time.Second)
	defer stop()
	if err := fake.WaitOpenStreams(wait, 0); err != nil {
		t.Error(err)
	}
}

// TestLogStreamOutlivesTheTimeout checks that the per-call timeout bounds the
// wait for the headers only, not the stream.
func TestLogStreamOutlivesTheTimeout(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.SetLogInterval(50 * time.Millisecond)
	c, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(150*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)
	s := openLogs(t, t.Context(), c, &upstream.ApplicationLogsOptions{Services: []string{"all"}}, "")
	start := time.Now()
	for range 6 {
		if ev, err := s.Next(); err != nil || ev.Kind != upstream.LogLineEvent {
			t.Fatalf("after %s: Next = %+v, %v", time.Since(start), ev, err)
		}
	}

	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{Latency: 5 * time.Second, Times: 1})
	_, err = c.StreamApplicationLogs(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "")
	if !errors.Is(err, upstream.ErrTimeout) {
		t.Errorf("headers later than the timeout: %v, want ErrTimeout", err)
	}
}

func TestStreamApplicationLogsErrors(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	alice := newClient(t, fake, upstreamtest.TokenAlice)
	tests := []struct {
		name        string
		client      *upstream.Client
		owner, app  string
		opts        *upstream.ApplicationLogsOptions
		lastEventID string
		want        error
		status      int // 0: nothing is sent
	}{
		{"no token", newClient(t, fake, ""), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "", upstream.ErrNoToken, 0},
		{"bad id", alice, upstreamtest.OrgAcme, "../x", nil, "", upstream.ErrInvalidID, 0},
		{"bad last event id", alice, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "1\r\nX-Evil: 1", upstream.ErrInvalidID, 0},
		{"wrong token", newClient(t, fake, "not-a-token"), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "", upstream.ErrUnauthorized, 401},
		{"not a member", newClient(t, fake, upstreamtest.TokenBob), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "", upstream.ErrForbidden, 403},
		{"no such app", alice, upstreamtest.OrgAcme, "app_00000000-0000-4000-8000-000000000000", nil, "", upstream.ErrNotFound, 404},
		{"bad field", alice, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, &upstream.ApplicationLogsOptions{Fields: []string{"nope"}}, "", upstream.ErrBadRequest, 400},
		{"bad last event id for the app", alice, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "elsewhere-1", upstream.ErrBadRequest, 400},
	}
	for _, tt := range tests {
		fake.ResetCounts()
		s, err := tt.client.StreamApplicationLogs(t.Context(), tt.owner, tt.app, tt.opts, tt.lastEventID)
		if s != nil || !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			continue
		}
		if sent := fake.Total(); (tt.status == 0) != (sent == 0) {
			t.Errorf("%s: %d requests sent", tt.name, sent)
		}
		var ue *upstream.Error
		if tt.status != 0 && (!errors.As(err, &ue) || ue.StatusCode != tt.status || ue.RequestID == "") {
			t.Errorf("%s: %#v, want an *upstream.Error with status %d and a Sozu-Id", tt.name, err, tt.status)
		}
		for _, tok := range []string{upstreamtest.TokenAlice, upstreamtest.TokenBob, "not-a-token"} {
			if strings.Contains(err.Error(), tok) {
				t.Errorf("%s: the error holds a token: %s", tt.name, err)
			}
		}
	}
	if got := fake.OpenStreams(); got != 0 {
		t.Errorf("OpenStreams = %d after errors", got)
	}
}

func TestStreamApplicationLogsMalformed(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)

	// A 200 that is not an event stream.
	for _, f := range []upstreamtest.Fault{
		{Body: `{"logs":[]}`},
		{Body: "data: x\n\n"},
	} {
		f.Times = 1
		fake.Inject(upstreamtest.RouteApplicationLogs, f)
		_, err := c.StreamApplicationLogs(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "")
		var ue *upstream.Error
		if !errors.Is(err, upstream.ErrMalformedResponse) || !errors.As(err, &ue) || ue.RequestID == "" || ue.StatusCode != 200 {
			t.Errorf("body %q: %v, want ErrMalformedResponse with a Sozu-Id", f.Body, err)
		}
	}

	// Event data that is not JSON.
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{Malformed: true, Times: 1})
	s := openLogs(t, t.Context(), c, logsWindow(0, 3), "")
	if _, err := s.Next(); !errors.Is(err, upstream.ErrMalformedResponse) || !strings.Contains(err.Error(), s.RequestID()) {
		t.Errorf("Next = %v, want ErrMalformedResponse with the Sozu-Id", err)
	}
}

func TestLogEventsOfOtherTypesAreSkipped(t *testing.T) {
	t.Parallel()
	body := ": hello\n\nevent: SOMETHING_NEW\ndata: {}\n\ndata: untyped\n\n" +
		"id: 7\nevent: APPLICATION_LOG\ndata: {\"id\":\"7\",\"message\":\"hi\",\"date\":\"2026-06-15T09:00:00.000Z\"}\n\n" +
		"event: END_OF_STREAM\ndata: {\"endedBy\":\"LIMIT_REACHED\"}\n\ndata: after the end\n\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := upstream.New(upstream.WithBaseURL(srv.URL), upstream.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)
	events, err := readAll(openLogs(t, t.Context(), c, nil, ""))
	msg := "hi"
	want := []upstream.LogEvent{
		{Kind: upstream.LogLineEvent, ID: "7", Line: &upstream.LogLine{ID: "7", Message: &msg,
			Date: upstream.Time{Time: time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)}}},
		{Kind: upstream.EndOfStreamEvent, ID: "7", EndedBy: "LIMIT_REACHED"},
	}
	if diff := cmp.Diff(want, events); diff != "" || !errors.Is(err, io.EOF) {
		t.Errorf("error %v; events (-want +got):\n%s", err, diff)
	}
}
