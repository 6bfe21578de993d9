package gateway

import (
	"io"
	"net/http"
	"slices"
	"sync"
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
	open         *longLived    // open connections, closed with 1001 on drain
}

var _ transport.WebsocketImplementation = gorillaWebsocket{}

// newGorillaWebsocket returns the adapter. The origin policy runs before
// (see [Gateway.checkOrigin]), so the Upgrader accepts any origin; on a
// failed handshake it writes nothing, leaving the one answer to gqlgen.
func newGorillaWebsocket(writeTimeout time.Duration, open *longLived) gorillaWebsocket {
	return gorillaWebsocket{
		upgrader: websocket.Upgrader{
			HandshakeTimeout:  10 * time.Second,
			CheckOrigin:       func(*http.Request) bool { return true },
			EnableCompression: false, // per-message deflate costs memory per connection
			Error:             func(http.ResponseWriter, *http.Request, int, error) {},
		},
		writeTimeout: writeTimeout,
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
	if c.open != nil {
		c.open.addConn(c)
	}
	return c, nil
}

// gorillaConn is one websocket. gqlgen serialises its writes already; the
// mutex makes the adapter safe on its own too (gorilla allows one writer).
type gorillaConn struct {
	conn         *websocket.Conn
	writeTimeout time.Duration
	open         *longLived
	mu           sync.Mutex
}

var (
	_ transport.WebsocketConn          = (*gorillaConn)(nil)
	_ transport.WebsocketReadLimiter   = (*gorillaConn)(nil)
	_ transport.WebsocketReadDeadliner = (*gorillaConn)(nil)
)

func (c *gorillaConn) Close() error {
	if c.open != nil {
		c.open.removeConn(c)
	}
	return c.conn.Close()
}

// NextReader returns the next message; a normal close by the peer is
// transport.ErrWebsocketClosed, as gqlgen expects.
func (c *gorillaConn) NextReader() (int, io.Reader, error) {
	typ, r, err := c.conn.NextReader()
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived, websocket.CloseGoingAway) {
		return typ, nil, transport.ErrWebsocketClosed
	}
	return typ, r, err
}

func (c *gorillaConn) WriteJSON(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writeTimeout > 0 {
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	return c.conn.WriteJSON(v)
}

// WriteClose sends a close frame; the reason is cut to what a control frame
// holds. It takes no lock: gorilla allows WriteControl beside a write, and a
// close must get through even while a write to a slow client blocks.
func (c *gorillaConn) WriteClose(code int, reason string) error {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	return c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
}

func (c *gorillaConn) Subprotocol() string               { return c.conn.Subprotocol() }
func (c *gorillaConn) SetReadLimit(limit int64)          { c.conn.SetReadLimit(limit) }
func (c *gorillaConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }
