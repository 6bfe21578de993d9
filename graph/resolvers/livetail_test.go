package resolvers

import (
	"context"
	"errors"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/upstream"
)

// liveSubscriber is one subscription's LiveTail with, for next, a stand-in
// for gqlgen's handler: it reads one event from the channel the LiveTail
// feeds and renders it, counting the lines it had to render.
type liveSubscriber struct {
	lt       *LiveTail
	items    chanLines
	handler  graphql.ResponseHandler
	rendered int
	withErr  bool // answer lines with an error, as a failing field would
}

func newLiveSubscriber(t *testing.T, key string) *liveSubscriber {
	t.Helper()
	ctx, lt := WithLiveTail(t.Context())
	if claimLiveTail(ctx) != lt {
		t.Fatal("the operation's LiveTail could not be claimed")
	}
	s := &liveSubscriber{lt: lt, items: make(chanLines, 8)}
	convert := func(it *logtail.Item) LogEvent {
		if it.Err != nil {
			return LogEvent{Context: ctx}
		}
		return LogEvent{Context: ctx, Value: it.Line}
	}
	out := lt.feed(s.items, key, convert)
	if claimLiveTail(ctx) != nil {
		t.Fatal("a claimed LiveTail was claimed again")
	}
	buf := make([]byte, 0, 64) // reused, as gqlgen reuses its buffer
	s.handler = lt.Handler(func(ctx context.Context) *graphql.Response {
		ev, ok := <-out
		if !ok {
			return nil
		}
		if ev.Value == nil {
			return &graphql.Response{Errors: gqlerror.List{{Message: "ended"}}}
		}
		s.rendered++
		buf = append(buf[:0], `{"x":"`+ev.Value.ID+`"}`...)
		resp := &graphql.Response{Data: buf}
		if s.withErr {
			resp.Errors = gqlerror.List{{Message: "field failed"}}
		}
		return resp
	})
	return s
}

func (s *liveSubscriber) next(t *testing.T, ctx context.Context, it *logtail.Item) *graphql.Response {
	t.Helper()
	s.items <- it
	return s.handler(ctx)
}

// chanLines stands in for the hub's feed.
type chanLines chan *logtail.Item

func (c chanLines) Next() (*logtail.Item, bool) {
	it, ok := <-c
	return it, ok
}

func (c chanLines) Leave() { close(c) }

func line(id string) *logtail.Item {
	return &logtail.Item{Line: &upstream.LogLine{ID: id}, Memo: new(logtail.Memo)}
}

func TestLiveTailRendersEachLineOncePerSelection(t *testing.T) {
	t.Parallel()
	a, b, other := newLiveSubscriber(t, "k"), newLiveSubscriber(t, "k"), newLiveSubscriber(t, "k2")
	ctx := t.Context()
	for _, id := range []string{"1", "2", "3"} {
		it := line(id)
		want := `{"x":"` + id + `"}`
		for _, s := range []*liveSubscriber{a, b, other} {
			if got := s.next(t, ctx, it); got == nil || string(got.Data) != want {
				t.Fatalf("line %s: got %+v, want %s", id, got, want)
			}
		}
	}
	if a.rendered != 3 || b.rendered != 0 || other.rendered != 3 {
		t.Fatalf("rendered %d, %d and %d lines; want 3 (the first), 0 (the same selection), 3 (another)", a.rendered, b.rendered, other.rendered)
	}
}

func TestLiveTailKeepsNeitherErrorsNorUnkeyedSelections(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	failing, after := newLiveSubscriber(t, "k"), newLiveSubscriber(t, "k")
	failing.withErr = true
	it := line("1")
	if r := failing.next(t, ctx, it); len(r.Errors) != 1 {
		t.Fatalf("got %+v", r)
	}
	if r := after.next(t, ctx, it); len(r.Errors) != 0 || after.rendered != 1 {
		t.Fatalf("a response with errors was kept: %+v, rendered %d", r, after.rendered)
	}

	unkeyed1, unkeyed2 := newLiveSubscriber(t, ""), newLiveSubscriber(t, "")
	it = line("2")
	unkeyed1.next(t, ctx, it)
	unkeyed2.next(t, ctx, it)
	if unkeyed1.rendered != 1 || unkeyed2.rendered != 1 {
		t.Fatalf("selections without a key shared a rendering: %d, %d", unkeyed1.rendered, unkeyed2.rendered)
	}

	// An error item goes to gqlgen's handler, whoever rendered before.
	s := newLiveSubscriber(t, "k")
	if r := s.next(t, ctx, &logtail.Item{Err: errors.New("gone")}); len(r.Errors) != 1 || r.Errors[0].Message != "ended" {
		t.Fatalf("error item: %+v", r)
	}
}

func TestLiveTailEnds(t *testing.T) {
	t.Parallel()
	s := newLiveSubscriber(t, "k")
	close(s.items)
	if r := s.handler(t.Context()); r != nil {
		t.Fatalf("after the hub closed: %+v", r)
	}

	s = newLiveSubscriber(t, "k")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if r := s.handler(ctx); r != nil {
		t.Fatalf("after the subscription ended: %+v", r)
	}
	s.lt.End() // leaves the feed (closes the stand-in)
	if _, open := <-s.items; open {
		t.Fatal("End did not leave the feed")
	}
	var none *LiveTail // an operation that is no live tail
	none.End()
	new(LiveTail).End() // nor one never claimed
}

func TestHandlerWithoutLiveTail(t *testing.T) {
	t.Parallel()
	want := &graphql.Response{Data: []byte(`{}`)}
	next := func(context.Context) *graphql.Response { return want }
	var none *LiveTail
	unclaimed := new(LiveTail)
	for _, lt := range []*LiveTail{none, unclaimed} {
		if got := lt.Handler(next)(t.Context()); got != want {
			t.Fatalf("got %+v", got)
		}
	}
	if claimLiveTail(t.Context()) != nil {
		t.Fatal("a LiveTail was claimed from a context without one")
	}
}
