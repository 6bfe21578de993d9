package upstream

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// gate stands in front of the fake: it counts the requests in flight per
// Authorization value and holds those of one token until the test lets them
// through, one at a time. The test thus decides when answers come, instead
// of guessing how long they take.
type gate struct {
	held    string        // the Authorization value whose requests are held
	entered chan struct{} // one element per held request that arrived
	open    chan struct{} // one element lets one held request through

	mu      sync.Mutex
	now     map[string]int
	max     map[string]int
	arrived map[string]int
}

func newGate(held string) *gate {
	return &gate{
		held: held, entered: make(chan struct{}, 100), open: make(chan struct{}),
		now: map[string]int{}, max: map[string]int{}, arrived: map[string]int{},
	}
}

func (g *gate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("Authorization")
		g.mu.Lock()
		g.arrived[tok]++
		g.now[tok]++
		g.max[tok] = max(g.max[tok], g.now[tok])
		g.mu.Unlock()
		defer func() {
			g.mu.Lock()
			g.now[tok]--
			g.mu.Unlock()
		}()
		if tok == g.held {
			g.entered <- struct{}{}
			select {
			case <-g.open:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// stats returns the requests of tok in flight now, at most, and in all.
func (g *gate) stats(tok string) (now, most, arrived int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.now[tok], g.max[tok], g.arrived[tok]
}

// doneWatch is a context that reports when its Done channel is first asked
// for: [limiter.acquire] asks only once it has joined the bucket and is
// about to wait.
type doneWatch struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func (c *doneWatch) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

func watchDone(ctx context.Context) *doneWatch {
	return &doneWatch{Context: ctx, waiting: make(chan struct{})}
}

// size returns how many buckets l holds.
func (l *limiter) size() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// users returns how many calls hold or wait for a slot of authorization.
func (l *limiter) users(authorization string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[bucketKey(authorization)]; b != nil {
		return b.users
	}
	return 0
}

func TestConcurrencyPerToken(t *testing.T) {
	t.Parallel()
	const a, b = "Bearer " + upstreamtest.TokenAlice, "Bearer " + upstreamtest.TokenBob
	g := newGate(a)
	base, _ := newTestClient(t, serve(t, g.wrap(upstreamtest.New())), WithMaxConcurrentPerToken(2))
	alice, bob := base.WithToken(a), base.WithToken(b)

	errs := make(chan error, 6)
	for range 6 {
		go func() {
			_, err := alice.ListZones(t.Context(), nil)
			errs <- err
		}()
	}
	<-g.entered
	<-g.entered
	// Two of Alice's calls are held upstream, the other four wait for a
	// slot: Bob's calls do not wait behind them.
	for range 3 {
		if _, err := bob.ListZones(t.Context(), nil); err != nil {
			t.Fatalf("bob: %v", err)
		}
	}
	if _, _, arrived := g.stats(a); arrived != 2 {
		t.Fatalf("%d of Alice's calls arrived, want 2", arrived)
	}
	// Each answer lets one waiting call in.
	for i := range 6 {
		g.open <- struct{}{}
		if i < 4 {
			<-g.entered
		}
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Errorf("alice: %v", err)
		}
	}
	if _, most, arrived := g.stats(a); most != 2 || arrived != 6 {
		t.Errorf("Alice: at most %d calls in flight of %d, want 2 of 6", most, arrived)
	}
	if n := base.limit.size(); n != 0 {
		t.Errorf("%d buckets left after every call ended", n)
	}
}

func TestWaiterLeavesWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	const a = "Bearer " + upstreamtest.TokenAlice
	g := newGate(a)
	c, _ := newTestClient(t, serve(t, g.wrap(upstreamtest.New())), WithMaxConcurrentPerToken(1))
	c = c.WithToken(a)

	first := make(chan error, 1)
	go func() {
		_, err := c.ListZones(t.Context(), nil)
		first <- err
	}()
	<-g.entered

	ctx, cancel := context.WithCancel(t.Context())
	watched := watchDone(ctx)
	second := make(chan error, 1)
	go func() {
		_, err := c.ListZones(watched, nil)
		second <- err
	}()
	<-watched.waiting
	if n := c.limit.users(a); n != 2 {
		t.Errorf("%d users of Alice's bucket, want 2 (one in flight, one waiting)", n)
	}
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("waiter: %v, want context.Canceled", err)
	}
	if _, _, arrived := g.stats(a); arrived != 1 {
		t.Errorf("%d calls arrived, want only the first", arrived)
	}

	g.open <- struct{}{}
	if err := <-first; err != nil {
		t.Errorf("first: %v", err)
	}
	if n := c.limit.size(); n != 0 {
		t.Errorf("%d buckets left after every call ended", n)
	}
}

