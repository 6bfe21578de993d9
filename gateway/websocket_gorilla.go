package gateway

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
)

// gorillaWebsocket plugs gorilla/websocket into gqlgen's websocket
// transport. gqlgen negotiates the GraphQL subprotocols
// (graphql-transport-ws, and the legacy graphql-ws); the Upgrader applies
// the origin policy and picks the first of the client's subprotocols it
// serves.
type gorillaWebsocket struct {
	upgrader     websocket.Upgrader
	writeTimeout time.Duration // a client that does not read for this long is dropped
	keepAlive    time.Duration // ping period
	peerTimeout  time.Duration // a peer silent for this long is dropped
	open         *longLived    // open connections, closed with 1001 on drain
}

var _ transport.WebsocketImplementation = gorillaWebsocket{}

// newGorillaWebsocket returns the adapter. The origin policy runs before
// (see [Gateway.checkOrigin]), so the Upgrader accepts any origin; on a
// failed handshake it writes nothing, leaving the one answer to gqlgen.
func newGorillaWebsocket(writeTimeout, keepAlive, peerTimeout time.Duration, open *longLived) gorillaWebsocket {
	return gorillaWebsocket{
		upgrader: websocket.Upgrader{
			HandshakeTimeout:  10 * time.Second,
			CheckOrigin:       func(*http.Request) bool { return true },
			EnableCompression: false, // per-message deflate costs memory per connection
			// A socket reads through a buffer of its own, of 512 bytes,
			// rather than through the 4 KiB one net/http's connection read
			// the request with (gorilla's default, ReadBufferSize 0): once
			// upgraded nothing else holds that one, and a client sends a
			// few small messages per subscription, pongs and a subscribe;
			// a larger message takes more reads, as many as it needs.
			// cmd/subload, 2,000 subscriptions one per socket: live heap
			// 16.2 → 12.8 KiB and RSS 60.1 → 51.5 KiB per subscription.
			// Writes take a buffer from a pool for the time of a message
			// instead of holding the 4 KiB one net/http hijacked the socket
			// with: sockets are written to a few times a second at most
			// (same measure: live heap 20.3 → 16.3 KiB).
			ReadBufferSize:  512,
			WriteBufferPool: &sync.Pool{},
			Error:           func(http.ResponseWriter, *http.Request, int, error) {},
		},
		writeTimeout: writeTimeout,
		keepAlive:    keepAlive,
		peerTimeout:  peerTimeout,
		open:         open,
	}
}

// Accept upgrades the request; gqlgen answers a failure with 400.
func (g gorillaWebsocket) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	up := g.upgrader
	up.Subprotocols = slices.Clone(up.Subprotocols)
	for _, p := range opts.Subprotocols {
		if !slices.Contains(up.Subprotocols, p) {
			up.Subprotocols = append(up.Subprotocols, p)
		}
	}
	conn, err := up.Upgrade(w, r, opts.ResponseHeader)
	if err != nil {
		return nil, err
	}
	c := &gorillaConn{conn: conn, writeTimeout: g.writeTimeout, open: g.open}
	markUpgraded(r, c)
	if c.open != nil {
		c.open.addConn(c)
	}
	if g.keepAlive > 0 {
		c.startKeepAlive(g.keepAlive, cmp.Or(g.peerTimeout, 2*g.keepAlive))
	}
	return c, nil
}

// gorillaConn is one websocket. gqlgen serialises its writes already; the
// mutex makes the adapter safe on its own too (gorilla allows one writer).
type gorillaConn struct {
	conn         *websocket.Conn
	writeTimeout time.Duration
	open         *longLived
	mu           sync.Mutex // one writer of data messages at a time

	keepAlive   time.Duration
	peerTimeout time.Duration
	pinger      atomic.Pointer[time.Timer]
	heard       atomic.Int64 // when the peer last sent a frame, Unix ns
	closed      atomic.Bool
	closeSent   atomic.Bool // a close frame was written

	ops operations // protocol state (see websocket_protocol.go)
}

var (
	_ transport.WebsocketConn          = (*gorillaConn)(nil)
	_ transport.WebsocketReadLimiter   = (*gorillaConn)(nil)
	_ transport.WebsocketReadDeadliner = (*gorillaConn)(nil)
)

