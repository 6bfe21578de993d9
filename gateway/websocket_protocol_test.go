package gateway_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// waitNoStreams fails the test unless the fake's upstream log streams all
// close within 5 s.
func waitNoStreams(t *testing.T, fake *upstreamtest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Fatal(err)
	}
}

// A second subscribe with the id of a running one closes the socket with
// 4409, and the close ends the first: its upstream stream closes.
func TestWebsocketDuplicateIDCloses4409(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	c := subscribe(t, srv, logVars(nil)) // a live tail, id 1
	if m := read(t, c); m.Type != "next" || m.ID != "1" {
		t.Fatalf("got %+v, want a line", m)
	}
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": logsSubscription, "variables": logVars(nil)}})
	err := closedWith(c)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4409 || ce.Text != "Subscriber for 1 already exists" {
		t.Fatalf("got %v, want close 4409 Subscriber for 1 already exists", err)
	}
	waitNoStreams(t, fake)
}

// The legacy protocol closes on a duplicate id just as well (see
// admitLegacy for why a close rather than an error message).
func TestLegacyDuplicateIDCloses4409(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	c := subscribeLegacy(t, srv, logVars(nil)) // id 7
	if m := read(t, c); m.Type != "data" || m.ID != "7" {
		t.Fatalf("got %+v, want a line", m)
	}
	send(t, c, map[string]any{"id": "7", "type": "start", "payload": map[string]any{"query": logsSubscription, "variables": logVars(nil)}})
	wantClose(t, c, 4409)
	waitNoStreams(t, fake)
}

func TestWebsocketSubscribeBeforeAckCloses4401(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	c := dialRaw(t, srv)
	send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "{ zones { name } }"}})
	wantClose(t, c, 4401)
}

func TestWebsocketSecondInitCloses4429(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	c := connect(t, srv, nil)
	send(t, c, map[string]any{"type": "connection_init"})
	wantClose(t, c, 4429)
}