// A logs stream takes no slot: while one is open, its token's other calls
// go on, even with a bound of one.
func TestStreamTakesNoSlot(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c, _ := newTestClient(t, fake.URL, WithMaxConcurrentPerToken(1))
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)
	s, err := c.StreamApplicationLogs(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := c.ListZones(t.Context(), nil); err != nil {
		t.Errorf("a call beside an open stream: %v", err)
	}
	if n := c.limit.size(); n != 0 {
		t.Errorf("%d buckets held with only a stream open", n)
	}
}

// Failed calls, retried ones, and documents whose body is read by the caller
// give their slot back too.
func TestSlotsAreGivenBack(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c, _ := newTestClient(t, fake.URL, WithMaxConcurrentPerToken(1))
	c = c.WithToken("Bearer " + upstreamtest.TokenAlice)

	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Status: 503})
	if _, err := c.ListZones(t.Context(), nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Malformed: true})
	if _, err := c.ListZones(t.Context(), nil); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("got %v, want ErrMalformedResponse", err)
	}
	if n := c.limit.size(); n != 0 {
		t.Errorf("%d buckets left after failed calls", n)
	}

	invoices, err := c.ListInvoices(t.Context(), upstreamtest.OrgAcme, nil)
	if err != nil || len(invoices) == 0 {
		t.Fatalf("invoices: %v", err)
	}
	doc, err := c.GetInvoiceDocument(t.Context(), upstreamtest.OrgAcme, invoices[0].Number, InvoiceHTML)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.limit.size(); n != 1 {
		t.Errorf("%d buckets while a document is read, want 1", n)
	}
	doc.Body.Close()
	doc.Body.Close() // a second Close gives nothing back twice
	if n := c.limit.size(); n != 0 {
		t.Errorf("%d buckets left after the document was closed", n)
	}
}

func TestLimiterBuckets(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	l := newLimiter(1)
	relA, err := l.acquire(ctx, "Bearer a")
	if err != nil {
		t.Fatal(err)
	}
	relB, err := l.acquire(ctx, "Bearer b") // another token: its own slot
	if err != nil {
		t.Fatal(err)
	}
	relAnon, err := l.acquire(ctx, "") // anonymous callers share one bucket
	if err != nil {
		t.Fatal(err)
	}
	if n := l.size(); n != 3 {
		t.Errorf("%d buckets, want 3", n)
	}

	waitCtx, cancel := context.WithCancel(ctx)
	watched := watchDone(waitCtx)
	waited := make(chan error, 1)
	go func() {
		_, err := l.acquire(watched, "")
		waited <- err
	}()
	<-watched.waiting
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Errorf("second anonymous call: %v, want context.Canceled", err)
	}

	ended, cancelEnded := context.WithCancel(ctx)
	cancelEnded()
	if _, err := l.acquire(ended, "Bearer c"); !errors.Is(err, context.Canceled) {
		t.Errorf("ended context: %v", err)
	}

	for _, rel := range []func(){relA, relA, relB, relAnon} {
		rel()
	}
	if n := l.size(); n != 0 {
		t.Errorf("%d buckets left", n)
	}
	relA, err = l.acquire(ctx, "Bearer a") // released twice, yet one slot as before
	if err != nil {
		t.Fatal(err)
	}
	relA()

	var unbounded *limiter = newLimiter(0)
	if unbounded != nil {
		t.Fatal("newLimiter(0) is not unbounded")
	}
	rel, err := unbounded.acquire(ctx, "Bearer a")
	if err != nil {
		t.Fatal(err)
	}
	rel()
	if _, err := New(WithTimeout(1), WithMaxConcurrentPerToken(-1)); err == nil {
		t.Error("New accepted WithMaxConcurrentPerToken(-1)")
	}
}
