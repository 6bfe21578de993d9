package logtail_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// fast reconnects, so that tests of drops take milliseconds.
var fast = logtail.Config{Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 3}

func setup(t *testing.T) (*upstreamtest.Server, logtail.Opener) {
	t.Helper()
	fake := upstreamtest.NewServer(t)
	c, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)
	opts := upstream.ApplicationLogsOptions{Since: upstreamtest.LogsBase, Services: []string{"all"}}
	open := func(ctx context.Context, lastEventID string, limit int) (logtail.Stream, error) {
		o := opts
		o.Limit = limit
		return c.StreamApplicationLogs(ctx, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, &o, lastEventID)
	}
	return fake, open
}

func identity(it logtail.Item) logtail.Item { return it }

// collect reads every item until the channel closes (or 10 s pass, to fail
// rather than hang).
func collect(t *testing.T, ch <-chan logtail.Item) (ids []string, final error) {
	t.Helper()
	guard := time.After(10 * time.Second)
	for {
		select {
		case it, ok := <-ch:
			if !ok {
				return ids, final
			}
			if it.Err != nil {
				final = it.Err
				continue
			}
			ids = append(ids, it.Line.ID)
		case <-guard:
			t.Fatalf("the follow did not end; got %d lines", len(ids))
		}
	}
}

// logsFrom fetches the reference sequence: the first n lines, uncut.
func logsFrom(t *testing.T, open logtail.Opener, n int) []string {
	t.Helper()
	ch, err := logtail.Follow(t.Context(), open, n, fast, identity)
	if err != nil {
		t.Fatal(err)
	}
	ids, final := collect(t, ch)
	if final != nil || len(ids) != n {
		t.Fatalf("reference: %d lines, %v", len(ids), final)
	}
	return ids
}

func TestEveryLineOnceInOrderAcrossCuts(t *testing.T) {
	t.Parallel()
	fake, open := setup(t)
	want := logsFrom(t, open, 12)
	fake.ResetCounts()
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{CutAfter: 3, Times: 3})
	ch, err := logtail.Follow(t.Context(), open, 12, fast, identity)
	if err != nil {
		t.Fatal(err)
	}
	got, final := collect(t, ch)
	if final != nil {
		t.Fatalf("ended with %v", final)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("lines (-want +got):\n%s", diff)
	}
	// Each reconnect resumed after the last line delivered, with the limit
	// lowered by what was delivered, and the original since.
	var resumes []string
	for _, r := range fake.Requests() {
		resumes = append(resumes, fmt.Sprintf("%s limit=%s since=%v", r.Header.Get("Last-Event-ID"), r.Query.Get("limit"), r.Query.Get("since") != ""))
	}
	wantResumes := []string{" limit=12 since=true", want[2] + " limit=9 since=true", want[5] + " limit=6 since=true", want[8] + " limit=3 since=true"}
	if diff := cmp.Diff(wantResumes, resumes); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestGivesUpAfterBoundedAttempts(t *testing.T) {
	t.Parallel()
	fake, open := setup(t)
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{CutAfter: 2, Times: 1})
	ch, err := logtail.Follow(t.Context(), open, 0, fast, identity)
	if err != nil {
		t.Fatal(err)
	}
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{Status: 503})
	ids, final := collect(t, ch)
	if len(ids) != 2 || !errors.Is(final, logtail.ErrGaveUp) || !errors.Is(final, upstream.ErrUnavailable) {
		t.Fatalf("%d lines, final %v", len(ids), final)
	}
	if n := fake.Count(upstreamtest.RouteApplicationLogs); n != 1+fast.MaxAttempts {
		t.Errorf("%d requests, want 1 + %d attempts", n, fast.MaxAttempts)
	}
}

func TestFatalErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	fake, open := setup(t)
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{Status: 403})
	if _, err := logtail.Follow(t.Context(), open, 0, fast, identity); !errors.Is(err, upstream.ErrForbidden) {
		t.Fatalf("first request: %v, want ErrForbidden", err)
	}
	fake.ClearFaults()
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{CutAfter: 1, Times: 1})
	ch, err := logtail.Follow(t.Context(), open, 0, fast, identity)
	if err != nil {
		t.Fatal(err)
	}
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{Status: 404})
	if _, final := collect(t, ch); !errors.Is(final, upstream.ErrNotFound) {
		t.Fatalf("final %v, want ErrNotFound", final)
	}
	if n := fake.Count(upstreamtest.RouteApplicationLogs); n != 3 {
		t.Errorf("%d requests, want 3 (no retry of a 404)", n)
	}
}

func TestSilentStreamIsReplaced(t *testing.T) {
	t.Parallel()
	fake, open := setup(t)
	fake.SetLogInterval(time.Hour)
	fake.SetHeartbeatInterval(time.Hour)
	cfg := fast
	cfg.Heartbeat = 50 * time.Millisecond
	ch, err := logtail.Follow(t.Context(), open, upstreamtest.LogsPast+1, cfg, identity)
	if err != nil {
		t.Fatal(err)
	}
	// The past lines come at once, then nothing: the stream is replaced
	// until attempts run out, each time resuming after the last line.
	ids, final := collect(t, ch)
	if len(ids) != upstreamtest.LogsPast || !errors.Is(final, logtail.ErrGaveUp) {
		t.Fatalf("%d lines, final %v", len(ids), final)
	}
	reqs := fake.Requests()
	if last := reqs[len(reqs)-1]; last.Header.Get("Last-Event-ID") != ids[len(ids)-1] || last.Query.Get("limit") != "1" {
		t.Errorf("last resume: Last-Event-ID %q limit %q", last.Header.Get("Last-Event-ID"), last.Query.Get("limit"))
	}
}

func TestSlowClientEndsTheFollow(t *testing.T) {
	t.Parallel()
	fake, open := setup(t)
	cfg := fast
	cfg.Buffer, cfg.SlowClient = 2, 20*time.Millisecond
	ch, err := logtail.Follow(t.Context(), open, 0, cfg, identity)
	if err != nil {
		t.Fatal(err)
	}
	// Read nothing: once the buffer stays full, the upstream is closed…
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// …and the client finds its buffered lines, then the error, then the end.
	ids, final := collect(t, ch)
	if len(ids) != 2 || !errors.Is(final, logtail.ErrSlowClient) {
		t.Fatalf("%d lines, final %v", len(ids), final)
	}
}

func TestEndOfContextClosesUpstream(t *testing.T) {
	t.Parallel()
	fake, open := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := logtail.Follow(ctx, open, 0, fast, identity)
	if err != nil {
		t.Fatal(err)
	}
	<-ch
	if n := fake.OpenStreams(); n != 1 {
		t.Fatalf("%d open streams", n)
	}
	cancel()
	wait, stop := context.WithTimeout(t.Context(), time.Second)
	defer stop()
	if err := fake.WaitOpenStreams(wait, 0); err != nil {
		t.Fatalf("the upstream stream outlived its follow by a second: %v", err)
	}
	for range ch { // drains, then closes
	}
}

func TestUntilCompletes(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c, _ := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5*time.Second))
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)
	opts := upstream.ApplicationLogsOptions{Since: upstreamtest.LogsBase, Until: upstreamtest.LogsBase.Add(10 * time.Second), Services: []string{"all"}}
	open := func(ctx context.Context, last string, limit int) (logtail.Stream, error) {
		return c.StreamApplicationLogs(ctx, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, &opts, last)
	}
	ch, err := logtail.Follow(t.Context(), open, 0, fast, identity)
	if err != nil {
		t.Fatal(err)
	}
	ids, final := collect(t, ch)
	if final != nil || len(ids) != 10 {
		t.Fatalf("%d lines, final %v", len(ids), final)
	}
	if q := fake.Requests()[0].Query; q.Get("until") == "" || !(q.Get("since") < q.Get("until")) {
		t.Errorf("query %v", url.Values(q))
	}
}
