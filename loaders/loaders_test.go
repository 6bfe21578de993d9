package loaders_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/loaders"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

func setup(t *testing.T, token string) (*upstreamtest.Server, context.Context) {
	t.Helper()
	return setupWith(t, token, loaders.Options{})
}

func setupWith(t *testing.T, token string, opts loaders.Options) (*upstreamtest.Server, context.Context) {
	t.Helper()
	fake := upstreamtest.NewServer(t)
	client, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		token = "Bearer " + token
	}
	return fake, loaders.With(t.Context(), loaders.New(client, token, opts))
}

// appIDs returns the ids of OrgAcme's applications.
func appIDs(t *testing.T, ctx context.Context) []string {
	t.Helper()
	apps, err := loaders.Applications(ctx, upstreamtest.OrgAcme)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(apps))
	for i, a := range apps {
		ids[i] = a.ID
	}
	return ids
}

// loadApps loads ids concurrently, as sibling GraphQL fields do.
func loadApps(ctx context.Context, ids []string) ([]*upstream.Application, []error) {
	apps := make([]*upstream.Application, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { apps[i], errs[i] = loaders.Application(ctx, upstreamtest.OrgAcme, id) })
	}
	wg.Wait()
	return apps, errs
}

// batchOf makes a by-id batch start exactly when it holds n keys, so that
// tests do not depend on how fast goroutines start.
func batchOf(n int) loaders.Options { return loaders.Options{BatchWait: time.Hour, MaxBatch: n} }

