package gateway_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// Subscribers of one live tail share each line's rendering when they select
// the same fields (resolvers.LiveTail); every other selection of the same
// stream, however close, must still get exactly its own fields, names and
// order. Each subscription below follows the same application on one
// socket; the first is the reference for the lines' values.
func TestLiveTailSubscribersGetTheirOwnSelection(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	fake.SetLogInterval(5 * time.Millisecond)
	const args = `(ownerId: $o, applicationId: $a)`
	type field struct{ alias, name string }
	subs := []struct {
		query  string
		vars   map[string]any
		root   string
		fields []field
	}{
		{query: `{ id date message }`, fields: []field{{"id", "id"}, {"date", "date"}, {"message", "message"}}},
		{query: `{ id date message }`, fields: []field{{"id", "id"}, {"date", "date"}, {"message", "message"}}},
		{query: `{ ...F } fragment F on LogLine { id date message }`, fields: []field{{"id", "id"}, {"date", "date"}, {"message", "message"}}},
		{query: `{ message date id }`, fields: []field{{"message", "message"}, {"date", "date"}, {"id", "id"}}},
		{query: `{ m: message, d: date, id }`, fields: []field{{"m", "message"}, {"d", "date"}, {"id", "id"}}},
		{query: `{ id message: date date: message }`, fields: []field{{"id", "id"}, {"message", "date"}, {"date", "message"}}},
		{query: `{ id date: message message: date }`, fields: []field{{"id", "id"}, {"date", "message"}, {"message", "date"}}},
		{query: `{ id date message __typename }`, fields: []field{{"id", "id"}, {"date", "date"}, {"message", "message"}, {"__typename", "__typename"}}},
		{query: `{ id date message @include(if: $yes) }`, vars: map[string]any{"yes": true}, fields: []field{{"id", "id"}, {"date", "date"}, {"message", "message"}}},
		{query: `{ id date @skip(if: $yes) message @include(if: $yes) }`, vars: map[string]any{"yes": true}, fields: []field{{"id", "id"}, {"message", "message"}}},
		{query: `{ id date message }`, root: "logs", fields: []field{{"id", "id"}, {"date", "date"}, {"message", "message"}}},
	}
	c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice})
	for i, s := range subs {
		field := "applicationLogs"
		if s.root != "" {
			field = s.root + ": applicationLogs"
		}
		fragments := ""
		sel := s.query
		if j := bytes.Index([]byte(sel), []byte(" fragment ")); j >= 0 {
			sel, fragments = sel[:j], sel[j:]
		}
		yes := ""
		if s.vars != nil {
			yes = ", $yes: Boolean!"
		}
		q := fmt.Sprintf(`subscription($o: ID!, $a: ID!%s) { %s%s %s }%s`, yes, field, args, sel, fragments)
		vars := logVars(nil)
		for k, v := range s.vars {
			vars[k] = v
		}
		send(t, c, map[string]any{"id": fmt.Sprint(i), "type": "subscribe", "payload": map[string]any{"query": q, "variables": vars}})
	}

	// Read until every subscription has seen the same 20 lines.
	got := make([]map[string]string, len(subs)) // line id → payload
	for i := range got {
		got[i] = map[string]string{}
	}
	var ids []string // lines every subscription has seen, in the reference's order
	refs := map[string]map[string]any{}
	deadline := time.Now().Add(20 * time.Second)
	for len(ids) < 20 && time.Now().Before(deadline) {
		m := read(t, c)
		if m.Type != "next" {
			t.Fatalf("subscription %s: %s %s", m.ID, m.Type, m.Payload)
		}
		var i int
		fmt.Sscan(m.ID, &i)
		var ev struct {
			Data   map[string]map[string]any
			Errors []gqlError
		}
		if err := json.Unmarshal(m.Payload, &ev); err != nil || len(ev.Errors) > 0 {
			t.Fatalf("subscription %d: %s (%v)", i, m.Payload, err)
		}
		line := ev.Data[cmp.Or(subs[i].root, "applicationLogs")]
		id, _ := line["id"].(string)
		got[i][id] = string(m.Payload)
		if i == 0 {
			refs[id] = line
		}
		ids = ids[:0]
		for id := range refs {
			seen := true
			for j := range subs {
				_, ok := got[j][id]
				seen = seen && ok
			}
			if seen {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) < 20 {
		t.Fatalf("only %d lines reached every subscription", len(ids))
	}
	for _, id := range ids {
		ref := refs[id]
		ref["__typename"] = "LogLine"
		for i, s := range subs {
			var want bytes.Buffer
			fmt.Fprintf(&want, `{"data":{%q:{`, cmp.Or(s.root, "applicationLogs"))
			for k, f := range s.fields {
				v, err := json.Marshal(ref[f.name])
				if err != nil {
					t.Fatal(err)
				}
				if k > 0 {
					want.WriteByte(',')
				}
				fmt.Fprintf(&want, "%q:%s", f.alias, v)
			}
			want.WriteString("}}}")
			if got[i][id] != want.String() {
				t.Errorf("subscription %d (%s), line %s:\n got %s\nwant %s", i, s.query, id, got[i][id], want.String())
			}
		}
	}
}

// A live tail followed over SSE and over the legacy websocket protocol at
// once: both get the same line as the same data, whichever rendered it.
func TestLiveTailAcrossTransports(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	fake.SetLogInterval(5 * time.Millisecond)
	resp := subscribeSSE(t, srv, logVars(nil))
	guard := time.AfterFunc(10*time.Second, func() { _ = resp.Body.Close() }) // no endless scan
	defer guard.Stop()
	sse := bufio.NewScanner(resp.Body)
	for sse.Scan() && !strings.HasPrefix(sse.Text(), "data: ") { // SSE follows the tail already
	}
	c := subscribeLegacy(t, srv, logVars(nil))

	// The websocket's first line, then the SSE stream until that line.
	m := read(t, c)
	var ev struct {
		Data struct{ ApplicationLogs struct{ ID string } }
	}
	if err := json.Unmarshal(m.Payload, &ev); m.Type != "data" || err != nil || ev.Data.ApplicationLogs.ID == "" {
		t.Fatalf("graphql-ws: %s %s (%v)", m.Type, m.Payload, err)
	}
	id := ev.Data.ApplicationLogs.ID
	for sse.Scan() {
		data, ok := strings.CutPrefix(sse.Text(), "data: ")
		if !ok || !strings.Contains(data, `"id":"`+id+`"`) {
			continue
		}
		var a, b any
		if json.Unmarshal([]byte(data), &a) != nil || json.Unmarshal(m.Payload, &b) != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("line %s:\n SSE %s\n  ws %s", id, data, m.Payload)
		}
		return
	}
	t.Fatalf("the SSE stream ended before line %s: %v", id, sse.Err())
}

// Live tails of the same application, token and filter share one upstream
// stream across sockets; another application or another filter has its own.
func TestLiveTailsShareTheirUpstreamStream(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	fake.SetLogInterval(5 * time.Millisecond)
	follow := func(vars map[string]any) {
		t.Helper()
		c := subscribe(t, srv, vars)
		if m := read(t, c); m.Type != "next" {
			t.Fatalf("got %s %s", m.Type, m.Payload)
		}
	}
	streams := func(want int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := fake.WaitOpenStreams(ctx, want); err != nil {
			t.Fatalf("%d upstream streams open, want %d", fake.OpenStreams(), want)
		}
	}
	follow(logVars(nil))
	follow(logVars(nil))
	streams(1)
	other := logVars(nil)
	other["a"] = upstreamtest.AcmeKeycloakAppID
	follow(other)
	streams(2)
	follow(logVars(map[string]any{"contains": "line"}))
	streams(3)
}

// smallSendBuffers gives every accepted connection a small send buffer, so
// that a client that stops reading blocks the gateway's writes soon.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// A client that stops reading is not buffered for without bound: its
// buffer fills (a live tail's hub drops it at once, a follow from a date
// after SlowClient), the upstream stream it alone followed closes, and once
// the client reads again it gets every line it was sent, in order and
// without a gap, then RATE_LIMITED, then the end.
func TestSlowClientEndsWithRateLimited(t *testing.T) {
	t.Parallel()
	for _, since := range []string{"", upstreamtest.LogsBase.Format(time.RFC3339)} {
		name := "live tail"
		if since != "" {
			name = "since"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			slowClient(t, since)
		})
	}
}

