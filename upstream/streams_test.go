package upstream_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// A token holds at most WithMaxStreamsPerToken logs streams: past it, a
// stream is refused at once, without a request; another token is not
// bounded by the first one's streams; a stream closed, or one the upstream
// refused, gives its place back.
func TestLogsStreamsPerTokenAreBounded(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	base, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5*time.Second), upstream.WithMaxStreamsPerToken(2))
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := base.WithToken("Bearer "+upstreamtest.TokenAlice), base.WithToken("Bearer "+upstreamtest.TokenBob)
	first := openLogs(t, t.Context(), alice, nil, "")
	openLogs(t, t.Context(), alice, nil, "")
	requests := len(fake.Requests())
	_, err = alice.StreamApplicationLogs(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "")
	if !errors.Is(err, upstream.ErrTooManyStreams) || !errors.Is(err, upstream.ErrRateLimited) {
		t.Fatalf("a third stream: got %v, want ErrTooManyStreams, a rate limit", err)
	}
	if n := len(fake.Requests()); n != requests {
		t.Errorf("the refused stream made %d requests", n-requests)
	}
	// Bob is not a member of Acme: his stream is refused upstream, and
	// gives its place back each time.
	for range 3 {
		if _, err := bob.StreamApplicationLogs(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, ""); !errors.Is(err, upstream.ErrForbidden) {
			t.Fatalf("bob's stream: got %v, want ErrForbidden from the upstream", err)
		}
	}
	first.Close()
	first.Close() // closing twice gives one place back
	openLogs(t, t.Context(), alice, nil, "")
	if _, err := alice.StreamApplicationLogs(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, ""); !errors.Is(err, upstream.ErrTooManyStreams) {
		t.Errorf("after one closed and one opened: got %v, want ErrTooManyStreams", err)
	}
}
