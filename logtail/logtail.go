// Package logtail follows an application's logs across upstream drops. It
// opens the upstream stream, forwards every log line once and in order,
// and when the stream breaks without END_OF_STREAM (or falls silent past
// the heartbeat period) reconnects the way Clever Cloud's own clients do:
// the same request, Last-Event-ID set to the last line delivered, and the
// limit lowered by what was delivered, with growing back-off, until a
// bounded number of failed attempts in a row. It knows nothing of GraphQL.
package logtail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/cleverql/gateway/upstream"
)

// Stream is an open upstream logs stream ([upstream.LogStream]).
type Stream interface {
	Next() (upstream.LogEvent, error)
	Close() error
}

// Opener opens the upstream stream, resuming after lastEventID ("" at
// first) with at most limit lines (0: no limit).
type Opener func(ctx context.Context, lastEventID string, limit int) (Stream, error)

// Config tunes a follow; zero fields take the defaults in [Defaults].
type Config struct {
	// Buffer is how many lines wait for a slow client.
	Buffer int
	// SlowClient is how long a full buffer may stay full before the
	// subscription ends with [ErrSlowClient].
	SlowClient time.Duration
	// Heartbeat is the silence after which the upstream stream is deemed
	// dead and replaced (the upstream heartbeats about every 2 s).
	Heartbeat time.Duration
	// Backoff is the wait before the first reconnect; each further failed
	// attempt waits 1.25 times longer, up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts is how many reconnects in a row may fail before the
	// subscription ends with the last error.
	MaxAttempts int
}

// Defaults follow Clever Cloud's clients (clever-api.md §3c).
var Defaults = Config{
	Buffer: 64, SlowClient: 5 * time.Second, Heartbeat: 10 * time.Second,
	Backoff: time.Second, MaxBackoff: 30 * time.Second, MaxAttempts: 10,
}

func (c Config) withDefaults() Config {
	d := Defaults
	if c.Buffer > 0 {
		d.Buffer = c.Buffer
	}
	if c.SlowClient > 0 {
		d.SlowClient = c.SlowClient
	}
	if c.Heartbeat > 0 {
		d.Heartbeat = c.Heartbeat
	}
	if c.Backoff > 0 {
		d.Backoff = c.Backoff
	}
	if c.MaxBackoff > 0 {
		d.MaxBackoff = c.MaxBackoff
	}
	if c.MaxAttempts > 0 {
		d.MaxAttempts = c.MaxAttempts
	}
	return d
}

// Errors that end a follow.
var (
	// ErrSlowClient: the client read too slowly; lines were not dropped,
	// the subscription ended instead.
	ErrSlowClient = errors.New("the client read the logs too slowly: its buffer stayed full")
	// ErrGaveUp wraps the last error once MaxAttempts reconnects failed.
	ErrGaveUp = errors.New("the logs stream could not be resumed")
)

// Item is what a follow yields: a log line, or, last, the error that ended it.
type Item struct {
	Line *upstream.LogLine
	Err  error
	// Memo is shared by every subscriber a [Hub] hands the line to (nil
	// from [Follow], which has one).
	Memo *Memo
}

// Follow opens the stream at once, so that an error of the first request
// (401, 403, 404, …) returns here, then forwards it from a goroutine. It
// returns a channel of convert(item) that is closed when the upstream says
// the stream ended (limit, until), after a final error item, or when ctx
// ends; the upstream stream is closed as soon as ctx ends.
func Follow[T any](ctx context.Context, open Opener, limit int, cfg Config, convert func(Item) T) (<-chan T, error) {
	cfg = cfg.withDefaults()
	s, err := open(ctx, "", limit)
	if err != nil {
		return nil, err
	}
	out := &channelSink[T]{out: make(chan T, cfg.Buffer), convert: convert, slow: cfg.SlowClient}
	f := &follower{open: open, limit: limit, cfg: cfg, sink: out}
	go f.run(ctx, s)
	return out.out, nil
}

// A sink receives a follow's lines, then its final error if any, then end.
type sink interface {
	// deliver hands one line on; an error ends the follow (ErrSlowClient,
	// or the context's).
	deliver(ctx context.Context, line *upstream.LogLine) error
	// fail hands the final error on.
	fail(ctx context.Context, err error)
	// end is called once, last.
	end()
}

