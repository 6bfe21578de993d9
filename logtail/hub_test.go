package logtail_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// liveOpener follows an application from now on, as a live tail does.
func liveOpener(t *testing.T, fake *upstreamtest.Server, app string) logtail.Opener {
	t.Helper()
	c, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)
	return func(ctx context.Context, last string, limit int) (logtail.Stream, error) {
		opts := upstream.ApplicationLogsOptions{Services: []string{"all"}, Limit: limit}
		return c.StreamApplicationLogs(ctx, upstreamtest.OrgAcme, app, &opts, last)
	}
}

// take returns f's next item, failing the test if none comes in 10 s.
func take(t *testing.T, f *logtail.Feed) (*logtail.Item, bool) {
	t.Helper()
	type taken struct {
		it *logtail.Item
		ok bool
	}
	c := make(chan taken, 1)
	go func() {
		it, ok := f.Next()
		c <- taken{it, ok}
	}()
	select {
	case r := <-c:
		return r.it, r.ok
	case <-time.After(10 * time.Second):
		t.Fatal("nothing from the feed in 10 s")
		return nil, false
	}
}

// next reads n lines, failing on an error item or the feed's end.
func next(t *testing.T, f *logtail.Feed, n int) []string {
	t.Helper()
	var ids []string
	for len(ids) < n {
		it, ok := take(t, f)
		if !ok || it.Err != nil {
			t.Fatalf("after %d lines: ended=%v item=%+v", len(ids), !ok, it)
		}
		ids = append(ids, it.Line.ID)
	}
	return ids
}

// rest reads what is left of f until its end, counting the lines and
// returning the final error.
func rest(t *testing.T, f *logtail.Feed) (lines int, final error) {
	t.Helper()
	for {
		it, ok := take(t, f)
		if !ok {
			return lines, final
		}
		if it.Err != nil {
			final = it.Err
		} else {
			lines++
		}
	}
}

// join joins key's stream, failing the test on an error.
func join(t *testing.T, ctx context.Context, hub *logtail.Hub, key string, open logtail.Opener) *logtail.Feed {
	t.Helper()
	f, err := hub.Join(ctx, key, open)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// liveHub returns a fake whose log lines come every interval, a hub, and
// the opener of a live tail of the fake's first application.
func liveHub(t *testing.T, cfg logtail.Config, interval time.Duration) (*upstreamtest.Server, *logtail.Hub, logtail.Opener) {
	t.Helper()
	fake := upstreamtest.NewServer(t)
	fake.SetLogInterval(interval)
	return fake, logtail.NewHub(cfg), liveOpener(t, fake, upstreamtest.AcmeFirstAppID)
}

func TestHubSharesOneStream(t *testing.T) {
	t.Parallel()
	fake, hub, open := liveHub(t, fast, 5*time.Millisecond)
	a := join(t, t.Context(), hub, "alice|app", open)
	first := next(t, a, 1)
	b := join(t, t.Context(), hub, "alice|app", open)
	// From B's first line on, A and B read the same lines in the same order.
	fromB := next(t, b, 5)
	fromA := next(t, a, 10)
	i := 0
	for i < len(fromA) && fromA[i] != fromB[0] {
		i++
	}
	if i+5 > len(fromA) || first[0] == fromB[0] {
		t.Fatalf("A %v, B %v", fromA, fromB)
	}
	if diff := cmp.Diff(fromA[i:i+5], fromB); diff != "" {
		t.Errorf("shared order (-A +B):\n%s", diff)
	}
	if n, opened := fake.OpenStreams(), fake.Count(upstreamtest.RouteApplicationLogs); n != 1 || opened != 1 || hub.Topics() != 1 {
		t.Errorf("%d open upstream streams, %d opened, %d topics; want 1, 1, 1", n, opened, hub.Topics())
	}
	// The last one out closes the upstream stream at once.
	a.Leave()
	b.Leave()
	b.Leave() // leaving twice is leaving once
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if err := fake.WaitOpenStreams(ctx, 0); err != nil || hub.Topics() != 0 {
		t.Fatalf("after the last subscriber left: %d open streams, %d topics", fake.OpenStreams(), hub.Topics())
	}
	for _, f := range []*logtail.Feed{a, b} { // both feeds end, after what they had queued
		if _, final := rest(t, f); final != nil {
			t.Errorf("a feed whose subscriber left ended with %v", final)
		}
	}
}

// A subscriber whose context ends stops waiting at once, and if it never
// leaves, the next line drops it: the last one gone closes the upstream
// stream, and nothing is queued for it meanwhile.
func TestHubDropsASubscriberGoneWithoutLeaving(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	gate := fake.GateLogs(t)
	hub := logtail.NewHub(fast)
	open := liveOpener(t, fake, upstreamtest.AcmeFirstAppID)
	ctxA, endA := context.WithCancel(t.Context())
	a := join(t, ctxA, hub, "k", open)
	b := join(t, t.Context(), hub, "k", open)
	gate.Let()
	next(t, a, 1)
	next(t, b, 1)
	waiting := make(chan bool, 1)
	go func() { _, ok := a.Next(); waiting <- ok }() // nothing comes: it waits
	endA()
	select {
	case ok := <-waiting:
		if ok {
			t.Fatal("a's Next returned a line after its context ended")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a's Next still waits 10 s after its context ended")
	}
	gate.Let() // a is dropped here, b reads on
	next(t, b, 1)
	if _, ok := take(t, a); ok {
		t.Fatal("a line was queued for a subscriber that was gone")
	}
	b.Leave()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := fake.WaitOpenStreams(ctx, 0); err != nil || hub.Topics() != 0 {
		t.Fatalf("after both left: %d open streams, %d topics", fake.OpenStreams(), hub.Topics())
	}

	// Alone and gone without leaving: its next line closes the stream.
	ctxC, endC := context.WithCancel(t.Context())
	join(t, ctxC, hub, "k", open)
	endC()
	gate.Let()
	if err := fake.WaitOpenStreams(ctx, 0); err != nil || hub.Topics() != 0 {
		t.Fatalf("after the last subscriber went: %d open streams, %d topics", fake.OpenStreams(), hub.Topics())
	}
}

func TestHubDropsOnlyTheSlowSubscriber(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	// The upstream sends a line only once the fast subscriber has read the
	// one before, so only the slow one can fall behind, however the
	// machine schedules the test.
	gate := fake.GateLogs(t)
	step := func(sub *logtail.Feed, n int) {
		t.Helper()
		for range n {
			gate.Let()
			next(t, sub, 1)
		}
	}
	cfg := fast
	cfg.Buffer = 4
	hub := logtail.NewHub(cfg)
	open := liveOpener(t, fake, upstreamtest.AcmeFirstAppID)
	slow := join(t, t.Context(), hub, "k", open)
	fastSub := join(t, t.Context(), hub, "k", open)
	step(fastSub, 30) // meanwhile the slow one reads nothing
	lines, final := rest(t, slow)
	if lines != cfg.Buffer || !errors.Is(final, logtail.ErrSlowClient) {
		t.Fatalf("slow subscriber: %d lines then %v", lines, final)
	}
	step(fastSub, 10) // the other goes on
}

func TestHubFirstOpenErrorAndSeparateKeys(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	hub := logtail.NewHub(fast)
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{Status: 404, Times: 1})
	if _, err := hub.Join(t.Context(), "k", liveOpener(t, fake, upstreamtest.AcmeFirstAppID)); !errors.Is(err, upstream.ErrNotFound) {
		t.Fatalf("first open: %v", err)
	}
	if hub.Topics() != 0 {
		t.Fatal("a failed topic was kept")
	}
	a := join(t, t.Context(), hub, "k1", liveOpener(t, fake, upstreamtest.AcmeFirstAppID))
	b := join(t, t.Context(), hub, "k2", liveOpener(t, fake, upstreamtest.AcmeKeycloakAppID))
	next(t, a, 1)
	next(t, b, 1)
	if n := fake.OpenStreams(); n != 2 || hub.Topics() != 2 {
		t.Errorf("%d streams, %d topics; want 2 and 2", n, hub.Topics())
	}
}

func TestHubReconnectsOnceForAll(t *testing.T) {
	t.Parallel()
	fake, hub, open := liveHub(t, fast, 2*time.Millisecond)
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{CutAfter: 5, Times: 1})
	a := join(t, t.Context(), hub, "k", open)
	b := join(t, t.Context(), hub, "k", open)
	ids := next(t, a, 14)
	fromB := next(t, b, 10)
	i := 0 // B may have joined a line or two after A
	for i < 4 && ids[i] != fromB[0] {
		i++
	}
	if diff := cmp.Diff(ids[i:i+10], fromB); diff != "" {
		t.Errorf("(-a +b):\n%s", diff)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("not once in order across the cut: %v", ids)
		}
	}
	if n := fake.Count(upstreamtest.RouteApplicationLogs); n != 2 {
		t.Errorf("%d upstream requests, want 2 (one reconnect for both)", n)
	}
}

