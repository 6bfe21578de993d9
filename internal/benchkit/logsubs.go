package benchkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// logsQuery follows one application's logs; the fake dates each line when
// it sends it (cmd/fakeapi -live-dates), so that the client can tell how
// late it reads it.
const logsQuery = `subscription($o: ID!, $a: ID!) { applicationLogs(ownerId: $o, applicationId: $a, filter: {services: ["all"]}) { id date message } }`

// Subscriptions is a set of live applicationLogs subscriptions to a
// gateway, over graphql-transport-ws websockets, which measures the delay
// of each line from the moment the fake sent it to the moment it was read.
type Subscriptions struct {
	base, token string
	apps        [][2]string // (owner, application), followed in turn
	perConn     int
	subs        []*subscriber
	conns       []*conn
}

// NewSubscriptions returns an empty set that follows apps in turn, with
// perConn subscriptions per websocket (1: one per connection, as browser
// tabs; more: as a graphql-ws client multiplexes).
func NewSubscriptions(base, token string, apps [][2]string, perConn int) *Subscriptions {
	return &Subscriptions{base: base, token: token, apps: apps, perConn: max(1, perConn)}
}

// Len is the number of subscriptions.
func (s *Subscriptions) Len() int { return len(s.subs) }

// Grow subscribes until there are n subscriptions.
func (s *Subscriptions) Grow(n int) error {
	for len(s.subs) < n {
		if len(s.subs)%s.perConn == 0 {
			c, err := dial(s.base, s.token)
			if err != nil {
				return fmt.Errorf("connection %d: %w", len(s.conns)+1, err)
			}
			s.conns = append(s.conns, c)
		}
		a := s.apps[len(s.subs)%len(s.apps)]
		sub, err := s.conns[len(s.conns)-1].subscribe(a[0], a[1])
		if err != nil {
			return fmt.Errorf("subscription %d: %w", len(s.subs)+1, err)
		}
		s.subs = append(s.subs, sub)
	}
	return nil
}

// WaitLive waits until every subscription has delivered a line, each for
// at most timeout.
func (s *Subscriptions) WaitLive(timeout time.Duration) error {
	for _, sub := range s.subs {
		select {
		case <-sub.first:
		case <-time.After(timeout):
			return errors.New("a subscription delivered nothing")
		}
	}
	return nil
}

// Record starts recording the delays of the lines read.
func (s *Subscriptions) Record() {
	for _, sub := range s.subs {
		sub.record.Store(true)
	}
}

// Take stops recording and returns the delays recorded, unsorted, and the
// errors of all subscriptions since they started (error payloads, errors
// and completions: a live tail never completes).
func (s *Subscriptions) Take() (delays []time.Duration, errs int64) {
	for _, sub := range s.subs {
		sub.record.Store(false)
		delays = append(delays, sub.take()...)
		errs += sub.errors.Load()
	}
	return delays, errs
}

// Close closes every websocket.
func (s *Subscriptions) Close() {
	for _, c := range s.conns {
		_ = c.ws.Close()
	}
	s.conns, s.subs = nil, nil
}

type subscriber struct {
	first  chan struct{}
	once   sync.Once
	record atomic.Bool
	errors atomic.Int64
	mu     sync.Mutex
	delays []time.Duration
}

func (s *subscriber) take() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.delays
	s.delays = nil
	return d
}

// conn is one websocket, carrying subscriptions by id.
type conn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	mu   sync.Mutex
	subs map[string]*subscriber
}

func dial(base, token string) (*conn, error) {
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/graphql", nil)
	if err != nil {
		return nil, err
	}
	c := &conn{ws: ws, subs: map[string]*subscriber{}}
	if err := ws.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}); err != nil {
		return nil, err
	}
	go c.read()
	return c, nil
}

func (c *conn) subscribe(owner, app string) (*subscriber, error) {
	s := &subscriber{first: make(chan struct{})}
	c.mu.Lock()
	id := strconv.Itoa(len(c.subs) + 1)
	c.subs[id] = s
	c.mu.Unlock()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return s, c.ws.WriteJSON(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{
		"query":     logsQuery,
		"variables": map[string]any{"o": owner, "a": app},
	}})
}

// read records each line's delay. It is as cheap as it can be (one buffer
// and one message struct reused, no decoder per message), since the clients
// share the machine with the gateway they measure; a line arrives when its
// frame does.
func (c *conn) read() {
	var buf bytes.Buffer
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		now := time.Now()
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		var m struct {
			ID      string
			Type    string
			Payload struct {
				Data struct {
					ApplicationLogs struct{ Date string }
				}
				Errors []json.RawMessage
			}
		}
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			return
		}
		c.mu.Lock()
		s := c.subs[m.ID]
		c.mu.Unlock()
		if s == nil {
			continue // connection_ack, pings
		}
		switch m.Type {
		case "next":
			if len(m.Payload.Errors) > 0 {
				s.errors.Add(1)
				continue
			}
			s.once.Do(func() { close(s.first) })
			if !s.record.Load() {
				continue
			}
			if sent, err := time.Parse(time.RFC3339Nano, m.Payload.Data.ApplicationLogs.Date); err == nil {
				s.mu.Lock()
				s.delays = append(s.delays, now.Sub(sent))
				s.mu.Unlock()
			}
		case "error", "complete":
			s.errors.Add(1)
		}
	}
}