// channelSink is one client's bounded channel.
type channelSink[T any] struct {
	out     chan T
	convert func(Item) T
	slow    time.Duration
}

// deliver waits at most slow for room in the buffer.
func (c *channelSink[T]) deliver(ctx context.Context, line *upstream.LogLine) error {
	v := c.convert(Item{Line: line})
	select {
	case c.out <- v:
		return nil
	default:
	}
	t := time.NewTimer(c.slow)
	defer t.Stop()
	select {
	case c.out <- v:
		return nil
	case <-t.C:
		return ErrSlowClient
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fail sends the final error, waiting for room as long as the client is there.
func (c *channelSink[T]) fail(ctx context.Context, err error) {
	select {
	case c.out <- c.convert(Item{Err: err}):
	case <-ctx.Done():
	}
}

func (c *channelSink[T]) end() { close(c.out) }

type follower struct {
	open      Opener
	limit     int
	cfg       Config
	sink      sink
	delivered int
	lastID    string // id of the last line delivered
}

func (f *follower) run(ctx context.Context, s Stream) {
	defer f.sink.end()
	attempts := 0
	for {
		done, progressed, err := f.pump(ctx, s)
		_ = s.Close()
		if done || ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrSlowClient) {
			f.sink.fail(ctx, err)
			return
		}
		if progressed {
			attempts = 0
		}
		for {
			if attempts >= f.cfg.MaxAttempts || !retryable(err) {
				f.sink.fail(ctx, fmt.Errorf("%w: %w", ErrGaveUp, err))
				return
			}
			if !sleep(ctx, f.backoff(attempts)) {
				return
			}
			attempts++
			remaining := 0
			if f.limit > 0 {
				remaining = f.limit - f.delivered
			}
			if s, err = f.open(ctx, f.lastID, remaining); err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// pump forwards one stream's lines until it ends. done means the follow is
// over (END_OF_STREAM, limit reached, ctx ended); otherwise err says why the
// stream broke, and progressed whether it delivered anything. Silence and
// the end of ctx close the stream, which unblocks Next: one goroutine per
// follow.
func (f *follower) pump(ctx context.Context, s Stream) (done, progressed bool, err error) {
	var silent atomic.Bool
	silence := time.AfterFunc(f.cfg.Heartbeat, func() {
		silent.Store(true)
		_ = s.Close()
	})
	defer silence.Stop()
	defer context.AfterFunc(ctx, func() { _ = s.Close() })()
	for {
		ev, err := s.Next()
		switch {
		case ctx.Err() != nil:
			return true, progressed, ctx.Err()
		case silent.Load():
			return false, progressed, errSilent
		case errors.Is(err, io.EOF):
			return false, progressed, errDropped
		case err != nil:
			return false, progressed, err
		}
		silence.Reset(f.cfg.Heartbeat)
		switch ev.Kind {
		case upstream.EndOfStreamEvent:
			return true, progressed, nil
		case upstream.LogLineEvent:
			if ev.ID != "" && ev.ID == f.lastID {
				continue // a server that resends the line we resumed after
			}
			if err := f.sink.deliver(ctx, ev.Line); err != nil {
				return !errors.Is(err, ErrSlowClient), progressed, err
			}
			f.delivered++
			if ev.ID != "" {
				f.lastID = ev.ID
			}
			progressed = true
			if f.limit > 0 && f.delivered >= f.limit {
				return true, progressed, nil
			}
		}
	}
}

func (f *follower) backoff(attempt int) time.Duration {
	d := float64(f.cfg.Backoff)
	for range attempt {
		d *= 1.25
	}
	return min(time.Duration(d), f.cfg.MaxBackoff)
}

var (
	errSilent  = fmt.Errorf("%w: the logs stream fell silent", upstream.ErrUnavailable)
	errDropped = fmt.Errorf("%w: the logs stream closed without END_OF_STREAM", upstream.ErrUnavailable)
)

// retryable: network errors, silence, drops, 5xx, 408 and 429 are worth a
// reconnect, as Clever Cloud's clients judge; other 4xx are final.
func retryable(err error) bool {
	return errors.Is(err, upstream.ErrUnavailable) || errors.Is(err, upstream.ErrTimeout) ||
		errors.Is(err, upstream.ErrRateLimited) || errors.Is(err, upstream.ErrMalformedResponse)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
