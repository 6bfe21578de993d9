package logtail

import (
	"context"
	"sync"

	"github.com/cleverql/gateway/upstream"
)

// Hub shares one upstream stream among the subscribers that follow the
// same thing from now on ("live tail": no since, until or limit), keyed by
// the caller's token and the request: a thousand browser tabs on the same
// application cost one upstream stream, one decoding of each line, and no
// goroutine of their own. The stream opens with the first subscriber (its
// errors are that subscriber's) and closes as soon as the last one leaves.
//
// Each line is one *Item handed to every subscriber, with a [Memo] in which
// they keep what they render it into, so that subscribers who select the
// same fields render it once between them.
//
// Each subscriber has a bounded buffer: one that lets it fill up (reads
// slower than lines come) is sent ErrSlowClient and dropped, so that it
// never holds the others back and no line is ever skipped for anyone.
type Hub struct {
	cfg    Config
	mu     sync.Mutex
	topics map[string]*topic
}

// NewHub returns an empty Hub.
func NewHub(cfg Config) *Hub {
	return &Hub{cfg: cfg.withDefaults(), topics: map[string]*topic{}}
}

// topic is one shared upstream stream and its subscribers; it is the
// follower's sink.
type topic struct {
	hub    *Hub
	key    string
	ready  chan struct{} // closed once the first open is done
	err    error         // of the first open
	cancel context.CancelFunc

	mu   sync.Mutex // guards subs and done
	subs map[*subscriber]struct{}
	done bool // no more subscribers may join
}

type subscriber struct {
	out   chan *Item  // Buffer lines, and room for a final error
	leave func() bool // stops the watch on the subscriber's context
}

// Join follows key's stream from now on, opening it with open when nobody
// follows it yet. The channel is closed when the stream ends (after a
// final error item if it failed), or when ctx ends.
func (h *Hub) Join(ctx context.Context, key string, open Opener) (<-chan *Item, error) {
	for {
		h.mu.Lock()
		t, found := h.topics[key]
		if !found {
			t = &topic{hub: h, key: key, ready: make(chan struct{}), subs: map[*subscriber]struct{}{}}
			h.topics[key] = t
		}
		h.mu.Unlock()
		if !found {
			t.start(ctx, open)
		}
		select {
		case <-t.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if t.err != nil {
			return nil, t.err
		}
		s := &subscriber{out: make(chan *Item, h.cfg.Buffer+1)}
		if t.add(ctx, s) {
			return s.out, nil
		}
		// The topic ended between lookup and join: look again.
	}
}

// Topics returns how many upstream streams the hub holds open.
func (h *Hub) Topics() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.topics)
}

// start opens the upstream stream, detached from the first subscriber's
// cancellation (others may stay longer), and starts following it.
func (t *topic) start(ctx context.Context, open Opener) {
	defer close(t.ready)
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s, err := open(tctx, "", 0)
	if err != nil {
		cancel()
		t.err = err
		t.close()
		return
	}
	t.cancel = cancel
	f := &follower{open: open, cfg: t.hub.cfg, sink: t}
	go f.run(tctx, s)
}

// add joins s, which leaves when ctx ends; false when the topic is over.
func (t *topic) add(ctx context.Context, s *subscriber) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return false
	}
	t.subs[s] = struct{}{}
	s.leave = context.AfterFunc(ctx, func() { t.remove(s) })
	return true
}

// remove drops a subscriber whose context ended; the last one out closes
// the upstream stream at once.
func (t *topic) remove(s *subscriber) {
	t.mu.Lock()
	if _, ok := t.subs[s]; !ok {
		t.mu.Unlock()
		return
	}
	delete(t.subs, s)
	close(s.out)
	last := len(t.subs) == 0 && !t.done
	if last {
		t.done = true
	}
	t.mu.Unlock()
	if last {
		t.close()
	}
}

// close forgets the topic and ends its upstream stream.
func (t *topic) close() {
	t.hub.mu.Lock()
	if t.hub.topics[t.key] == t {
		delete(t.hub.topics, t.key)
	}
	t.hub.mu.Unlock()
	if t.cancel != nil {
		t.cancel()
	}
}

// deliver hands a line to every subscriber without waiting: one whose
// buffer is full is sent ErrSlowClient and dropped.
func (t *topic) deliver(ctx context.Context, line *upstream.LogLine) error {
	it := &Item{Line: line, Memo: new(Memo)}
	t.mu.Lock()
	defer t.mu.Unlock()
	for s := range t.subs {
		if len(s.out) >= t.hub.cfg.Buffer {
			t.drop(s, ErrSlowClient)
			continue
		}
		s.out <- it
	}
	if len(t.subs) == 0 && !t.done {
		t.done = true
		go t.close()
	}
	return ctx.Err()
}

// fail ends every subscription with err.
func (t *topic) fail(_ context.Context, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for s := range t.subs {
		t.drop(s, err)
	}
}

// end closes what is left, once the follow is over.
func (t *topic) end() {
	t.mu.Lock()
	t.done = true
	for s := range t.subs {
		t.drop(s, nil)
	}
	t.mu.Unlock()
	t.close()
}

// drop ends one subscriber, with a final error item when err is not nil
// (there is always room for it). t.mu is held.
func (t *topic) drop(s *subscriber, err error) {
	if err != nil {
		s.out <- &Item{Err: err}
	}
	close(s.out)
	delete(t.subs, s)
	if s.leave != nil {
		s.leave()
	}
}
