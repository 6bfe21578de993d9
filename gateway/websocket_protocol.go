package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The adapter keeps the protocol rules that gqlgen's websocket transport
// does not. It reads each message the client sends in full, decodes only
// its type and id, and either hands gqlgen the bytes or closes the socket
// with the code PROTOCOL.md of graphql-transport-ws gives. gqlgen would
// otherwise run two subscriptions under one id (a complete stops one of
// them, and the other runs until the socket closes), close with 1002 where
// the protocol has its own codes, and close with 1000 "terminated", which
// clients take for a normal end, on a message it cannot read. It would
// also run a subscribe without an id, and read a binary frame as text.
//
// A client sends few messages, and small ones (connection_init, subscribe,
// complete, ping and pong; the read limit bounds them), so reading them
// whole costs little. What the server writes is checked for one thing
// only: whether the message ends an operation (complete or error), which
// frees its id.
//
// The spec: https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md

// Close codes of graphql-transport-ws that the adapter sends (4403 is
// gqlgen's, see [closeForbidden]).
const (
	closeBadRequest       = 4400 // the client broke the protocol
	closeUnauthorized     = 4401 // subscribe before connection_ack
	closeSubscriberExists = 4409 // an id already running
	closeTooManyInits     = 4429 // a second connection_init
)

// reuseWait bounds how long a subscribe waits for gqlgen to end an
// operation the client completed under the same id: gqlgen ends it at
// once, unless writing its complete to a slow client blocks.
const reuseWait = 15 * time.Second

// operations is a socket's protocol state: whether connection_init came,
// and the ids of the operations running on it.
type operations struct {
	initialised bool // read and written by the reading goroutine only

	mu sync.Mutex
	// running holds an operation from its subscribe until gqlgen writes
	// its complete or error: true once the client has completed it too.
	// A client may reuse an id as soon as it has sent complete, but gqlgen
	// drops an operation from its own map by id only after writing its
	// complete; a new one under that id registered before would be the
	// one dropped, and run on after its complete. So a subscribe that
	// reuses an id waits until the old one's end is written: gqlgen drops
	// it right after, while the new one is still being decoded and
	// validated. (A map of one id: 256 bytes a socket, once subscribed.)
	running map[string]bool
	// freed is closed when an id is freed or the socket closes, while a
	// subscribe waits; nil otherwise.
	freed chan struct{}
}

// protocolClose is what NextReader returns once the adapter has closed
// the socket: gqlgen, reading it, ends the connection.
type protocolClose struct {
	code   int
	reason string
}

func (e *protocolClose) Error() string {
	return fmt.Sprintf("websocket closed by the gateway: %d %s", e.code, e.reason)
}

// reject closes the socket with code and reason.
func (c *gorillaConn) reject(code int, reason string) error {
	_ = c.WriteClose(code, reason)
	return &protocolClose{code, reason}
}

