package upstream

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// These tests are internal: they replace the Client's sleep and jitter so
// that no back-off is waited for and every wait is known.

// waits records the back-offs a Client asked for, without waiting.
type waits struct {
	mu sync.Mutex
	ds []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.ds = append(w.ds, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) got() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.ds...)
}

// newTestClient returns a Client of baseURL with a 5 s timeout (opts may
// override it) whose back-offs are recorded, not slept, and whose jitter
// always picks the bound, so that the waits are known in advance.
func newTestClient(t *testing.T, baseURL string, opts ...Option) (*Client, *waits) {
	t.Helper()
	c, err := New(append([]Option{WithBaseURL(baseURL), WithTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.sleep = w.sleep
	c.jitter = func(d time.Duration) time.Duration { return d }
	return c, w
}

// serve serves h on a loopback port until the test ends and returns its
// base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// sozuIDs records the Sozu-Id of every answer of the handler it wraps.
type sozuIDs struct {
	mu  sync.Mutex
	ids []string
}

func (s *sozuIDs) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		s.mu.Lock()
		s.ids = append(s.ids, w.Header().Get("Sozu-Id"))
		s.mu.Unlock()
	})
}

func (s *sozuIDs) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) == 0 {
		return ""
	}
	return s.ids[len(s.ids)-1]
}

func TestRetryByStatus(t *testing.T) {
	t.Parallel()
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	tests := []struct {
		name       string
		fault      upstreamtest.Fault
		want       error // nil: the call succeeds
		attempts   int
		waits      []time.Duration
		retryAfter time.Duration // of the returned error
	}{
		{"503 once", upstreamtest.Fault{Status: 503, Times: 1}, nil, 2, []time.Duration{100 * time.Millisecond}, 0},
		{"502 once", upstreamtest.Fault{Status: 502, Times: 1}, nil, 2, []time.Duration{100 * time.Millisecond}, 0},
		{"504 once", upstreamtest.Fault{Status: 504, Times: 1}, nil, 2, []time.Duration{100 * time.Millisecond}, 0},
		{"503 twice", upstreamtest.Fault{Status: 503, Times: 2}, nil, 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, 0},
		{"503 always", upstreamtest.Fault{Status: 503}, ErrUnavailable, 3, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, 0},
		{"500: a bug upstream", upstreamtest.Fault{Status: 500}, ErrUnavailable, 1, nil, 0},
		{"404", upstreamtest.Fault{Status: 404}, ErrNotFound, 1, nil, 0},
		{"400", upstreamtest.Fault{Status: 400}, ErrBadRequest, 1, nil, 0},
		{"401", upstreamtest.Fault{Status: 401}, ErrUnauthorized, 1, nil, 0},
		{"malformed body", upstreamtest.Fault{Malformed: true, Times: 1}, ErrMalformedResponse, 1, nil, 0},
		{"429 retry after 1 s", upstreamtest.Fault{Status: 429, Times: 1, Header: retryAfter("1")}, nil, 2, []time.Duration{time.Second}, 0},
		{"429 without retry after", upstreamtest.Fault{Status: 429, Times: 1}, nil, 2, []time.Duration{100 * time.Millisecond}, 0},
		{"503 retry after 2 s", upstreamtest.Fault{Status: 503, Times: 1, Header: retryAfter("2")}, nil, 2, []time.Duration{2 * time.Second}, 0},
		{"429 retry after 1 h", upstreamtest.Fault{Status: 429, Header: retryAfter("3600")}, ErrRateLimited, 1, nil, time.Hour},
		{"503 retry after 6 s", upstreamtest.Fault{Status: 503, Header: retryAfter("6")}, ErrUnavailable, 1, nil, 6 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, ids := upstreamtest.New(), &sozuIDs{}
			c, w := newTestClient(t, serve(t, ids.wrap(fake)))
			fake.Inject(upstreamtest.RouteZones, tt.fault)

			zones, err := c.ListZones(t.Context(), nil)
			if tt.want == nil {
				if err != nil || len(zones) == 0 {
					t.Errorf("got %d zones, %v; want zones", len(zones), err)
				}
			} else {
				var e *Error
				if !errors.Is(err, tt.want) || !errors.As(err, &e) {
					t.Fatalf("got %v, want an *Error wrapping %v", err, tt.want)
				}
				if e.RequestID == "" || e.RequestID != ids.last() {
					t.Errorf("Sozu-Id %q, want the last answer's %q", e.RequestID, ids.last())
				}
				if e.RetryAfter != tt.retryAfter {
					t.Errorf("RetryAfter %s, want %s", e.RetryAfter, tt.retryAfter)
				}
			}
			if n := fake.Count(upstreamtest.RouteZones); n != tt.attempts {
				t.Errorf("%d attempts, want %d", n, tt.attempts)
			}
			if diff := cmp.Diff(tt.waits, w.got()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// countingTransport counts the requests handed to the network and keeps
// them, to check that every attempt is a request of its own.
type countingTransport struct {
	mu   sync.Mutex
	reqs []*http.Request
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r)
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *countingTransport) sent() []*http.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*http.Request(nil), c.reqs...)
}

// closedPort returns the address of a loopback port nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRetryConnectionRefused(t *testing.T) {
	t.Parallel()
	tr := &countingTransport{next: &http.Transport{}}
	c, w := newTestClient(t, "http://"+closedPort(t)+"/", WithHTTPClient(&http.Client{Transport: tr}))
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)

	_, err := c.ListZones(t.Context(), nil)
	var e *Error
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &e) || e.StatusCode != 0 {
		t.Fatalf("got %v, want ErrUnavailable with no status", err)
	}
	reqs := tr.sent()
	if len(reqs) != 3 || len(w.got()) != 2 {
		t.Fatalf("%d attempts and %d waits, want 3 and 2", len(reqs), len(w.got()))
	}
	if reqs[0] == reqs[1] || reqs[1] == reqs[2] || reqs[0] == reqs[2] {
		t.Error("an attempt reused the request of another")
	}

	// A mutation is sent once, whatever the error.
	if err := c.RebootOperator(t.Context(), OperatorKeycloak, upstreamtest.AcmeKeycloakRealID); !errors.Is(err, ErrUnavailable) {
		t.Errorf("reboot: %v, want ErrUnavailable", err)
	}
	if n := len(tr.sent()); n != 4 {
		t.Errorf("reboot: %d attempts, want 1", n-3)
	}
}