func slowClient(t *testing.T, since string) {
	e := newEnvWith(t, func(o *gateway.Options) { o.Logs = logtail.Config{Buffer: 8, SlowClient: 100 * time.Millisecond} })
	e.fake.SetLogInterval(time.Millisecond)
	srv := httptest.NewUnstartedServer(e.gw)
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4 << 10)
		}
		return c, err
	}}
	c, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	send(t, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice}})
	if m := read(t, c); m.Type != "connection_ack" {
		t.Fatalf("got %+v", m)
	}
	filter := map[string]any{"services": []string{"all"}} // lines numbered without a gap
	if since != "" {
		filter["since"] = since
	}
	every := logVars(filter)
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": logsSubscription, "variables": every}})

	// seq reads a "next" message: its line's sequence number, or its error.
	seq := func(m wsMessage) (int, *gqlError) {
		t.Helper()
		var ev struct {
			Data   struct{ ApplicationLogs *struct{ ID string } }
			Errors []gqlError
		}
		if err := json.Unmarshal(m.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		if len(ev.Errors) > 0 {
			return 0, &ev.Errors[0]
		}
		id := ev.Data.ApplicationLogs.ID
		n, err := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
		if err != nil {
			t.Fatalf("line id %q", id)
		}
		return n, nil
	}
	m := read(t, c)
	if m.Type != "next" {
		t.Fatalf("got %s %s", m.Type, m.Payload)
	}
	prev, _ := seq(m)

	// The client reads nothing until the gateway has given up on it.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := e.fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Fatalf("%d upstream streams still open for a client that reads nothing", e.fake.OpenStreams())
	}

	lines := 0
	for {
		m := read(t, c)
		if m.Type != "next" {
			t.Fatalf("after %d more lines: %s %s, want the lines then RATE_LIMITED", lines, m.Type, m.Payload)
		}
		n, gqlErr := seq(m)
		if gqlErr != nil {
			if gqlErr.code() != "RATE_LIMITED" || !strings.Contains(gqlErr.Message, "too slowly") {
				t.Fatalf("after %d more lines: %+v", lines, gqlErr)
			}
			break
		}
		if n != prev+1 {
			t.Fatalf("line %d after line %d", n, prev)
		}
		prev = n
		lines++
	}
	if lines < 8 {
		t.Errorf("%d lines before the error, want at least the buffer's 8", lines)
	}
	if m := read(t, c); m.Type != "complete" {
		t.Errorf("after the error: %s %s", m.Type, m.Payload)
	}
}

// A client that leaves while its live tail's upstream stream opens leaves
// no stream behind, on an application that logs nothing too (the hub used
// to keep such a stream, on heartbeats, until a line came: for good).
func TestLiveTailLeftDuringItsOpenClosesItsStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := newServer(t, e.gw)
	e.fake.SetHeartbeatInterval(200 * time.Millisecond) // the stream stays alive on heartbeats
	e.fake.SetLatency(300 * time.Millisecond)           // the open takes 300 ms
	for i := range 10 {
		c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice})
		vars := logVars(map[string]any{"contains": fmt.Sprintf("never-matches-%d", i)}) // a topic of its own
		send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": logsSubscription, "variables": vars}})
		time.Sleep(100 * time.Millisecond) // the open is under way
		_ = c.Close()
	}
	time.Sleep(500 * time.Millisecond) // every open has answered
	waitNoStreams(t, e.fake)
}

// A token holds a bounded number of upstream log streams: a subscription
// that would open one more gets RATE_LIMITED, saying why, and makes no
// call; one that shares a live tail already open needs no stream of its
// own and is served.
func TestLogStreamsPerTokenAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, nil, upstream.WithMaxStreamsPerToken(1))
	srv := newServer(t, e.gw)
	first := subscribe(t, srv, logVars(nil))
	if m := read(t, first); m.Type != "next" || strings.Contains(string(m.Payload), "errors") {
		t.Fatalf("first subscription: %+v %s", m, m.Payload)
	}
	shared := subscribe(t, srv, logVars(nil)) // the same live tail
	if m := read(t, shared); m.Type != "next" || strings.Contains(string(m.Payload), "errors") {
		t.Fatalf("a subscription sharing the live tail: %+v %s", m, m.Payload)
	}
	calls := len(e.fake.Requests())
	other := subscribe(t, srv, logVars(map[string]any{"services": []string{"app"}})) // a stream of its own
	m := read(t, other)
	var r response
	if err := json.Unmarshal(m.Payload, &r); err != nil || len(r.Errors) != 1 || r.Errors[0].code() != "RATE_LIMITED" ||
		!strings.Contains(r.Errors[0].Message, "as many log streams as the gateway opens for one caller") {
		t.Fatalf("a second stream: %s %s, want RATE_LIMITED", m.Type, m.Payload)
	}
	if n := len(e.fake.Requests()) - calls; n != 0 {
		t.Errorf("the refused subscription made %d calls", n)
	}
}