func TestByIDBatchIsOneListCallInKeyOrder(t *testing.T) {
	t.Parallel()
	fake, ctx := setupWith(t, upstreamtest.TokenAlice, batchOf(5))
	_, warm := setup(t, upstreamtest.TokenAlice) // another response, to learn the ids
	ids := appIDs(t, warm)[:5]
	ids = []string{ids[3], ids[0], ids[4], ids[1], ids[2]}
	apps, errs := loadApps(ctx, ids)
	for i := range ids {
		if errs[i] != nil || apps[i].ID != ids[i] {
			t.Errorf("key %d (%s): got %v, %v", i, ids[i], apps[i], errs[i])
		}
	}
	want := map[string]int{upstreamtest.RouteOrganisationApplications: 1}
	if diff := cmp.Diff(want, fake.Counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestByIDMissingKeyIsNotFound(t *testing.T) {
	t.Parallel()
	fake, ctx := setupWith(t, upstreamtest.TokenAlice, batchOf(2))
	apps, errs := loadApps(ctx, []string{upstreamtest.AcmeFirstAppID, "app_does-not-exist"})
	if errs[0] != nil || apps[0].ID != upstreamtest.AcmeFirstAppID {
		t.Errorf("existing key: %v, %v", apps[0], errs[0])
	}
	if !errors.Is(errs[1], upstream.ErrNotFound) || apps[1] != nil {
		t.Errorf("missing key: %v, %v; want ErrNotFound", apps[1], errs[1])
	}
	// The list lacks it, so one GET confirms the upstream's own answer.
	want := map[string]int{upstreamtest.RouteOrganisationApplications: 1, upstreamtest.RouteOrganisationApplication: 1}
	if diff := cmp.Diff(want, fake.Counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestByIDFailureIsCopiedToEveryKey(t *testing.T) {
	t.Parallel()
	fake, ctx := setupWith(t, upstreamtest.TokenAlice, batchOf(3))
	fake.Inject(upstreamtest.RouteOrganisationApplications, upstreamtest.Fault{Status: 500}) // not retried
	_, errs := loadApps(ctx, []string{upstreamtest.AcmeFirstAppID, "app_b", "app_c"})
	for i, err := range errs {
		if !errors.Is(err, upstream.ErrUnavailable) {
			t.Errorf("key %d: %v, want ErrUnavailable", i, err)
		}
	}
	if n := fake.Total(); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestSingleIDIsOneGET(t *testing.T) {
	t.Parallel()
	fake, ctx := setup(t, upstreamtest.TokenAlice)
	app, err := loaders.Application(ctx, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID)
	if err != nil || app.ID != upstreamtest.AcmeFirstAppID {
		t.Fatal(app, err)
	}
	if diff := cmp.Diff(map[string]int{upstreamtest.RouteOrganisationApplication: 1}, fake.Counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestListsPrimeByIDLoaders(t *testing.T) {
	t.Parallel()
	fake, ctx := setup(t, upstreamtest.TokenAlice)
	ids := appIDs(t, ctx)
	if _, err := loaders.Application(ctx, upstreamtest.OrgAcme, ids[7]); err != nil {
		t.Fatal(err)
	}
	deps, err := loaders.Deployments(ctx, upstreamtest.OrgAcme, ids[7], 0)
	if err != nil || len(deps) == 0 {
		t.Fatal(deps, err)
	}
	if _, err := loaders.Deployment(ctx, upstreamtest.OrgAcme, ids[7], deps[len(deps)-1].ID); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(deps); i++ {
		if deps[i-1].StartDate.Before(deps[i].StartDate.Time) {
			t.Errorf("deployments not newest first: %s before %s", deps[i-1].StartDate, deps[i].StartDate)
		}
	}
	want := map[string]int{upstreamtest.RouteOrganisationApplications: 1, upstreamtest.RouteDeployments: 1}
	if diff := cmp.Diff(want, fake.Counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestEachResourceIsFetchedOnce(t *testing.T) {
	t.Parallel()
	fake, ctx := setup(t, upstreamtest.TokenAlice)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := loaders.Instances(ctx, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil); err != nil {
				t.Error(err)
			}
			if _, err := loaders.DeploymentInstances(ctx, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, upstreamtest.AcmeFirstAppDeploymentID); err != nil {
				t.Error(err)
			}
			if _, err := loaders.Zone(ctx, "", "par"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	want := map[string]int{upstreamtest.RouteInstances: 1, upstreamtest.RouteZones: 1}
	if diff := cmp.Diff(want, fake.Counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if _, err := loaders.Zone(ctx, "", "atlantis"); !errors.Is(err, upstream.ErrNotFound) {
		t.Errorf("unknown zone: %v, want ErrNotFound", err)
	}
}

func TestLoadersAreKeyedByToken(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	client, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	alice := loaders.With(t.Context(), loaders.New(client, "Bearer "+upstreamtest.TokenAlice, loaders.Options{}))
	bob := loaders.With(t.Context(), loaders.New(client, "Bearer "+upstreamtest.TokenBob, loaders.Options{}))
	anon := loaders.With(t.Context(), loaders.New(client, "", loaders.Options{}))
	if org, err := loaders.Organisation(alice, upstreamtest.OrgAcme); err != nil || org.ID != upstreamtest.OrgAcme {
		t.Errorf("alice: %v, %v", org, err)
	}
	if org, err := loaders.Organisation(bob, upstreamtest.OrgAcme); !errors.Is(err, upstream.ErrForbidden) || org != nil {
		t.Errorf("bob: %v, %v; want ErrForbidden", org, err)
	}
	before := fake.Total()
	if _, err := loaders.Organisation(anon, upstreamtest.OrgAcme); !errors.Is(err, upstream.ErrNoToken) {
		t.Errorf("anonymous: %v, want ErrNoToken", err)
	}
	if fake.Total() != before {
		t.Error("an anonymous lookup called the upstream")
	}
	if zones, err := loaders.Zones(anon); err != nil || len(zones) == 0 {
		t.Errorf("anonymous zones: %d, %v", len(zones), err)
	}
}

func TestCancelledCallIsNotCached(t *testing.T) {
	t.Parallel()
	fake, ctx := setup(t, upstreamtest.TokenAlice)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := loaders.Self(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if u, err := loaders.Self(ctx); err != nil || u.ID != upstreamtest.UserAlice {
		t.Fatalf("after a cancelled call the loader answered %v, %v", u, err)
	}
	if n := fake.Count(upstreamtest.RouteSelf); n != 1 {
		t.Errorf("%d /v2/self calls, want 1", n)
	}
}

func TestNoLoadersInContext(t *testing.T) {
	if _, err := loaders.Self(t.Context()); !errors.Is(err, loaders.ErrNoLoaders) {
		t.Fatalf("got %v, want ErrNoLoaders", err)
	}
}

func TestPersonalSpaceUsesSelfEndpoints(t *testing.T) {
	t.Parallel()
	fake, ctx := setup(t, upstreamtest.TokenAlice)
	apps, err := loaders.Applications(ctx, upstreamtest.UserAlice)
	if err != nil || len(apps) == 0 {
		t.Fatal(apps, err)
	}
	org, err := loaders.Organisation(ctx, upstreamtest.UserAlice)
	if err != nil || org.ID != upstreamtest.UserAlice || org.Name == "" {
		t.Fatal(org, err)
	}
	want := map[string]int{upstreamtest.RouteSelf: 1, upstreamtest.RouteSelfApplications: 1}
	if diff := cmp.Diff(want, fake.Counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// Lookups that know their siblings share one list call even when their
// loads never meet in a batch (a 1 ns wait): the decision rests on the
// siblings alone. Each lookup answers for its own id.
func TestSiblingsShareOneListWhateverTheTiming(t *testing.T) {
	t.Parallel()
	fake, ctx := setupWith(t, upstreamtest.TokenAlice, loaders.Options{BatchWait: time.Nanosecond})
	unknown := "orga_00000000-0000-4000-8000-000000000000"
	ids := []string{upstreamtest.OrgAcme, upstreamtest.OrgBeta, upstreamtest.OrgAcme, unknown}
	siblings := [][]string{{ids[0]}, {ids[1]}, {ids[2]}, {ids[3]}, {"a", "row of two"}}
	orgs := make([]*upstream.Organisation, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { orgs[i], errs[i] = loaders.OrganisationAmong(ctx, id, siblings) })
	}
	wg.Wait()
	for i, id := range ids[:3] {
		if errs[i] != nil || orgs[i].ID != id {
			t.Errorf("%s: %v, %v", id, orgs[i], errs[i])
		}
	}
	if !errors.Is(errs[3], upstream.ErrNotFound) || orgs[3] != nil {
		t.Errorf("unknown id: %v, %v; want ErrNotFound", orgs[3], errs[3])
	}
	want := map[string]int{upstreamtest.RouteOrganisations: 1, upstreamtest.RouteOrganisation: 1}
	if diff := cmp.Diff(want, fake.Counts()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// A sibling below another owner, or the same key twice, is no reason for a
// list; a failed list fails the lookups it answers, as a failed batch does;
// naive mode ignores siblings.
func TestSiblingsNeedingNoList(t *testing.T) {
	t.Parallel()
	first, keycloak := upstreamtest.AcmeFirstAppID, upstreamtest.AcmeKeycloakAppID
	tests := []struct {
		name     string
		opts     loaders.Options
		fault    bool
		siblings [][]string
		want     map[string]int
	}{
		{"other owner", loaders.Options{}, false, [][]string{{upstreamtest.OrgAcme, first}, {upstreamtest.OrgBeta, keycloak}},
			map[string]int{upstreamtest.RouteOrganisationApplication: 1}},
		{"same key", loaders.Options{}, false, [][]string{{upstreamtest.OrgAcme, first}, {upstreamtest.OrgAcme, first}},
			map[string]int{upstreamtest.RouteOrganisationApplication: 1}},
		{"failed list", loaders.Options{}, true, [][]string{{upstreamtest.OrgAcme, first}, {upstreamtest.OrgAcme, keycloak}},
			map[string]int{upstreamtest.RouteOrganisationApplications: 1}},
		{"naive", loaders.Options{Naive: true}, false, [][]string{{upstreamtest.OrgAcme, first}, {upstreamtest.OrgAcme, keycloak}},
			map[string]int{upstreamtest.RouteOrganisationApplication: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, ctx := setupWith(t, upstreamtest.TokenAlice, tt.opts)
			if tt.fault {
				fake.Inject(upstreamtest.RouteOrganisationApplications, upstreamtest.Fault{Status: 500})
			}
			app, err := loaders.ApplicationAmong(ctx, upstreamtest.OrgAcme, first, tt.siblings)
			if tt.fault {
				if !errors.Is(err, upstream.ErrUnavailable) {
					t.Errorf("got %v, %v; want ErrUnavailable", app, err)
				}
			} else if err != nil || app.ID != first {
				t.Errorf("got %v, %v", app, err)
			}
			if diff := cmp.Diff(tt.want, fake.Counts()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

// A lookup that knows all its siblings has nothing to wait for: it goes at
// once, without the batch wait (an hour here: the test would hang).
func TestSiblingsKnownGoAtOnce(t *testing.T) {
	t.Parallel()
	unknown := "orga_00000000-0000-4000-8000-000000000000"
	for _, tt := range []struct {
		name     string
		id       string
		siblings [][]string
		want     map[string]int
	}{
		{"alone", upstreamtest.OrgAcme, [][]string{{upstreamtest.OrgAcme}}, map[string]int{upstreamtest.RouteOrganisation: 1}},
		{"twice", upstreamtest.OrgAcme, [][]string{{upstreamtest.OrgAcme}, {upstreamtest.OrgAcme}}, map[string]int{upstreamtest.RouteOrganisation: 1}},
		{"missing from the list", unknown, [][]string{{unknown}, {upstreamtest.OrgAcme}}, map[string]int{upstreamtest.RouteOrganisations: 1, upstreamtest.RouteOrganisation: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, ctx := setupWith(t, upstreamtest.TokenAlice, loaders.Options{BatchWait: time.Hour})
			var org *upstream.Organisation
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				org, err = loaders.OrganisationAmong(ctx, tt.id, tt.siblings)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the lookup waited for the batch")
			}
			if tt.id == unknown {
				if !errors.Is(err, upstream.ErrNotFound) {
					t.Fatalf("got %v, %v; want ErrNotFound", org, err)
				}
			} else if err != nil || org.ID != tt.id {
				t.Fatalf("got %v, %v", org, err)
			}
			if diff := cmp.Diff(tt.want, fake.Counts()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}