func TestRetryAfterTimeout(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	// The first answer comes after the client's timeout, the second at once.
	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Latency: time.Minute, Times: 1})
	c, w := newTestClient(t, fake.URL, WithTimeout(300*time.Millisecond))
	if _, err := c.ListZones(t.Context(), nil); err != nil {
		t.Fatalf("got %v, want the second attempt's zones", err)
	}
	if n := fake.Count(upstreamtest.RouteZones); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	if n := len(w.got()); n != 1 {
		t.Errorf("%d waits, want 1", n)
	}
}

func TestMutationsAreNotRetried(t *testing.T) {
	t.Parallel()
	size := int64(1)
	tests := []struct {
		route string
		call  func(context.Context, *Client) error
	}{
		{upstreamtest.RouteOperatorReboot, func(ctx context.Context, c *Client) error {
			return c.RebootOperator(ctx, OperatorKeycloak, upstreamtest.AcmeKeycloakRealID)
		}},
		{upstreamtest.RoutePulsarUpdateStoragePolicies, func(ctx context.Context, c *Client) error {
			_, err := c.UpdateStoragePolicies(ctx, upstreamtest.AcmePulsarRealID, StoragePoliciesUpdate{Retention: &StoragePolicy{SizeInBytes: &size}})
			return err
		}},
		{upstreamtest.RouteOperatorDisableNetworkGroup, func(ctx context.Context, c *Client) error {
			return c.DisableNetworkGroup(ctx, OperatorKeycloak, upstreamtest.AcmeKeycloakRealID)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			t.Parallel()
			fake := upstreamtest.NewServer(t)
			fake.Inject(tt.route, upstreamtest.Fault{Status: 503})
			c, w := newTestClient(t, fake.URL)
			err := tt.call(t.Context(), c.WithToken("Bearer "+upstreamtest.TokenAlice))
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("got %v, want ErrUnavailable", err)
			}
			if n := fake.Count(tt.route); n != 1 || len(w.got()) != 0 {
				t.Errorf("%d attempts and %d waits, want 1 and 0", n, len(w.got()))
			}
		})
	}
}