// A message that breaks the protocol closes the socket with 4400 and the
// protocol's reason, which clients read as an error, never 1000 (a normal
// close). gqlgen, left to itself, accepts some of these, and closes on the
// others with 1000 or, when the adapter's last resort comes first, 4400
// "invalid message": the reason tells the two apart.
func TestWebsocketInvalidMessagesClose4400(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	subscribe := `{"id":"1","type":"subscribe","payload":{"query":"{ zones { name } }"}}`
	for name, tc := range map[string]struct {
		frame int
		msg   string
	}{
		"not JSON":                {websocket.TextMessage, `{"type":"ping"`},
		"not an object":           {websocket.TextMessage, `["ping"]`},
		"unknown type":            {websocket.TextMessage, `{"type":"hello"}`},
		"a server's type":         {websocket.TextMessage, `{"id":"1","type":"next","payload":{}}`},
		"subscribe without an id": {websocket.TextMessage, `{"type":"subscribe","payload":{"query":"{ zones { name } }"}}`},
		"subscribe with id \"\"":  {websocket.TextMessage, `{"id":"","type":"subscribe","payload":{"query":"{ zones { name } }"}}`},
		"an id that is no string": {websocket.TextMessage, `{"id":1,"type":"subscribe","payload":{"query":"{ zones { name } }"}}`},
		"complete without an id":  {websocket.TextMessage, `{"type":"complete"}`},
		"a binary frame":          {websocket.BinaryMessage, subscribe},
		// A subscribe's payload of another shape than PROTOCOL.md's:
		// gqlgen would answer with an error message, or a GraphQL error.
		"subscribe without a payload":            {websocket.TextMessage, `{"id":"1","type":"subscribe"}`},
		"a payload that is no object":            {websocket.TextMessage, `{"id":"1","type":"subscribe","payload":"{ zones { name } }"}`},
		"a payload of null":                      {websocket.TextMessage, `{"id":"1","type":"subscribe","payload":null}`},
		"a query that is no string":              {websocket.TextMessage, `{"id":"1","type":"subscribe","payload":{"query":5}}`},
		"no query":                               {websocket.TextMessage, `{"id":"1","type":"subscribe","payload":{"variables":{}}}`},
		"variables that are no object":           {websocket.TextMessage, `{"id":"1","type":"subscribe","payload":{"query":"{ zones { name } }","variables":[1]}}`},
		"an operationName that is no string":     {websocket.TextMessage, `{"id":"1","type":"subscribe","payload":{"query":"{ zones { name } }","operationName":1}}`},
		"extensions that are no object":          {websocket.TextMessage, `{"id":"1","type":"subscribe","payload":{"query":"{ zones { name } }","extensions":"x"}}`},
		"no query, and extensions that are null": {websocket.TextMessage, `{"id":"1","type":"subscribe","payload":{"extensions":null}}`},
	} {
		t.Run(name, func(t *testing.T) {
			c := connect(t, srv, nil)
			if err := c.WriteMessage(tc.frame, []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			err := closedWith(c)
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != 4400 || !strings.HasPrefix(ce.Text, "Invalid message received") {
				t.Fatalf("got %v, want close 4400 Invalid message received", err)
			}
		})
	}
}

// Payloads of the protocol's shape pass, however they are spaced, with
// null for what they leave out, or without a query when they name a
// persisted query.
func TestWebsocketSubscribePayloadsThatPass(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	const query = "{ zones { name } }"
	sum := sha256.Sum256([]byte(query))
	apq := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	c := connect(t, srv, nil)
	for id, payload := range []string{
		` { "query" : "` + query + `" , "variables" : null, "operationName" : null, "extensions" : null } `,
		`{"query":"` + query + `","variables":{},"operationName":"","extensions":{}}`,
		`{"query":"` + query + `","extensions":` + apq + `}`, // registers it
		`{"extensions":` + apq + `}`,
		`{"query":null,"extensions":` + apq + `}`,
	} {
		msg := fmt.Sprintf(`{"id":"%d","type":"subscribe","payload":%s}`, id, payload)
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if m := read(t, c); m.Type != "next" || m.ID != strconv.Itoa(id) || !strings.Contains(string(m.Payload), `"zones"`) {
			t.Fatalf("payload %s: got %+v, want the zones", payload, m)
		}
		if m := read(t, c); m.Type != "complete" {
			t.Fatalf("payload %s: got %+v, want complete", payload, m)
		}
	}
}

// A session by the book still works: an id is free again once its
// subscription is complete, and a complete stops the subscription that
// reused it. The client reuses the id at once, before gqlgen has ended the
// first one, which gqlgen alone mixes up (it forgets the second one when
// the first ends); rounds make that show whatever the timing.
func TestWebsocketReusesACompletedID(t *testing.T) {
	t.Parallel()
	fake, srv, _ := subEnv(t)
	c := subscribe(t, srv, logVars(nil)) // a live tail, id 1
	if m := read(t, c); m.Type != "next" || m.ID != "1" {
		t.Fatalf("got %+v, want a line", m)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for round := range 5 {
		send(t, c, map[string]any{"id": "1", "type": "complete"})
		send(t, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": logsSubscription, "variables": logVars(nil)}})
		// Lines of the running subscription may come before its end
		// (gqlgen writes a complete for it); the next one's lines after.
		for m := read(t, c); m.Type != "complete"; m = read(t, c) {
			if m.Type != "next" || m.ID != "1" {
				t.Fatalf("got %+v, want a line or the subscription's complete", m)
			}
			if ctx.Err() != nil {
				t.Fatalf("round %d: the complete did not stop the subscription", round)
			}
		}
		if m := read(t, c); m.Type != "next" || m.ID != "1" {
			t.Fatalf("got %+v, want a line of the next subscription", m)
		}
	}
	send(t, c, map[string]any{"id": "1", "type": "complete"})
	waitNoStreams(t, fake)
	// The socket still serves.
	send(t, c, map[string]any{"id": "2", "type": "subscribe", "payload": map[string]any{"query": "{ zones { name } }"}})
	for {
		m := read(t, c)
		if m.ID == "2" {
			if m.Type != "next" {
				t.Fatalf("got %+v, want the zones", m)
			}
			break
		}
		if m.ID != "1" || (m.Type != "next" && m.Type != "complete") {
			t.Fatalf("got %+v", m)
		}
	}
}

// A ping may come at any time, connection_init or not: one before it is
// answered (gqlgen would close with 1002), and a pong or a complete then
// is let go.
func TestWebsocketPingBeforeInit(t *testing.T) {
	t.Parallel()
	_, srv := wsEnv(t)
	c := dialRaw(t, srv)
	send(t, c, map[string]any{"type": "pong"})
	send(t, c, map[string]any{"id": "1", "type": "complete"})
	send(t, c, map[string]any{"type": "ping", "payload": map[string]any{"n": 1}})
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m wsMessage
	if err := c.ReadJSON(&m); err != nil || m.Type != "pong" || string(m.Payload) != `{"n":1}` {
		t.Fatalf("got %+v, %v; want a pong with the ping's payload", m, err)
	}
	send(t, c, map[string]any{"type": "connection_init"})
	if m := read(t, c); m.Type != "connection_ack" {
		t.Fatalf("got %+v, want connection_ack", m)
	}
}
