package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// Tests of the v2 add-on, legacy deployment, member and summary endpoints, in
// the shape of TestEndpoints plus the query the fake received.

// equateTime compares upstream dates by instant (Time wraps a time.Time,
// whose unexported fields cmp cannot read).
var equateTime = cmp.Comparer(func(a, b upstream.Time) bool { return a.Equal(b.Time) })

type v2Test struct {
	name   string
	route  string
	method string
	path   string     // escaped, as received
	query  url.Values // nil: none
	call   func(context.Context, *testing.T, *upstream.Client)
}

func TestV2MoreEndpoints(t *testing.T) {
	t.Parallel()
	const (
		acme    = upstreamtest.OrgAcme
		app     = upstreamtest.AcmeFirstAppID
		selfApp = upstreamtest.AliceFirstAppID
		orgApp  = "/v2/organisations/" + acme + "/applications/" + app
	)
	// The dataset is the same on every fake: read the ids and v4 views the
	// table needs from a scratch one.
	ctx := t.Context()
	scratch := newClient(t, upstreamtest.NewServer(t), upstreamtest.TokenAlice)
	aliceAddon := must(scratch.ListAddons(ctx, upstreamtest.UserAlice, true))(t)[0].ID
	v4 := must(scratch.ListDeployments(ctx, acme, app, nil))(t)
	legacy := must(scratch.ListLegacyDeployments(ctx, acme, false, app, nil))(t)
	selfUUID := must(scratch.ListLegacyDeployments(ctx, "", true, selfApp, nil))(t)[0].UUID
	uuid := strings.TrimPrefix(upstreamtest.AcmeFirstAppDeploymentID, "deployment_")

	tests := []v2Test{
		{"addon", upstreamtest.RouteOrganisationAddon, "GET", "/v2/organisations/" + acme + "/addons/" + upstreamtest.AcmeKeycloakAddonID, nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			a := must(c.GetAddon(ctx, acme, false, upstreamtest.AcmeKeycloakAddonID))(t)
			if a.ID != upstreamtest.AcmeKeycloakAddonID || a.RealID != upstreamtest.AcmeKeycloakRealID || a.Provider.ID != "keycloak" ||
				deref(a.Region) != "par" || a.Plan == nil || a.CreationDate.IsZero() || a.CreationDate.Location() != time.UTC {
				t.Errorf("decoded %+v", a)
			}
		}},
		{"self addon", upstreamtest.RouteSelfAddon, "GET", "/v2/self/addons/" + aliceAddon, nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if a := must(c.GetAddon(ctx, "", true, aliceAddon))(t); a.RealID != upstreamtest.AliceMetabaseRealID {
				t.Errorf("decoded %+v", a)
			}
		}},
		{"addon id escaped", upstreamtest.RouteOrganisationAddon, "GET", "/v2/organisations/" + acme + "/addons/addon%20x%25", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if _, err := c.GetAddon(ctx, acme, false, "addon x%"); !errors.Is(err, upstream.ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		}},
		{"legacy deployments", upstreamtest.RouteOrganisationLegacyDeployments, "GET", orgApp + "/deployments",
			url.Values{"limit": {"2"}, "offset": {"1"}, "action": {"DEPLOY"}}, func(ctx context.Context, t *testing.T, c *upstream.Client) {
				ds := must(c.ListLegacyDeployments(ctx, acme, false, app, &upstream.ListLegacyDeploymentsOptions{Limit: 2, Offset: 1, Action: "DEPLOY"}))(t)
				if len(ds) != 2 {
					t.Fatalf("decoded %d deployments, want 2", len(ds))
				}
				// offset=1 skips the newest: these are v4's second and third.
				for i, want := range []string{"OK", "FAIL"} {
					d, v := ds[i], v4[i+1]
					if d.UUID != strings.TrimPrefix(v.ID, "deployment_") || d.State != want || !d.Date.Equal(v.StartDate.Time) ||
						deref(d.Commit) != deref(v.CommitID()) || d.Action != "DEPLOY" || deref(d.Cause) == "" || d.Instances == 0 || d.Index == 0 {
						t.Errorf("deployment %d: decoded %+v, v4 %+v", i, d, v)
					}
				}
			}},
		{"legacy deployments, no options", upstreamtest.RouteOrganisationLegacyDeployments, "GET", orgApp + "/deployments", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if ds := must(c.ListLegacyDeployments(ctx, acme, false, app, nil))(t); len(ds) != 3 || ds[0].Index <= ds[1].Index {
				t.Errorf("decoded %+v", ds)
			}
		}},
		{"self legacy deployments", upstreamtest.RouteSelfLegacyDeployments, "GET", "/v2/self/applications/" + selfApp + "/deployments", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if ds := must(c.ListLegacyDeployments(ctx, "", true, selfApp, &upstream.ListLegacyDeploymentsOptions{}))(t); len(ds) != 3 {
				t.Errorf("decoded %+v", ds)
			}
		}},
		{"legacy deployment", upstreamtest.RouteOrganisationLegacyDeployment, "GET", orgApp + "/deployments/" + uuid, nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			d := must(c.GetLegacyDeployment(ctx, acme, false, app, uuid))(t)
			want := upstream.LegacyDeployment{
				UUID: uuid, Index: legacy[0].Index, Date: v4[0].StartDate, State: "OK", Action: "DEPLOY",
				Commit: v4[0].CommitID(), Cause: v4[0].Origin.Cause, Instances: 2,
				Author: &upstream.LegacyDeploymentAuthor{ID: upstreamtest.UserAlice, Name: new("Alice Martin")},
			}
			if diff := cmp.Diff(want, *d, equateTime); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		}},
		{"self legacy deployment", upstreamtest.RouteSelfLegacyDeployment, "GET", "/v2/self/applications/" + selfApp + "/deployments/" + selfUUID, nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if d := must(c.GetLegacyDeployment(ctx, "", true, selfApp, selfUUID))(t); d.UUID != selfUUID || d.Date.IsZero() {
				t.Errorf("decoded %+v", d)
			}
		}},
		{"cancel deployment", upstreamtest.RouteOrganisationCancelDeployment, "DELETE", orgApp + "/deployments/" + uuid + "/instances", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			mustErr(t, c.CancelDeployment(ctx, acme, false, app, uuid))
		}},
		{"self cancel deployment", upstreamtest.RouteSelfCancelDeployment, "DELETE", "/v2/self/applications/" + selfApp + "/deployments/" + selfUUID + "/instances", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			mustErr(t, c.CancelDeployment(ctx, "", true, selfApp, selfUUID))
		}},
		{"organisation deployments", upstreamtest.RouteOrganisationDeployments, "GET", "/v2/organisations/" + acme + "/deployments", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			byApp := must(c.ListOrganisationDeployments(ctx, acme, false))(t)
			if len(byApp) != 20 {
				t.Errorf("decoded %d applications, want 20", len(byApp))
			}
			if diff := cmp.Diff(legacy, byApp[app], equateTime); diff != "" {
				t.Errorf("%s (-its own list +map entry):\n%s", app, diff)
			}
		}},
		{"self organisation deployments", upstreamtest.RouteSelfDeployments, "GET", "/v2/self/deployments", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if byApp := must(c.ListOrganisationDeployments(ctx, upstreamtest.UserAlice, true))(t); len(byApp) != 2 || len(byApp[selfApp]) != 3 {
				t.Errorf("decoded %+v", byApp)
			}
		}},
		{"members", upstreamtest.RouteOrganisationMembers, "GET", "/v2/organisations/" + acme + "/members", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			ms := must(c.ListMembers(ctx, acme))(t)
			roles := map[string]bool{}
			var alice, anonymous *upstream.Member
			for i, m := range ms {
				if m.Member.ID == "" || m.Member.Email == "" || m.Role == "" || m.Member.PreferredMFA == nil {
					t.Errorf("decoded %+v", m)
				}
				roles[m.Role] = true
				switch {
				case m.Member.ID == upstreamtest.UserAlice:
					alice = &ms[i]
				case m.Member.Name == nil:
					anonymous = &ms[i]
				}
			}
			if alice == nil || alice.Role != "ADMIN" || deref(alice.Job) != "CTO" || deref(alice.Member.Name) != "Alice Martin" || deref(alice.Member.Avatar) == "" {
				t.Errorf("alice: %+v", alice)
			}
			if anonymous == nil || anonymous.Member.Avatar != nil || anonymous.Job != nil {
				t.Errorf("member without a profile: %+v", anonymous)
			}
			if diff := cmp.Diff(map[string]bool{"ADMIN": true, "MANAGER": true, "ACCOUNTING": true, "DEVELOPER": true}, roles); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
		}},
		{"summary", upstreamtest.RouteSummary, "GET", "/v2/summary", nil, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			checkSummary(t, must(c.GetSummary(ctx, false))(t))
		}},
		{"full summary", upstreamtest.RouteSummary, "GET", "/v2/summary", url.Values{"full": {"true"}}, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			checkSummary(t, must(c.GetSummary(ctx, true))(t))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := upstreamtest.NewServer(t)
			tt.call(t.Context(), t, newClient(t, fake, upstreamtest.TokenAlice))
			req := lastRequest(t, fake)
			if req.Route != tt.route || req.Method != tt.method || req.RawPath != tt.path {
				t.Errorf("fake received %s %s (route %s), want %s %s (route %s)", req.Method, req.RawPath, req.Route, tt.method, tt.path, tt.route)
			}
			if len(req.Query) == 0 {
				req.Query = nil
			}
			if diff := cmp.Diff(tt.query, req.Query); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

func checkSummary(t *testing.T, s *upstream.Summary) {
	t.Helper()
	if s.User.ID != upstreamtest.UserAlice || s.User.Role != "ADMIN" {
		t.Errorf("user %+v", s.User)
	}
	var ids []string
	for _, o := range s.Organisations {
		ids = append(ids, o.ID)
	}
	if diff := cmp.Diff([]string{upstreamtest.UserAlice, upstreamtest.OrgAcme, upstreamtest.OrgBeta}, ids); diff != "" {
		t.Fatalf("organisations (-want +got):\n%s", diff)
	}
	acme, beta := s.Organisations[1], s.Organisations[2]
	if acme.Name != "Acme Corp" || acme.Role != "ADMIN" || beta.Role != "DEVELOPER" || deref(acme.VATState) != "VALID" ||
		!deref(acme.CanPay) || !deref(acme.CleverEnterprise) || deref(acme.EmergencyNumber) == "" || deref(acme.Avatar) == "" ||
		acme.Consumers == nil || acme.Providers == nil {
		t.Errorf("acme %+v", acme)
	}
	if len(acme.Applications) != 20 {
		t.Fatalf("%d acme applications, want 20", len(acme.Applications))
	}
	a := acme.Applications[0]
	if a.ID != upstreamtest.AcmeFirstAppID || a.Name == "" || deref(a.InstanceType) != "node" || deref(a.InstanceVariant) == "" ||
		deref(a.VariantSlug) != "node" || deref(a.VariantLogoURL) == "" || deref(a.State) == "" || deref(a.Commit) == "" ||
		a.Archived == nil || a.SystemTags == nil || a.CustomerTags == nil {
		t.Errorf("first acme application %+v", a)
	}
	realIDs := map[string]string{}
	for _, ad := range acme.Addons {
		if deref(ad.Name) == "" || ad.ProviderID == "" || deref(ad.LogoURL) == "" {
			t.Errorf("addon %+v", ad)
		}
		realIDs[ad.ID] = ad.RealID
	}
	if realIDs[upstreamtest.AcmeKeycloakAddonID] != upstreamtest.AcmeKeycloakRealID {
		t.Errorf("keycloak realId %q", realIDs[upstreamtest.AcmeKeycloakAddonID])
	}
}

func TestV2MoreErrors(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	bob := newClient(t, fake, upstreamtest.TokenBob)
	alice := newClient(t, fake, upstreamtest.TokenAlice)
	ctx := t.Context()
	app := upstreamtest.AcmeFirstAppID
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"members of another's org", second(bob.ListMembers(ctx, upstreamtest.OrgAcme)), upstream.ErrForbidden},
		{"addon of another's org", second(bob.GetAddon(ctx, upstreamtest.OrgAcme, false, upstreamtest.AcmeKeycloakAddonID)), upstream.ErrForbidden},
		{"addon by realId", second(alice.GetAddon(ctx, upstreamtest.OrgAcme, false, upstreamtest.AcmeKeycloakRealID)), upstream.ErrNotFound},
		{"v4 id as legacy uuid", second(alice.GetLegacyDeployment(ctx, upstreamtest.OrgAcme, false, app, upstreamtest.AcmeFirstAppDeploymentID)), upstream.ErrNotFound},
		{"cancel unknown deployment", alice.CancelDeployment(ctx, upstreamtest.OrgAcme, false, app, "nope"), upstream.ErrNotFound},
		{"bad action", second(alice.ListLegacyDeployments(ctx, upstreamtest.OrgAcme, false, app, &upstream.ListLegacyDeploymentsOptions{Action: "deploy"})), upstream.ErrBadRequest},
		{"invalid id", second(alice.ListLegacyDeployments(ctx, upstreamtest.OrgAcme, false, "../x", nil)), upstream.ErrInvalidID},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	anonymous := newClient(t, fake, "")
	if _, err := anonymous.GetSummary(ctx, false); !errors.Is(err, upstream.ErrNoToken) {
		t.Errorf("no token: got %v, want ErrNoToken", err)
	}
	if n := fake.Count(upstreamtest.RouteSummary); n != 0 {
		t.Errorf("no token sent %d requests", n)
	}
	var e *upstream.Error
	if err := alice.CancelDeployment(ctx, upstreamtest.OrgAcme, false, app, "nope"); !errors.As(err, &e) || e.StatusCode != http.StatusNotFound || e.RequestID == "" {
		t.Errorf("error details: %+v", e)
	}
}

func second[T any](_ T, err error) error { return err }