func TestLogsStreamIsNotRetried(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.Inject(upstreamtest.RouteApplicationLogs, upstreamtest.Fault{Status: 503})
	c, w := newTestClient(t, fake.URL)
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)
	s, err := c.StreamApplicationLogs(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "")
	if s != nil || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, %v; want ErrUnavailable", s, err)
	}
	if n := fake.Count(upstreamtest.RouteApplicationLogs); n != 1 || len(w.got()) != 0 {
		t.Errorf("%d attempts and %d waits, want 1 and 0", n, len(w.got()))
	}
}

func TestRetryStopsWhenTheCallerLeaves(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Status: 503})
	c, _ := newTestClient(t, fake.URL)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The back-off only ends with the caller's context: the test cancels
	// it once the wait has begun.
	waiting := make(chan struct{})
	c.sleep = func(ctx context.Context, d time.Duration) error {
		close(waiting)
		<-ctx.Done()
		return ctx.Err()
	}
	go func() {
		<-waiting
		cancel()
	}()
	if _, err := c.ListZones(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if n := fake.Count(upstreamtest.RouteZones); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestSleepContextEndsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if err := sleepContext(t.Context(), 0); err != nil {
		t.Errorf("no wait: %v", err)
	}
}

func TestNoRetryPastTheDeadline(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Status: 503, Header: http.Header{"Retry-After": {"5"}}})
	c, w := newTestClient(t, fake.URL)
	// The answer comes well before the deadline, but the Retry-After ends
	// after it: the upstream's error is returned at once.
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Second)
	defer cancel()
	_, err := c.ListZones(ctx, nil)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.RetryAfter != 5*time.Second {
		t.Errorf("got %v, want the 503 and its Retry-After", err)
	}
	if n := fake.Count(upstreamtest.RouteZones); n != 1 || len(w.got()) != 0 {
		t.Errorf("%d attempts and %d waits, want 1 and 0", n, len(w.got()))
	}
}

func TestWithRetries(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Status: 503})
	c, w := newTestClient(t, fake.URL, WithRetries(0))
	if _, err := c.ListZones(t.Context(), nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	if n := fake.Count(upstreamtest.RouteZones); n != 1 || len(w.got()) != 0 {
		t.Errorf("WithRetries(0): %d attempts and %d waits, want 1 and 0", n, len(w.got()))
	}

	fake.ResetCounts()
	c, _ = newTestClient(t, fake.URL, WithRetries(4))
	c.ListZones(t.Context(), nil)
	if n := fake.Count(upstreamtest.RouteZones); n != 5 {
		t.Errorf("WithRetries(4): %d attempts, want 5", n)
	}
	if _, err := New(WithTimeout(time.Second), WithRetries(-1)); err == nil {
		t.Error("New accepted WithRetries(-1)")
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	var got []time.Duration
	for n := range 7 {
		got = append(got, backoff(n))
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 2 * time.Second, 2 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}
	if d := backoff(1000); d != retryMaxDelay {
		t.Errorf("backoff(1000) = %s", d)
	}
	for range 100 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("fullJitter(1s) = %s", d)
		}
	}
	if d := fullJitter(0); d != 0 {
		t.Errorf("fullJitter(0) = %s", d)
	}
}

// An http.Client with a Jar adds its cookies to the request it is given:
// a retry must not send those of the attempt before it again.
func TestRetryWithACookieJar(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var cookies [][]string
	fake := upstreamtest.New()
	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Status: 503, Times: 1})
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cookies = append(cookies, r.Header.Values("Cookie"))
		mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "s"}})
	c, _ := newTestClient(t, base, WithHTTPClient(&http.Client{Jar: jar}))
	if _, err := c.ListZones(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"session=s"}, {"session=s"}}
	if diff := cmp.Diff(want, cookies); diff != "" {
		t.Errorf("Cookie headers per attempt (-want +got):\n%s", diff)
	}
}