func (c *gorillaConn) Close() error {
	c.closed.Store(true)
	c.ops.socketClosed()
	if t := c.pinger.Load(); t != nil {
		t.Stop()
	}
	if c.open != nil {
		c.open.removeConn(c)
	}
	return c.conn.Close()
}

// finish ends a socket gqlgen has returned from: one it left open without
// a close frame gets 4400 (graphql-transport-ws's "bad request"), and is
// closed. It does nothing to a socket gqlgen closed.
func (c *gorillaConn) finish() {
	if c.closed.Load() {
		return
	}
	if !c.closeSent.Load() {
		_ = c.WriteClose(4400, "invalid message")
	}
	_ = c.Close()
}

// NextReader returns the next message that keeps the protocol, read
// whole ([gorillaConn.admit] decides); a normal close by the peer is
// transport.ErrWebsocketClosed, as gqlgen expects. A message that breaks
// the protocol closes the socket, and returns an error.
func (c *gorillaConn) NextReader() (int, io.Reader, error) {
	for {
		typ, r, err := c.conn.NextReader()
		var msg []byte
		if err == nil {
			c.heard.Store(time.Now().UnixNano())
			msg, err = io.ReadAll(r)
		}
		if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived, websocket.CloseGoingAway) {
			return typ, nil, transport.ErrWebsocketClosed
		}
		if err != nil {
			return typ, nil, err
		}
		pass, err := c.admit(typ, msg)
		if err != nil {
			return typ, nil, err
		}
		if pass {
			return typ, bytes.NewReader(msg), nil
		}
	}
}

// startKeepAlive pings the peer every period from a timer, so that an idle
// socket costs no goroutine (gqlgen's own keep-alive runs one per socket):
// a websocket ping frame, which every client answers with a pong, and on
// the legacy graphql-ws protocol also the "ka" message its clients expect
// (subscriptions-transport-ws closes a socket whose "ka" stop). A peer that
// sent nothing, not even a pong, for peerTimeout is gone: its socket is
// closed, which ends its subscriptions.
func (c *gorillaConn) startKeepAlive(period, peerTimeout time.Duration) {
	c.keepAlive, c.peerTimeout = period, peerTimeout
	c.heard.Store(time.Now().UnixNano())
	c.conn.SetPongHandler(func(string) error {
		c.heard.Store(time.Now().UnixNano())
		return nil
	})
	t := time.AfterFunc(time.Hour, c.ping)
	c.pinger.Store(t)
	t.Reset(period)
}

// ping is one keep-alive round; it runs on the socket's timer.
func (c *gorillaConn) ping() {
	if c.closed.Load() {
		return
	}
	if time.Since(time.Unix(0, c.heard.Load())) > c.peerTimeout {
		_ = c.conn.Close() // gqlgen's read fails, and it ends the connection
		return
	}
	deadline := time.Now().Add(cmp.Or(c.writeTimeout, c.keepAlive))
	if err := c.conn.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
		return // closing, or the peer is gone: the read side ends it
	}
	if c.conn.Subprotocol() != graphqlTransportWS {
		if err := c.WriteJSON(legacyKeepAlive); err != nil {
			return
		}
	}
	c.pinger.Load().Reset(c.keepAlive)
}

const graphqlTransportWS = "graphql-transport-ws"

// legacyKeepAlive is the graphql-ws protocol's keep-alive message.
var legacyKeepAlive = struct {
	Type string `json:"type"`
}{"ka"}