// clientMessage is what the adapter reads of a client's message.
type clientMessage struct {
	Type    string          `json:"type"`
	ID      *string         `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// subscribePayload is a subscribe's payload as PROTOCOL.md shapes it:
// query a string; variables and extensions objects or null; operationName
// a string or null. The query may be left out only for a persisted query,
// which extensions then names.
type subscribePayload struct {
	Query         *string         `json:"query"`
	OperationName *string         `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// badSubscribePayload says what is wrong with a subscribe's payload; ""
// when nothing is. gqlgen would answer a payload it cannot decode with an
// error message ("invalid json") and one without a query with a GraphQL
// error: the protocol closes the socket on a message of another shape.
func badSubscribePayload(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '{' {
		return "Invalid message received: a subscribe's payload must be an object"
	}
	var p subscribePayload
	if json.Unmarshal(raw, &p) != nil || !objectOrNull(p.Variables) || !objectOrNull(p.Extensions) {
		return "Invalid message received: a subscribe's payload has a field of the wrong type"
	}
	if p.Query == nil && (len(p.Extensions) == 0 || p.Extensions[0] != '{') {
		return "Invalid message received: a subscribe's payload must hold a query"
	}
	return ""
}

// objectOrNull reports whether raw, valid JSON or nothing, is an object,
// null, or left out.
func objectOrNull(raw json.RawMessage) bool {
	return len(raw) == 0 || raw[0] == '{' || string(raw) == "null"
}

// admit decides on one message the client sent: pass hands it to gqlgen;
// an error means the socket is closed.
func (c *gorillaConn) admit(frame int, msg []byte) (pass bool, err error) {
	if c.conn.Subprotocol() != graphqlTransportWS {
		return c.admitLegacy(msg)
	}
	if frame != websocket.TextMessage {
		return false, c.reject(closeBadRequest, "Invalid message received: a binary frame")
	}
	var m clientMessage
	if err := json.Unmarshal(msg, &m); err != nil {
		return false, c.reject(closeBadRequest, "Invalid message received: not JSON, or a field of the wrong type")
	}
	op := &c.ops
	switch m.Type {
	case "connection_init":
		if op.initialised {
			return false, c.reject(closeTooManyInits, "Too many initialisation requests")
		}
		op.initialised = true
		return true, nil
	case "ping", "pong":
		if !op.initialised { // gqlgen would close with 1002: it reads only connection_init first
			return false, c.pongEarly(m.Type, msg)
		}
		return true, nil
	case "subscribe":
		if m.ID == nil || *m.ID == "" {
			return false, c.reject(closeBadRequest, "Invalid message received: subscribe without an id")
		}
		// gqlgen reads the message after connection_init only once it has
		// answered it: initialised means acknowledged here.
		if !op.initialised {
			return false, c.reject(closeUnauthorized, "Unauthorized")
		}
		if bad := badSubscribePayload(m.Payload); bad != "" {
			return false, c.reject(closeBadRequest, bad)
		}
		return true, c.start(*m.ID)
	case "complete":
		if m.ID == nil || *m.ID == "" {
			return false, c.reject(closeBadRequest, "Invalid message received: complete without an id")
		}
		if !op.initialised { // nothing runs yet
			return false, nil
		}
		op.stopping(*m.ID)
		return true, nil
	default:
		return false, c.reject(closeBadRequest, "Invalid message received: an unknown type")
	}
}

// admitLegacy keeps, on the legacy graphql-ws protocol, the one rule of
// ids: a start with the id of a running operation closes the socket with
// 4409, as on graphql-transport-ws. The legacy protocol has no rule for
// it. Its reference server stopped the first operation; an error message
// for the id would tell a client that the operation failed while it goes
// on, and subscriptions-transport-ws drops an operation on its error. Only
// a broken client reuses a running id; closing ends every operation it
// can no longer tell apart, and legacy clients reconnect. Everything else
// goes to gqlgen as it came, a message the adapter cannot read included.
func (c *gorillaConn) admitLegacy(msg []byte) (bool, error) {
	var m clientMessage
	if json.Unmarshal(msg, &m) != nil {
		return true, nil
	}
	var id string // gqlgen runs a start without an id under ""
	if m.ID != nil {
		id = *m.ID
	}
	switch m.Type {
	case "start":
		return true, c.start(id)
	case "stop":
		c.ops.stopping(id)
	}
	return true, nil
}

// pongEarly answers a ping that comes before connection_init, as the
// protocol allows a ping at any time; a pong then is dropped.
func (c *gorillaConn) pongEarly(typ string, msg []byte) error {
	if typ != "ping" {
		return nil
	}
	var ping struct {
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	_ = json.Unmarshal(msg, &ping) // msg is valid JSON: admit decoded it
	return c.WriteJSON(&struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		Type    string          `json:"type"`
	}{ping.Payload, "pong"})
}

// start records a new operation under id, first waiting for gqlgen to end
// one the client has completed under it; an id that runs closes the
// socket with 4409.
func (c *gorillaConn) start(id string) error {
	op := &c.ops
	var timeout <-chan time.Time
	for {
		op.mu.Lock()
		stopping, taken := op.running[id]
		if !taken {
			if op.running == nil {
				op.running = map[string]bool{}
			}
			op.running[id] = false
			op.mu.Unlock()
			return nil
		}
		if !stopping {
			op.mu.Unlock()
			return c.reject(closeSubscriberExists, "Subscriber for "+printable(id)+" already exists")
		}
		if op.freed == nil {
			op.freed = make(chan struct{})
		}
		freed := op.freed
		op.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(reuseWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-freed:
			if c.closed.Load() {
				return net.ErrClosed
			}
		case <-timeout:
			return c.reject(closeSubscriberExists, "Subscriber for "+printable(id)+" already exists")
		}
	}
}

// printable returns id for a close reason, which must be short UTF-8: as
// it is when it is short printable ASCII.
func printable(id string) string {
	if len(id) > 64 {
		return "this id"
	}
	for i := range len(id) {
		if id[i] < 0x20 || id[i] > 0x7e {
			return "this id"
		}
	}
	return id
}

// stopping marks id as completed by the client, if it runs.
func (op *operations) stopping(id string) {
	op.mu.Lock()
	defer op.mu.Unlock()
	if _, ok := op.running[id]; ok {
		op.running[id] = true
	}
}

// ended frees the id of msg, a message gqlgen wrote that ends an
// operation (see [endsOperation]).
func (op *operations) ended(msg []byte) {
	var m struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(msg, &m)
	op.mu.Lock()
	defer op.mu.Unlock()
	delete(op.running, m.ID)
	op.wake()
}

// socketClosed wakes a subscribe that waits: the socket is closed.
func (op *operations) socketClosed() {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.wake()
}

// wake wakes a subscribe that waits; op.mu is held.
func (op *operations) wake() {
	if op.freed != nil {
		close(op.freed)
		op.freed = nil
	}
}

// endsOperation reports whether msg, as appendMessage encodes gqlgen's
// messages, is a complete or an error, in either protocol: the last
// message for its id.
func endsOperation(msg []byte) bool {
	return bytes.HasSuffix(msg, []byte(`"type":"complete"}`)) || bytes.HasSuffix(msg, []byte(`"type":"error"}`))
}
