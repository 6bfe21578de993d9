package loaders_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cleverql/gateway/internal/wait"
	"github.com/cleverql/gateway/loaders"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// sharing is a fake and a client behind loaders that share one Flights;
// respond makes the loaders of a new response.
type sharing struct {
	fake    *upstreamtest.Server
	client  *upstream.Client
	flights *loaders.Flights
	ended   chan error // upstream calls' transport errors (nil: answered), while there is room
}

func newSharing(t *testing.T) *sharing {
	t.Helper()
	s := &sharing{fake: upstreamtest.NewServer(t), flights: loaders.NewFlights(nil), ended: make(chan error, 100)}
	base := upstream.NewTransport()
	hc := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		select {
		case s.ended <- err:
		default: // nobody looks
		}
		return resp, err
	})}
	var err error
	s.client, err = upstream.New(upstream.WithBaseURL(s.fake.URL), upstream.WithTimeout(5*time.Second), upstream.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (s *sharing) respond(ctx context.Context, token string) context.Context {
	return loaders.With(ctx, loaders.New(s.client, "Bearer "+token, loaders.Options{Share: s.flights}))
}

// holdZones makes the fake hold its zones answers until the returned
// channel is closed.
func (s *sharing) holdZones() chan struct{} {
	gate := make(chan struct{})
	s.fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Hold: gate})
	return gate
}

type zonesAnswer struct {
	zones []upstream.Zone
	err   error
}

func (s *sharing) zones(ctx context.Context) <-chan zonesAnswer {
	out := make(chan zonesAnswer, 1)
	go func() {
		z, err := loaders.Zones(ctx)
		out <- zonesAnswer{z, err}
	}()
	return out
}

// Two responses of one caller that need the same call while it is in
// flight make it once, and both get its answer.
func TestResponsesJoinACallInFlight(t *testing.T) {
	t.Parallel()
	s := newSharing(t)
	gate := s.holdZones()
	a, b := s.respond(t.Context(), upstreamtest.TokenAlice), s.respond(t.Context(), upstreamtest.TokenAlice)

	first := s.zones(a)
	wait.Until(t, "the first call", func() bool { return s.fake.Count(upstreamtest.RouteZones) == 1 })
	second := s.zones(b)
	wait.Until(t, "the second response to wait", func() bool { _, w := s.flights.InFlight(); return w == 2 })
	close(gate)
	za, zb := <-first, <-second
	if za.err != nil || zb.err != nil || len(za.zones) == 0 || len(za.zones) != len(zb.zones) {
		t.Fatalf("answers: %d zones, %v; %d zones, %v", len(za.zones), za.err, len(zb.zones), zb.err)
	}
	if n := s.fake.Count(upstreamtest.RouteZones); n != 1 {
		t.Errorf("%d zones calls, want 1", n)
	}
	if calls, waiting := s.flights.InFlight(); calls != 0 || waiting != 0 {
		t.Errorf("%d calls and %d waiting after the answer: nothing is kept", calls, waiting)
	}

	// Once answered, the next response makes its own call: no cache.
	if _, err := loaders.Zones(s.respond(t.Context(), upstreamtest.TokenAlice)); err != nil {
		t.Fatal(err)
	}
	if n := s.fake.Count(upstreamtest.RouteZones); n != 2 {
		t.Errorf("%d zones calls after a later response, want 2", n)
	}
}

// A response joins a call that started before it did, unless a write of
// the caller ended since the call started: its answer could predate a
// change the caller saw answered before sending the query.
func TestOlderCallsAreJoinedUnlessTheCallerWrote(t *testing.T) {
	t.Parallel()
	for _, wrote := range []bool{false, true} {
		s := newSharing(t)
		gate := s.holdZones()
		first := s.zones(s.respond(t.Context(), upstreamtest.TokenAlice))
		wait.Until(t, "the first call", func() bool { return s.fake.Count(upstreamtest.RouteZones) == 1 })
		if wrote {
			s.flights.Wrote("Bearer " + upstreamtest.TokenBob) // another caller's write changes nothing
			s.flights.Wrote("Bearer " + upstreamtest.TokenAlice)
		}
		later := s.zones(s.respond(t.Context(), upstreamtest.TokenAlice)) // made after the call started
		if wrote {
			wait.Until(t, "the later response's own call", func() bool { return s.fake.Count(upstreamtest.RouteZones) == 2 })
		} else {
			wait.Until(t, "the later response to join", func() bool { _, w := s.flights.InFlight(); return w == 2 })
		}
		close(gate)
		for _, ch := range []<-chan zonesAnswer{first, later} {
			if z := <-ch; z.err != nil || len(z.zones) == 0 {
				t.Fatalf("wrote %v: answer: %d zones, %v", wrote, len(z.zones), z.err)
			}
		}
		want := 1
		if wrote {
			want = 2
		}
		if n := s.fake.Count(upstreamtest.RouteZones); n != want {
			t.Errorf("wrote %v: %d zones calls, want %d", wrote, n, want)
		}
	}
}