// WriteJSON writes one message. gqlgen's messages (a JSON payload it has
// encoded already, an id and a type) are written as they are: encoding
// them again would validate and compact every payload a second time, the
// largest cost of a subscription event after the write itself.
func (c *gorillaConn) WriteJSON(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writeTimeout > 0 {
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	buf := messageBuffers.get()
	defer messageBuffers.put(buf)
	b, ok := appendMessage(*buf, v)
	*buf = b
	if !ok {
		return c.conn.WriteJSON(v)
	}
	err := c.conn.WriteMessage(websocket.TextMessage, b) // copies b into the frame
	// gqlgen is done with an operation once it writes its end, sent or
	// not. Its id is freed after the write, not before, for a subscribe
	// that waits to reuse it (see operations.running).
	if endsOperation(b) {
		c.ops.ended(b)
	}
	return err
}

// messageBuffers hold messages while they are written: a log event costs
// no buffer of its own (it was a seventh of what a subscription event
// allocated, and allocation is what paces the collector).
var messageBuffers = newBufferPool(64 << 10)

// messageFields locates a message struct's fields: gqlgen's protocol
// messages are {Payload json.RawMessage "payload,omitempty"; ID string
// "id,omitempty"; Type string-kind "type"} and unexported fields.
type messageFields struct{ payload, id, typ int }

var messageShapes sync.Map // reflect.Type → messageFields, or nil when the type has another shape

// appendMessage appends v encoded as json.Marshal would encode it (bar
// HTML escaping, which it does not need), when v is a pointer to a message
// struct; false otherwise. Its payload is written as it is: gqlgen encoded
// it with encoding/json.
func appendMessage(b []byte, v any) ([]byte, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return b, false
	}
	rv = rv.Elem()
	shape, ok := messageShapes.Load(rv.Type())
	if !ok {
		shape, _ = messageShapes.LoadOrStore(rv.Type(), messageShapeOf(rv.Type()))
	}
	f, ok := shape.(*messageFields)
	if !ok || f == nil {
		return b, false
	}
	b = append(b, '{')
	if p := rv.Field(f.payload).Bytes(); len(p) > 0 {
		b = append(b, `"payload":`...)
		b = append(b, p...)
		b = append(b, ',')
	}
	if id := rv.Field(f.id).String(); id != "" {
		b = append(b, `"id":`...)
		b = appendString(b, id)
		b = append(b, ',')
	}
	b = append(b, `"type":`...)
	b = appendString(b, rv.Field(f.typ).String())
	return append(b, '}'), true
}

var rawMessage = reflect.TypeFor[json.RawMessage]()

// messageShapeOf returns where t's message fields are, or nil when t has
// other exported or embedded fields, other tags, or types json would
// encode otherwise (a Type with a MarshalJSON, say).
func messageShapeOf(t reflect.Type) *messageFields {
	f := messageFields{-1, -1, -1}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil // json would encode the embedded struct's fields
		}
		if !sf.IsExported() {
			continue
		}
		switch {
		case sf.Name == "Payload" && sf.Type == rawMessage && sf.Tag.Get("json") == "payload,omitempty":
			f.payload = i
		case sf.Name == "ID" && sf.Type == reflect.TypeFor[string]() && sf.Tag.Get("json") == "id,omitempty":
			f.id = i
		case sf.Name == "Type" && sf.Type.Kind() == reflect.String && sf.Tag.Get("json") == "type" && encodesAsItself(sf.Type):
			f.typ = i
		default:
			return nil
		}
	}
	if f.payload < 0 || f.id < 0 || f.typ < 0 {
		return nil
	}
	return &f
}

// encodesAsItself reports whether json encodes a value of t, a string
// kind, as its string: it has no MarshalJSON, and a MarshalText (gqlgen's
// message types have one) returns the string.
func encodesAsItself(t reflect.Type) bool {
	if t.Implements(reflect.TypeFor[json.Marshaler]()) {
		return false
	}
	if !t.Implements(reflect.TypeFor[encoding.TextMarshaler]()) {
		return true
	}
	probe := reflect.New(t).Elem()
	probe.SetString("next")
	text, err := probe.Interface().(encoding.TextMarshaler).MarshalText()
	return err == nil && string(text) == "next"
}

// appendString appends s as a JSON string: as it is when it is printable
// ASCII with nothing to escape, through encoding/json otherwise.
func appendString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// WriteClose sends a close frame; the reason is cut to what a control frame
// holds. It takes no lock: gorilla allows WriteControl beside a write, and a
// close must get through even while a write to a slow client blocks.
func (c *gorillaConn) WriteClose(code int, reason string) error {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	c.closeSent.Store(true)
	return c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
}

func (c *gorillaConn) Subprotocol() string               { return c.conn.Subprotocol() }
func (c *gorillaConn) SetReadLimit(limit int64)          { c.conn.SetReadLimit(limit) }
func (c *gorillaConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }
