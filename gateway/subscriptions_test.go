package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// tWriter sends logs to the test's output until the test ends: a
// websocket's handler may still log its request once the test is over
// (httptest does not wait for hijacked connections), and t.Log then would
// panic, and race with the test's end.
type tWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

// newTWriter returns a tWriter for t; it goes quiet in t's last cleanup.
func newTWriter(t *testing.T) *tWriter {
	w := &tWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
	})
	return w
}

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// subEnv serves a gateway whose log subscriptions reconnect at once.
func subEnv(t *testing.T) (*upstreamtest.Server, *httptest.Server, *http.Transport) {
	t.Helper()
	logs := newTWriter(t) // first, so that its cleanup runs last
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	e := newEnvWith(t, func(o *gateway.Options) {
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
		o.Logs = logtail.Config{Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 3}
	}, upstream.WithHTTPClient(&http.Client{Transport: tr}))
	t.Cleanup(tr.CloseIdleConnections)
	return e.fake, newServer(t, e.gw), tr
}

const logsSubscription = `subscription($o: ID!, $a: ID!, $f: LogFilter) { applicationLogs(ownerId: $o, applicationId: $a, filter: $f) { id date message } }`

func logVars(filter map[string]any) map[string]any {
	return map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID, "f": filter}
}

// subscribe opens a graphql-transport-ws connection as alice and starts one
// subscription with id "1".
func subscribe(t testing.TB, srv *httptest.Server, vars map[string]any) *websocket.Conn {
	t.Helper()
	c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice})
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": logsSubscription, "variables": vars}})
	return c
}

type logEvent struct {
	Data struct {
		ApplicationLogs *struct{ ID, Date, Message string }
	}
	Errors []gqlError
}

// subscribeSSE starts the logs subscription as alice over SSE (POST with
// Accept: text/event-stream); the body is closed when the test ends.
func subscribeSSE(t *testing.T, srv *httptest.Server, vars map[string]any) *http.Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": logsSubscription, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// awaitSSENext reads resp's SSE stream up to its first next event, failing
// the test if the stream ends before one.
func awaitSSENext(t *testing.T, resp *http.Response) {
	t.Helper()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: next") {
			return
		}
	}
	t.Fatalf("the SSE stream ended before a next event: %v", sc.Err())
}

// readLogs reads events until complete, returning line ids and errors.
func readLogs(t *testing.T, c *websocket.Conn) (ids []string, errs []gqlError) {
	t.Helper()
	for {
		m := read(t, c)
		switch m.Type {
		case "complete":
			return ids, errs
		case "next":
			var ev logEvent
			if err := json.Unmarshal(m.Payload, &ev); err != nil {
				t.Fatal(err)
			}
			errs = append(errs, ev.Errors...)
			if l := ev.Data.ApplicationLogs; l != nil {
				if l.Date == "" || l.Message == "" {
					t.Errorf("incomplete line %+v", l)
				}
				ids = append(ids, l.ID)
			}
		case "error":
			var list []gqlError
			_ = json.Unmarshal(m.Payload, &list)
			return ids, append(errs, list...)
		default:
			t.Fatalf("unexpected %s %s", m.Type, m.Payload)
		}
	}
}

func TestLogSubscription(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	c := subscribe(t, srv, logVars(map[string]any{"since": upstreamtest.LogsBase.Format(time.RFC3339), "limit": 5}))
	ids, errs := readLogs(t, c)
	if len(errs) > 0 || len(ids) != 5 || !sort.StringsAreSorted(ids) {
		t.Fatalf("ids %v errors %v", ids, errs)
	}
	q := fake.Requests()[0].Query
	if diff := cmp.Diff([]string{"id", "date", "message"}, q["field"]); diff != "" {
		t.Errorf("fields asked of the upstream (-want +got):\n%s", diff)
	}
}

func TestLogFiltersReachTheUpstream(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	since := upstreamtest.LogsBase
	c := subscribe(t, srv, logVars(map[string]any{
		"since": since.Format(time.RFC3339), "until": since.Add(30 * time.Second).Format(time.RFC3339),
		"deploymentId": upstreamtest.AcmeFirstAppDeploymentID, "instanceId": upstreamtest.AcmeFirstAppInstanceID,
		"contains": "GET", "services": []string{"bas.service", "app.service"}, "limit": 7,
		"throttleElements": 100, "throttlePerInMilliseconds": 300,
	}))
	if _, errs := readLogs(t, c); len(errs) > 0 {
		t.Fatalf("errors %v", errs)
	}
	q := fake.Requests()[0].Query
	want := map[string][]string{
		"since": {since.UTC().Format(time.RFC3339)}, "until": {since.Add(30 * time.Second).UTC().Format(time.RFC3339)},
		"deploymentId": {upstreamtest.AcmeFirstAppDeploymentID}, "instanceId": {upstreamtest.AcmeFirstAppInstanceID},
		"filter": {"GET"}, "service": {"bas.service", "app.service"}, "limit": {"7"},
		"throttleElements": {"100"}, "throttlePerInMilliseconds": {"300"}, "field": {"id", "date", "message"},
	}
	if diff := cmp.Diff(want, map[string][]string(q)); diff != "" {
		t.Errorf("upstream query (-want +got):\n%s", diff)
	}
}

func TestLogSubscriptionSurvivesCuts(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	filter := map[string]any{"since": upstreamtest.LogsBase.Format(time.RFC3339), "limit": 20, "services": []string{"all"}}
	want, errs := readLogs(t, subscribe(t, srv, logVars(filter)))
	if len(errs) > 0 || len(want) != 20 {
		t.Fatalf("reference: %v %v", want, errs)
	}
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{CutAfter: 4, Times: 4})
	got, errs := readLogs(t, subscribe(t, srv, logVars(filter)))
	if len(errs) > 0 {
		t.Fatalf("errors %v", errs)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("every line once, in order (-want +got):\n%s", diff)
	}
}

func TestLogSubscriptionErrors(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	// At subscribe time: the upstream's refusal is the subscription's error.
	c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenBob})
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": logsSubscription, "variables": logVars(nil)}})
	if _, errs := readLogs(t, c); len(errs) != 1 || errs[0].code() != "FORBIDDEN" || errs[0].Extensions["upstream"] == nil {
		t.Errorf("bob on acme: %+v", errs)
	}
	// Mid-stream: reconnects exhausted end the subscription with an error.
	// Live lines come every 500 ms and the stream is cut after the second:
	// once the first is read, there is time to make every reconnect fail.
	fake.SetLogInterval(500 * time.Millisecond)
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{CutAfter: 2, Times: 1})
	c2 := subscribe(t, srv, logVars(nil))
	if m := read(t, c2); m.Type != "next" {
		t.Fatalf("got %+v", m)
	}
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{Status: 503})
	ids, errs := readLogs(t, c2)
	if len(ids) != 1 || len(errs) != 1 || errs[0].code() != "UPSTREAM_UNAVAILABLE" || !strings.Contains(errs[0].Message, "could not be resumed") {
		t.Errorf("ids %v errors %+v", ids, errs)
	}
	// Bad arguments: refused before any upstream call.
	fake.ResetCounts()
	c3 := subscribe(t, srv, logVars(map[string]any{"limit": -3}))
	if _, errs := readLogs(t, c3); len(errs) != 1 || errs[0].code() != "BAD_USER_INPUT" {
		t.Errorf("negative limit: %+v", errs)
	}
	if n := fake.Total(); n != 0 {
		t.Errorf("%d upstream calls for a bad argument", n)
	}
}

// Filters the upstream would refuse are refused first: a blank service,
// and a window of no time.
func TestLogFiltersTheUpstreamWouldRefuse(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	for name, filter := range map[string]map[string]any{
		"a blank service": {"services": []any{"bas", " "}},
		"since is until":  {"since": "2026-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
	} {
		c := subscribe(t, srv, logVars(filter))
		if _, errs := readLogs(t, c); len(errs) != 1 || errs[0].code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v", name, errs)
		}
	}
	if n := fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

// Live tails share an upstream stream only within one token: a caller who
// may not read an application's logs never joins the stream of one who
// may, and gets the upstream's refusal.
func TestLiveTailsAreSharedWithinOneToken(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	alice := subscribe(t, srv, logVars(nil))
	if m := read(t, alice); m.Type != "next" {
		t.Fatalf("alice: %+v", m)
	}
	c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenBob})
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": logsSubscription, "variables": logVars(nil)}})
	// Its first message: a line, were bob sharing alice's stream.
	if m := read(t, c); !strings.Contains(string(m.Payload), `"FORBIDDEN"`) || strings.Contains(string(m.Payload), `"applicationLogs":{`) {
		t.Errorf("bob on alice's live tail: %s %s", m.Type, m.Payload)
	}
	if n := fake.Count(upstreamtest.RouteApplicationLogs); n != 2 {
		t.Errorf("%d log streams asked for, want alice's and bob's", n)
	}
}

// A subscription selects exactly one root field, under one name, without
// @skip or @include (the specification's rule; validation checks field
// names only): anything else is the caller's error, found before any
// upstream call, not an internal one.
func TestSubscriptionSelectsOneRootField(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	const field = `applicationLogs(ownerId: $o, applicationId: $a) { id }`
	for name, query := range map[string]string{
		"two names":  `subscription($o: ID!, $a: ID!) { a: ` + field + ` b: ` + field + ` }`,
		"skipped":    `subscription($o: ID!, $a: ID!) { ` + strings.Replace(field, ")", ") @skip(if: true)", 1) + ` }`,
		"included":   `subscription($o: ID!, $a: ID!) { ` + strings.Replace(field, ")", ") @include(if: false)", 1) + ` }`,
		"a fragment": `subscription($o: ID!, $a: ID!) { ...L a: ` + field + ` } fragment L on Subscription { b: ` + field + ` }`,
	} {
		c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice})
		send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query, "variables": logVars(nil)}})
		if _, errs := readLogs(t, c); len(errs) != 1 || errs[0].code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v", name, errs)
		}
	}
	if n := fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
	// One root field under an alias is one.
	c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice})
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($o: ID!, $a: ID!, $f: LogFilter) { logs: applicationLogs(ownerId: $o, applicationId: $a, filter: $f) { id } }`,
		"variables": logVars(map[string]any{"limit": 2})}})
	if m := read(t, c); m.Type != "next" || !strings.HasPrefix(string(m.Payload), `{"data":{"logs":{"id":`) {
		t.Errorf("an aliased subscription: %s %s", m.Type, m.Payload)
	}
}

// Unsubscribing, or going away, closes the upstream stream within a second,
// whether the subscription followed on its own (since) or through the hub
// (a live tail: its last subscriber leaving).
func TestLeavingClosesTheUpstream(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	since := map[string]any{"since": upstreamtest.LogsBase.Format(time.RFC3339)}
	for _, leave := range leavings {
		for _, filter := range []map[string]any{since, nil} { // history, then a live tail
			leaveAfterOneLine(t, fake, srv, leave, logVars(filter), func() {})
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			if err := fake.WaitOpenStreams(ctx, 0); err != nil {
				t.Errorf("%s (filter %v): the upstream stream was still open a second later", leave, filter)
			}
			cancel()
		}
	}
}

// A live tail whose upstream is silent when its subscriber leaves closes
// it all the same: the leaving itself, not a next line, ends it.
func TestLeavingASilentLiveTailClosesTheUpstream(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	// A line when the test lets one go, none otherwise; every line passes
	// the filter.
	gate := fake.GateLogs(t)
	live := logVars(map[string]any{"services": []string{"all"}})
	// With a limit, a subscription follows its own stream, not the hub's.
	own := logVars(map[string]any{"services": []string{"all"}, "limit": 1000})
	for _, vars := range []map[string]any{live, own} {
		for _, leave := range leavings {
			leaveAfterOneLine(t, fake, srv, leave, vars, gate.Let)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			if err := fake.WaitOpenStreams(ctx, 0); err != nil {
				t.Errorf("%s, filter %v: the silent upstream stream was still open a second later", leave, vars["f"])
			}
			cancel()
		}
	}
}

// The ways a subscriber leaves: graphql-transport-ws complete, closing the
// websocket, closing an SSE stream.
var leavings = []string{"complete", "disconnect", "SSE disconnect"}

// leaveAfterOneLine subscribes to the logs as alice (over SSE for "SSE
// disconnect", else over a websocket), calls line, reads the first line,
// checks that one upstream stream is open, and leaves as leave says. A
// websocket that only completed its subscription stays open until the test
// ends.
func leaveAfterOneLine(t *testing.T, fake *upstreamtest.Server, srv *httptest.Server, leave string, vars map[string]any, line func()) {
	t.Helper()
	if leave == "SSE disconnect" {
		resp := subscribeSSE(t, srv, vars)
		line()
		awaitSSENext(t, resp)
		if n := fake.OpenStreams(); n != 1 {
			t.Fatalf("%s: %d open streams", leave, n)
		}
		_ = resp.Body.Close()
		return
	}
	c := subscribe(t, srv, vars) // closed when the test ends
	line()
	if m := read(t, c); m.Type != "next" {
		t.Fatalf("%s: got %+v", leave, m)
	}
	if n := fake.OpenStreams(); n != 1 {
		t.Fatalf("%s: %d open streams", leave, n)
	}
	if leave == "complete" {
		send(t, c, map[string]any{"id": "1", "type": "complete"})
	} else {
		_ = c.Close()
	}
}

// No goroutine outlives its subscription.
func TestGoroutinesReturnToBaseline(t *testing.T) {
	fake, srv, tr := subEnv(t)
	// goroutines closes idle connections, then counts, until done says
	// the count is right or 10 s pass.
	goroutines := func(done func(n, last int) bool) int {
		deadline := time.Now().Add(10 * time.Second)
		last := -1
		for {
			tr.CloseIdleConnections()
			srv.CloseClientConnections()
			n := runtime.NumGoroutine()
			if done(n, last) || time.Now().After(deadline) {
				return n
			}
			last = n
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Warm up once, so that lazily started goroutines count in the baseline.
	c := subscribe(t, srv, logVars(map[string]any{"since": upstreamtest.LogsBase.Format(time.RFC3339), "limit": 1}))
	readLogs(t, c)
	_ = c.Close()
	base := goroutines(func(n, last int) bool { return n == last }) // stable

	var conns []*websocket.Conn
	for i := 0; i < 100; i++ {
		c := subscribe(t, srv, logVars(map[string]any{"since": upstreamtest.LogsBase.Format(time.RFC3339)}))
		if m := read(t, c); m.Type != "next" {
			t.Fatalf("subscription %d: %+v", i, m)
		}
		conns = append(conns, c)
	}
	if n := fake.OpenStreams(); n != 100 {
		t.Fatalf("%d open streams, want 100", n)
	}
	for i, c := range conns {
		if i%2 == 0 {
			send(t, c, map[string]any{"id": "1", "type": "complete"})
		}
		_ = c.Close()
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Fatalf("%d upstream streams still open", fake.OpenStreams())
	}
	if n := goroutines(func(n, _ int) bool { return n <= base }); n > base {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after 100 subscriptions closed, baseline %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// subscribeLegacy starts the logs subscription as alice, with id "7", on
// the legacy graphql-ws protocol.
func subscribeLegacy(t *testing.T, srv *httptest.Server, vars map[string]any) *websocket.Conn {
	t.Helper()
	c, _, err := wsDial(t, srv, "graphql-ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	send(t, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice}})
	read(t, c)
	send(t, c, map[string]any{"id": "7", "type": "start", "payload": map[string]any{"query": logsSubscription, "variables": vars}})
	return c
}

func TestLegacyProtocolAndSSE(t *testing.T) {
	t.Parallel()
	_, srv, _ := subEnv(t)
	vars := logVars(map[string]any{"since": upstreamtest.LogsBase.Format(time.RFC3339), "limit": 3})

	c := subscribeLegacy(t, srv, vars)
	var n int
	for m := read(t, c); m.Type != "complete"; m = read(t, c) {
		if m.Type != "data" || m.ID != "7" || !strings.Contains(string(m.Payload), `"message"`) {
			t.Fatalf("graphql-ws: %s %s", m.Type, m.Payload)
		}
		n++
	}
	if n != 3 {
		t.Errorf("graphql-ws delivered %d lines, want 3", n)
	}

	resp := subscribeSSE(t, srv, vars)
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "event:") {
			events = append(events, strings.TrimSpace(strings.TrimPrefix(line, "event:")))
		}
	}
	if diff := cmp.Diff([]string{"next", "next", "next", "complete"}, events); diff != "" {
		t.Errorf("SSE events (-want +got):\n%s", diff)
	}
}

func TestSubscriptionsPerConnectionAreBounded(t *testing.T) {
	t.Parallel()
	srv := newServer(t, newEnvWith(t, func(o *gateway.Options) { o.MaxSubscriptionsPerConnection = 2 }).gw)
	c := subscribe(t, srv, logVars(nil)) // id 1
	start := func(id string) {
		send(t, c, map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": logsSubscription, "variables": logVars(nil)}})
	}
	// next returns the first message for id (others keep streaming).
	next := func(id string) wsMessage {
		for {
			if m := read(t, c); m.ID == id {
				return m
			}
		}
	}
	if m := next("1"); m.Type != "next" {
		t.Fatalf("first subscription: %+v", m)
	}
	start("2")
	if m := next("2"); m.Type != "next" || strings.Contains(string(m.Payload), "errors") {
		t.Fatalf("second subscription: %s %s", m.Type, m.Payload)
	}
	start("3")
	if m := next("3"); m.Type != "next" || !strings.Contains(string(m.Payload), "QUERY_TOO_COMPLEX") {
		t.Fatalf("third subscription: %s %s", m.Type, m.Payload)
	}
	send(t, c, map[string]any{"id": "1", "type": "complete"})
	// The slot comes back once subscription 1 has ended: new ones are
	// accepted from then on.
	deadline := time.Now().Add(10 * time.Second)
	for n := 4; ; n++ {
		id := strconv.Itoa(n)
		start(id)
		m := next(id)
		if m.Type == "next" && !strings.Contains(string(m.Payload), "errors") {
			return
		}
		if !strings.Contains(string(m.Payload), "QUERY_TOO_COMPLEX") || time.Now().After(deadline) {
			t.Fatalf("a subscription after one ended: %s %s", m.Type, m.Payload)
		}
	}
}

// A query or mutation over a websocket is bounded as over HTTP: it ends at
// RequestTimeout, and it holds one of the socket's slots until it has
// answered. Without either, one anonymous socket could start any number of
// operations, each waiting without end for an upstream that does not
// answer.
func TestWebsocketQueriesHaveADeadlineAndASlot(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(o *gateway.Options) {
		o.RequestTimeout = 300 * time.Millisecond
		o.MaxSubscriptionsPerConnection = 3
	})
	srv := newServer(t, e.gw)
	gate := make(chan struct{})
	defer close(gate)
	e.fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Hold: gate})
	c := connect(t, srv, nil) // anonymous: zones are public
	for i := range 5 {
		send(t, c, map[string]any{"id": strconv.Itoa(i), "type": "subscribe", "payload": map[string]any{"query": `{ zones { name } }`}})
	}
	// Each operation answers, then completes; operations interleave.
	codes, completed := map[string]int{}, map[string]bool{}
	for range 10 {
		m := read(t, c) // within 5 s: the held ones end at 300 ms
		switch {
		case m.Type == "complete" && !completed[m.ID]:
			completed[m.ID] = true
		case m.Type == "next":
			var r response
			if err := json.Unmarshal(m.Payload, &r); err != nil || len(r.Errors) == 0 {
				t.Fatalf("got %s, want an error", m.Payload)
			}
			codes[r.Errors[0].code()]++
		default:
			t.Fatalf("got %+v, want an answer or a first complete", m)
		}
	}
	if len(completed) != 5 {
		t.Errorf("%d operations completed, want 5", len(completed))
	}
	if want := map[string]int{"UPSTREAM_TIMEOUT": 3, "QUERY_TOO_COMPLEX": 2}; !cmp.Equal(codes, want) {
		t.Errorf("codes %v, want %v: three held until the deadline, two refused for want of a slot", codes, want)
	}
	// The slots came back: a query answers once the upstream does.
	e.fake.ClearFaults()
	send(t, c, map[string]any{"id": "after", "type": "subscribe", "payload": map[string]any{"query": `{ zones { name } }`}})
	if m := read(t, c); m.Type != "next" || m.ID != "after" || strings.Contains(string(m.Payload), "errors") {
		t.Errorf("a query once the slots came back: %+v %s", m, m.Payload)
	}
}