func TestHubHandsEverySubscriberTheSameLine(t *testing.T) {
	t.Parallel()
	_, hub, open := liveHub(t, fast, 5*time.Millisecond)
	a := join(t, t.Context(), hub, "k", open)
	b := join(t, t.Context(), hub, "k", open)
	fromB, ok := take(t, b)
	if !ok || fromB.Err != nil {
		t.Fatalf("b: %+v, %v", fromB, ok)
	}
	var fromA *logtail.Item
	for fromA == nil || fromA.Line.ID != fromB.Line.ID {
		fromA, ok = take(t, a)
		if !ok || fromA.Err != nil {
			t.Fatalf("a ended before line %s: %+v", fromB.Line.ID, fromA)
		}
	}
	if fromA != fromB || fromA.Memo == nil {
		t.Fatalf("line %s: a got %p, b got %p (memo %p)", fromB.Line.ID, fromA, fromB, fromA.Memo)
	}
	fromA.Memo.Keep("sel", []byte("rendered"))
	if got, ok := fromB.Memo.Get("sel"); !ok || string(got) != "rendered" {
		t.Fatalf("b's memo: %q, %v", got, ok)
	}
}

func TestMemo(t *testing.T) {
	t.Parallel()
	var nilMemo *logtail.Memo
	nilMemo.Keep("k", []byte("x"))
	if _, ok := nilMemo.Get("k"); ok {
		t.Fatal("a nil memo kept something")
	}
	m := new(logtail.Memo)
	m.Keep("a", []byte("1"))
	m.Keep("a", []byte("2")) // the first rendering stays
	for i := range 20 {
		m.Keep(fmt.Sprint("k", i), []byte("v"))
	}
	if got, ok := m.Get("a"); !ok || string(got) != "1" {
		t.Fatalf("a: %q, %v", got, ok)
	}
	if _, ok := m.Get("k19"); ok {
		t.Fatal("the memo grew past its bound")
	}
	if _, ok := m.Get("k0"); !ok {
		t.Fatal("k0 was not kept")
	}
}
