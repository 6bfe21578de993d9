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
// Each subscriber's queue is bounded by Buffer lines: one that lets it fill
// up (reads slower than lines come) is sent ErrSlowClient and dropped, so
// that it never holds the others back and no line is ever skipped for
// anyone.
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
	subs map[*Feed]struct{}
	done bool // no more subscribers may join
}

// A Feed is one subscriber's lines, from [Hub.Join].
//
// Its queue holds what the subscriber has yet to take, and grows only while
// it lags: a subscriber that keeps up, as nearly all do, has one slot and a
// wake-up channel, not a channel of Buffer lines of its own (that buffer
// was a tenth of what a live-tail subscription kept in memory).
//
// The hub does not watch the subscriber's context (a watch, context.AfterFunc,
// costs a few hundred bytes a subscription): the subscriber leaves with
// [Feed.Leave] once it is over, and [Feed.Next] stops waiting when the
// context ends. Should a subscriber stop reading without leaving, the next
// line its topic delivers drops it.
type Feed struct {
	wake  chan struct{}   // holds one token while there is something to take
	done  <-chan struct{} // the subscriber's context's
	topic *topic

	mu     sync.Mutex
	queue  []*Item // queue[head:] are waiting
	head   int
	closed bool  // nothing more comes after the queue
	err    error // the final error, handed out after the queue
}

// waiting returns how many lines wait. f.mu is held.
func (f *Feed) waiting() int { return len(f.queue) - f.head }

// push queues it. f.mu is held.
func (f *Feed) push(it *Item) {
	if f.head > 0 && len(f.queue) == cap(f.queue) {
		n := copy(f.queue, f.queue[f.head:])
		clear(f.queue[n:])
		f.queue, f.head = f.queue[:n], 0
	}
	f.queue = append(f.queue, it)
	f.signal()
}

// end says nothing more comes after the queue but err, if not nil.
func (f *Feed) end(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed, f.err = true, err
	f.signal()
}

func (f *Feed) signal() {
	select {
	case f.wake <- struct{}{}:
	default: // a token is there already
	}
}

// keptQueue is the queue capacity a feed keeps once it has caught up: one
// that lagged further gives its larger queue back.
const keptQueue = 4

// Next waits for the next line; after the last one, it returns the error
// that ended the stream if it failed, as an item; then false. It returns
// false as well once the context given to Join ends. One goroutine reads a
// Feed.
func (f *Feed) Next() (*Item, bool) {
	for {
		f.mu.Lock()
		if f.waiting() > 0 {
			it := f.queue[f.head]
			f.queue[f.head] = nil
			f.head++
			if f.head == len(f.queue) {
				f.queue, f.head = f.queue[:0], 0
				if cap(f.queue) > keptQueue {
					f.queue = nil
				}
			}
			f.mu.Unlock()
			return it, true
		}
		if f.closed {
			err := f.err
			f.err = nil
			f.mu.Unlock()
			if err != nil {
				return &Item{Err: err}, true
			}
			return nil, false
		}
		f.mu.Unlock()
		select {
		case <-f.wake:
		case <-f.done:
			return nil, false
		}
	}
}

// Leave ends the subscription: the last subscriber out closes the upstream
// stream at once. Leaving again does nothing.
func (f *Feed) Leave() { f.topic.remove(f) }

// gone reports whether the subscriber's context has ended.
func (f *Feed) gone() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// Join follows key's stream from now on, opening it with open when nobody
// follows it yet. The feed ends when the stream does (after a final error
// item if it failed), or when the subscriber leaves; its Next stops waiting
// when ctx ends.
func (h *Hub) Join(ctx context.Context, key string, open Opener) (*Feed, error) {
	for {
		h.mu.Lock()
		t, found := h.topics[key]
		if !found {
			t = &topic{hub: h, key: key, ready: make(chan struct{}), subs: map[*Feed]struct{}{}}
			h.topics[key] = t
		}
		h.mu.Unlock()
		if !found {
			t.start(ctx, open) // ready once it returns
		} else {
			select {
			case <-t.ready:
			case <-ctx.Done(): // the topic's opener goes on without us
				return nil, ctx.Err()
			}
		}
		if t.err != nil {
			return nil, t.err
		}
		f := &Feed{wake: make(chan struct{}, 1), done: ctx.Done(), topic: t}
		if t.add(f) {
			if err := ctx.Err(); err != nil {
				// The subscriber left while the stream opened. Only a
				// subscriber's leaving, or a line, closes a topic: a topic
				// left with none, on a quiet application, would keep its
				// upstream stream for good.
				f.Leave()
				return nil, err
			}
			return f, nil
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

// add joins f; false when the topic is over.
func (t *topic) add(f *Feed) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return false
	}
	t.subs[f] = struct{}{}
	return true
}

// remove drops a subscriber that left; the last one out closes the
// upstream stream at once.
func (t *topic) remove(f *Feed) {
	t.mu.Lock()
	if _, ok := t.subs[f]; !ok {
		t.mu.Unlock()
		return
	}
	delete(t.subs, f)
	f.end(nil)
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
// buffer is full is sent ErrSlowClient and dropped, and one whose context
// ended without its leaving is dropped.
func (t *topic) deliver(ctx context.Context, line *upstream.LogLine) error {
	it := &Item{Line: line, Memo: new(Memo)}
	t.mu.Lock()
	defer t.mu.Unlock()
	for f := range t.subs {
		if f.gone() {
			t.drop(f, nil)
			continue
		}
		f.mu.Lock()
		if f.waiting() >= t.hub.cfg.Buffer {
			f.mu.Unlock()
			t.drop(f, ErrSlowClient)
			continue
		}
		f.push(it)
		f.mu.Unlock()
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
	for f := range t.subs {
		t.drop(f, err)
	}
}

// end closes what is left, once the follow is over.
func (t *topic) end() {
	t.mu.Lock()
	t.done = true
	for f := range t.subs {
		t.drop(f, nil)
	}
	t.mu.Unlock()
	t.close()
}

// drop ends one subscriber, with a final error item when err is not nil.
// t.mu is held.
func (t *topic) drop(f *Feed, err error) {
	f.end(err)
	delete(t.subs, f)
}
