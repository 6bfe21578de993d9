package upstream_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// A 2xx body is one JSON value: anything else, an empty body included
// (never an empty list), is malformed.
func TestBodyIsOneJSONValue(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		body      string
		malformed bool
		zones     int
	}{
		{body: " \n", malformed: true},
		{body: `[{"name":"par"}]`, zones: 1},
		{body: " [{\"name\":\"par\"},{\"name\":\"mtl\"}]\n", zones: 2},
		{body: `[{"name":"par"}] [{"name":"mtl"}]`, malformed: true},
		{body: `[{"name":"par"}] trailing`, malformed: true},
		{body: `[{"name":"par"}`, malformed: true},
		{body: `{"name":"par"}`, malformed: true},
	} {
		fake := upstreamtest.NewServer(t)
		fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Body: tt.body})
		zones, err := newClient(t, fake, "").ListZones(t.Context(), nil)
		if tt.malformed {
			if !errors.Is(err, upstream.ErrMalformedResponse) {
				t.Errorf("body %q: got %v, want ErrMalformedResponse", tt.body, err)
			}
			continue
		}
		if err != nil || len(zones) != tt.zones {
			t.Errorf("body %q: %d zones, %v; want %d", tt.body, len(zones), err, tt.zones)
		}
	}
}

// Answers are read into reused buffers: what was decoded from one must not
// change when the buffer serves other answers, concurrent ones included.
func TestDecodedAnswersOutliveTheirBuffer(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	first, err := c.ListApplications(t.Context(), upstreamtest.OrgAcme, false, nil)
	if err != nil || len(first) == 0 {
		t.Fatalf("%d applications, %v", len(first), err)
	}
	snapshot, err := json.Marshal(first) // a copy that shares no memory with first
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := c.ListZones(t.Context(), nil); err != nil {
					t.Error(err)
				}
				if _, err := c.ListOrganisations(t.Context()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	later, err := json.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(snapshot), string(later)); diff != "" {
		t.Errorf("applications changed after their buffer was reused (-decoded +later):\n%s", diff)
	}
}

// A 204, or a 200 with nothing in it, where an object is expected is a
// malformed answer: never an object with every field empty.
func TestEmptyAnswerIsNoObject(t *testing.T) {
	t.Parallel()
	for _, fault := range []upstreamtest.Fault{{Status: 204}, {Body: " "}} {
		fake := upstreamtest.NewServer(t)
		fake.Inject(upstreamtest.RouteOrganisationApplication, fault)
		fake.Inject(upstreamtest.RouteSelf, fault)
		c := newClient(t, fake, upstreamtest.TokenAlice)
		app, err := c.GetApplication(t.Context(), upstreamtest.OrgAcme, false, upstreamtest.AcmeFirstAppID)
		var ue *upstream.Error
		if !errors.Is(err, upstream.ErrMalformedResponse) || !errors.As(err, &ue) || ue.Message != "empty response body" {
			t.Errorf("%+v: application %+v, %v; want an empty-body error", fault, app, err)
		}
		if user, err := c.GetSelf(t.Context()); !errors.Is(err, upstream.ErrMalformedResponse) {
			t.Errorf("%+v: self %+v, %v; want an empty-body error", fault, user, err)
		}
	}
}