// Calls of two callers never meet.
func TestOtherCallersDoNotJoin(t *testing.T) {
	t.Parallel()
	s := newSharing(t)
	gate := s.holdZones()
	alice, bob := s.respond(t.Context(), upstreamtest.TokenAlice), s.respond(t.Context(), upstreamtest.TokenBob)
	first := s.zones(alice)
	wait.Until(t, "Alice's call", func() bool { return s.fake.Count(upstreamtest.RouteZones) == 1 })
	second := s.zones(bob)
	wait.Until(t, "Bob's own call", func() bool { return s.fake.Count(upstreamtest.RouteZones) == 2 })
	close(gate)
	<-first
	<-second
	tokens := map[string]bool{}
	for _, r := range s.fake.Requests() {
		tokens[r.Header.Get("Authorization")] = true
	}
	if len(tokens) != 2 {
		t.Errorf("the calls carried %v, want each caller's token", tokens)
	}
}

// A shared call lasts while some response waits for it: the one that
// started it may leave, the others still get the answer; once nobody
// waits, the upstream request is cancelled, and nobody joins it.
func TestSharedCallEndsWithItsLastWaiter(t *testing.T) {
	t.Parallel()
	s := newSharing(t)
	s.holdZones() // never released: the call ends when nobody waits

	ctxA, cancelA := context.WithCancel(t.Context())
	ctxB, cancelB := context.WithCancel(t.Context())
	defer cancelB()
	a, b := s.respond(ctxA, upstreamtest.TokenAlice), s.respond(ctxB, upstreamtest.TokenAlice)
	first := s.zones(a)
	wait.Until(t, "the first call", func() bool { return s.fake.Count(upstreamtest.RouteZones) == 1 })
	second := s.zones(b)
	wait.Until(t, "the second response to wait", func() bool { _, w := s.flights.InFlight(); return w == 2 })

	cancelA() // the response that started the call leaves
	if z := <-first; !errors.Is(z.err, context.Canceled) {
		t.Fatalf("the leaving response got %v, want context.Canceled", z.err)
	}
	cancelB() // and then the last one
	if z := <-second; !errors.Is(z.err, context.Canceled) {
		t.Fatalf("the last response got %v, want context.Canceled", z.err)
	}
	select {
	case err := <-s.ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the upstream request ended with %v, want it cancelled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream request outlived every response waiting for it")
	}
	if calls, waiting := s.flights.InFlight(); calls != 0 || waiting != 0 {
		t.Errorf("%d calls, %d waiting once everybody left", calls, waiting)
	}

	// The first response leaving did not end the call for the second.
	gate2 := s.holdZones()
	ctxC, cancelC := context.WithCancel(t.Context())
	c, d := s.respond(ctxC, upstreamtest.TokenAlice), s.respond(t.Context(), upstreamtest.TokenAlice)
	third := s.zones(c)
	wait.Until(t, "the third call", func() bool { return s.fake.Count(upstreamtest.RouteZones) == 2 })
	fourth := s.zones(d)
	wait.Until(t, "the fourth response to wait", func() bool { _, w := s.flights.InFlight(); return w == 2 })
	cancelC()
	<-third
	close(gate2)
	if z := <-fourth; z.err != nil || len(z.zones) == 0 {
		t.Fatalf("the response that stayed got %d zones, %v", len(z.zones), z.err)
	}
	if n := s.fake.Count(upstreamtest.RouteZones); n != 2 {
		t.Errorf("%d zones calls, want 2", n)
	}
}

// Many responses at once, over every kind of call the nested query makes:
// the answers are each response's own (run with -race: shared answers are
// only read).
func TestManyResponsesShareCalls(t *testing.T) {
	t.Parallel()
	s := newSharing(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			ctx := s.respond(t.Context(), upstreamtest.TokenAlice)
			apps, err := loaders.Applications(ctx, upstreamtest.OrgAcme)
			if err != nil {
				errs <- err
				return
			}
			var inner sync.WaitGroup
			for _, a := range apps {
				inner.Go(func() {
					if _, err := loaders.Deployments(ctx, a.OwnerID, a.ID, 0); err != nil {
						errs <- err
					}
					if _, err := loaders.Instances(ctx, a.OwnerID, a.ID, nil); err != nil {
						errs <- err
					}
					if _, err := loaders.Zone(ctx, a.ZoneID, a.ZoneName); err != nil {
						errs <- err
					}
				})
			}
			inner.Wait()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Sharing never costs calls: at most what 20 responses make alone.
	if n := s.fake.Total(); n > 20*(1+20+20+1) {
		t.Errorf("%d calls for 20 responses", n)
	}
}
