package upstream_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// One test per endpoint: the method and path the fake received, and what
// decoded. The fake serves the documented wire shapes, so a wrong JSON tag
// shows here as an empty field.

type endpointTest struct {
	name   string
	route  string
	method string
	path   string // escaped, as received
	call   func(context.Context, *testing.T, *upstream.Client)
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	const (
		acme  = upstreamtest.OrgAcme
		app   = upstreamtest.AcmeFirstAppID
		orch  = "/v4/orchestration/organisations/" + acme + "/applications/" + app
		bill  = "/v4/billing/organisations/" + acme + "/invoices"
		kc    = "/v4/addon-providers/addon-keycloak/addons/" + upstreamtest.AcmeKeycloakRealID
		pulse = "/v4/addon-providers/addon-pulsar/addons/" + upstreamtest.AcmePulsarRealID + "/storage-policies"
	)
	tests := []endpointTest{
		{"self", upstreamtest.RouteSelf, "GET", "/v2/self", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			u := must(c.GetSelf(ctx))(t)
			if u.ID != upstreamtest.UserAlice || deref(u.Email) == "" || u.CreationDate.IsZero() {
				t.Errorf("decoded %+v", u)
			}
		}},
		{"organisations", upstreamtest.RouteOrganisations, "GET", "/v2/organisations", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			orgs := must(c.ListOrganisations(ctx))(t)
			if len(orgs) != 3 || orgs[0].ID == "" || orgs[0].Name == "" {
				t.Errorf("decoded %+v", orgs)
			}
		}},
		{"organisation", upstreamtest.RouteOrganisation, "GET", "/v2/organisations/" + acme, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			o := must(c.GetOrganisation(ctx, acme))(t)
			if o.ID != acme || o.Name == "" || deref(o.BillingEmail) == "" || deref(o.VATState) == "" {
				t.Errorf("decoded %+v", o)
			}
		}},
		{"applications", upstreamtest.RouteOrganisationApplications, "GET", "/v2/organisations/" + acme + "/applications", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			apps := must(c.ListApplications(ctx, acme, false, nil))(t)
			a := apps[0]
			if len(apps) != 20 || a.OwnerID != acme || a.ZoneName == "" || a.ZoneID == "" || a.CreationDate.IsZero() ||
				a.Instance == nil || a.Instance.Variant == nil || a.Deployment == nil || len(a.Vhosts) == 0 {
				t.Errorf("decoded %d apps, first %+v", len(apps), a)
			}
		}},
		{"self applications", upstreamtest.RouteSelfApplications, "GET", "/v2/self/applications", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			apps := must(c.ListApplications(ctx, upstreamtest.UserAlice, true, nil))(t)
			if len(apps) == 0 || apps[0].OwnerID != upstreamtest.UserAlice {
				t.Errorf("decoded %+v", apps)
			}
		}},
		{"application", upstreamtest.RouteOrganisationApplication, "GET", "/v2/organisations/" + acme + "/applications/" + app, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			a := must(c.GetApplication(ctx, acme, false, app))(t)
			if a.ID != app || a.Name == "" || deref(a.State) == "" || deref(a.CommitID) == "" {
				t.Errorf("decoded %+v", a)
			}
		}},
		{"self application", upstreamtest.RouteSelfApplication, "GET", "/v2/self/applications/" + upstreamtest.AliceFirstAppID, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			a := must(c.GetApplication(ctx, upstreamtest.UserAlice, true, upstreamtest.AliceFirstAppID))(t)
			if a.ID != upstreamtest.AliceFirstAppID {
				t.Errorf("decoded %+v", a)
			}
		}},
		{"addons", upstreamtest.RouteOrganisationAddons, "GET", "/v2/organisations/" + acme + "/addons", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			addons := must(c.ListAddons(ctx, acme, false))(t)
			kinds := map[string]bool{}
			for _, a := range addons {
				if a.ID == "" || a.RealID == "" || a.Provider.ID == "" || a.CreationDate.IsZero() {
					t.Errorf("decoded %+v", a)
				}
				if k, ok := upstream.OperatorKindOfProvider(a.Provider.ID); ok {
					kinds[string(k)] = true
				}
			}
			if len(kinds) != 4 {
				t.Errorf("operator kinds among acme's add-ons: %v, want all 4", kinds)
			}
		}},
		{"self addons", upstreamtest.RouteSelfAddons, "GET", "/v2/self/addons", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if addons := must(c.ListAddons(ctx, upstreamtest.UserAlice, true))(t); len(addons) == 0 {
				t.Error("no add-ons in alice's personal space")
			}
		}},
		{"zones", upstreamtest.RouteZones, "GET", "/v4/products/zones", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			zones := must(c.ListZones(ctx, nil))(t)
			z := zones[0]
			if len(zones) < 6 || z.ID == "" || z.Name == "" || deref(z.City) == "" || z.Lat == nil || len(z.OutboundIPs) == 0 || len(z.Tags) == 0 {
				t.Errorf("decoded %d zones, first %+v", len(zones), z)
			}
		}},
		{"zone", upstreamtest.RouteZone, "GET", "/v4/products/zones/par", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if z := must(c.GetZone(ctx, "par"))(t); z.Name != "par" || deref(z.CountryCode) != "FR" {
				t.Errorf("decoded %+v", z)
			}
		}},
		{"deployments", upstreamtest.RouteDeployments, "GET", orch + "/deployments", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			ds := must(c.ListDeployments(ctx, acme, app, nil))(t)
			d := ds[0]
			if len(ds) != 3 || d.ID != upstreamtest.AcmeFirstAppDeploymentID || d.StartDate.IsZero() || d.State == "" || len(d.Steps) != 3 ||
				d.Steps[0].Date.IsZero() || d.CommitID() == nil || d.Origin == nil || deref(d.Origin.Action) == "" || d.HasDedicatedBuild == nil {
				t.Errorf("decoded %+v", d)
			}
		}},
		{"deployment", upstreamtest.RouteDeployment, "GET", orch + "/deployments/" + upstreamtest.AcmeFirstAppDeploymentID, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if d := must(c.GetDeployment(ctx, acme, app, upstreamtest.AcmeFirstAppDeploymentID))(t); d.ID != upstreamtest.AcmeFirstAppDeploymentID {
				t.Errorf("decoded %+v", d)
			}
		}},
		{"instances", upstreamtest.RouteInstances, "GET", orch + "/instances", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			ins := must(c.ListInstances(ctx, acme, app, nil))(t)
			i := ins[0]
			if len(ins) < 3 || i.ID == "" || i.State == "" || i.DeploymentID == nil || i.Network == nil || i.Network.Port == nil ||
				i.Index == nil || i.CreationDate.IsZero() || i.IsBuildVM == nil || deref(i.Flavor) == "" {
				t.Errorf("decoded %+v", i)
			}
		}},
		{"instance", upstreamtest.RouteInstance, "GET", orch + "/instances/" + upstreamtest.AcmeFirstAppInstanceID, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if i := must(c.GetInstance(ctx, acme, app, upstreamtest.AcmeFirstAppInstanceID))(t); i.ID != upstreamtest.AcmeFirstAppInstanceID {
				t.Errorf("decoded %+v", i)
			}
		}},
		{"load balancers", upstreamtest.RouteLoadBalancers, "GET", "/v4/load-balancers/organisations/" + acme + "/applications/" + app + "/load-balancers/default", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			lbs := must(c.ListLoadBalancers(ctx, acme, app, ""))(t)
			if len(lbs) != 1 || lbs[0].ID == "" || lbs[0].ZoneID == nil || lbs[0].DNS.CNAME == nil || len(lbs[0].DNS.A) == 0 {
				t.Errorf("decoded %+v", lbs)
			}
		}},
		{"invoices", upstreamtest.RouteInvoices, "GET", bill, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			invs := must(c.ListInvoices(ctx, acme, nil))(t)
			i := invs[0]
			if len(invs) != 4 || i.Number == "" || i.OwnerID != acme || i.EmissionDate.IsZero() || i.TotalTax == nil ||
				deref(i.TotalTax.Formatted) == "" || i.Address == nil || deref(i.Address.CountryAlpha2) == "" || i.VATPercent == nil {
				t.Errorf("decoded %+v", i)
			}
		}},
		{"unpaid invoices", upstreamtest.RouteUnpaidInvoices, "GET", bill + "/unpaid", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			invs := must(c.ListUnpaidInvoices(ctx, acme))(t)
			if len(invs) != 1 || invs[0].Number != upstreamtest.AcmeUnpaidInvoiceID || !invs[0].PayDate.IsZero() {
				t.Errorf("decoded %+v", invs)
			}
		}},
		{"invoice", upstreamtest.RouteInvoice, "GET", bill + "/" + upstreamtest.AcmePaidInvoiceID, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if i := must(c.GetInvoice(ctx, acme, upstreamtest.AcmePaidInvoiceID))(t); i.Number != upstreamtest.AcmePaidInvoiceID || i.PayDate.IsZero() {
				t.Errorf("decoded %+v", i)
			}
		}},
		{"invoice pdf", upstreamtest.RouteInvoicePDF, "GET", bill + "/" + upstreamtest.AcmePaidInvoiceID + ".pdf", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			d := must(c.GetInvoiceDocument(ctx, acme, upstreamtest.AcmePaidInvoiceID, upstream.InvoicePDF))(t)
			defer d.Body.Close()
			body := string(must(io.ReadAll(d.Body))(t))
			if d.ContentType != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
				t.Errorf("document %q: %.20q", d.ContentType, body)
			}
		}},
		{"invoice html", upstreamtest.RouteInvoiceHTML, "GET", bill + "/" + upstreamtest.AcmePaidInvoiceID + ".html", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			d := must(c.GetInvoiceDocument(ctx, acme, upstreamtest.AcmePaidInvoiceID, upstream.InvoiceHTML))(t)
			defer d.Body.Close()
			body := string(must(io.ReadAll(d.Body))(t))
			if !strings.HasPrefix(d.ContentType, "text/html") || !strings.Contains(body, upstreamtest.AcmePaidInvoiceID) {
				t.Errorf("document %q: %.80q", d.ContentType, body)
			}
		}},
		{"operator", upstreamtest.RouteOperator, "GET", kc, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			o := must(c.GetOperator(ctx, upstream.OperatorKeycloak, upstreamtest.AcmeKeycloakRealID))(t)
			if o.Kind != upstream.OperatorKeycloak || o.ResourceID != upstreamtest.AcmeKeycloakRealID || deref(o.Resources.Entrypoint) != upstreamtest.AcmeKeycloakAppID ||
				o.NetworkGroupID() == nil || len(o.Env) == 0 || len(o.AvailableVersions) == 0 || deref(o.AccessURL) == "" {
				t.Errorf("decoded %+v", o)
			}
		}},
		{"operator older ng form", upstreamtest.RouteOperator, "GET", "/v4/addon-providers/addon-otoroshi/addons/" + upstreamtest.AcmeOtoroshiRealID, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			o := must(c.GetOperator(ctx, upstream.OperatorOtoroshi, upstreamtest.AcmeOtoroshiRealID))(t)
			if o.NetworkGroupID() == nil || o.APIURL() == nil {
				t.Errorf("decoded %+v", o)
			}
		}},
		{"reboot", upstreamtest.RouteOperatorReboot, "POST", kc + "/reboot", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			mustErr(t, c.RebootOperator(ctx, upstream.OperatorKeycloak, upstreamtest.AcmeKeycloakRealID))
		}},
		{"rebuild", upstreamtest.RouteOperatorRebuild, "POST", "/v4/addon-providers/addon-matomo/addons/" + upstreamtest.AcmeMatomoRealID + "/rebuild", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			mustErr(t, c.RebuildOperator(ctx, upstream.OperatorMatomo, upstreamtest.AcmeMatomoRealID))
		}},
		{"disable network group", upstreamtest.RouteOperatorDisableNetworkGroup, "DELETE", kc + "/networkgroup", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			mustErr(t, c.DisableNetworkGroup(ctx, upstream.OperatorKeycloak, upstreamtest.AcmeKeycloakRealID))
		}},
		{"enable network group", upstreamtest.RouteOperatorEnableNetworkGroup, "POST", kc + "/networkgroup", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			if o := must(c.EnableNetworkGroup(ctx, upstream.OperatorKeycloak, upstreamtest.AcmeKeycloakRealID))(t); o.NetworkGroupID() == nil {
				t.Errorf("decoded %+v", o)
			}
		}},
		{"version check", upstreamtest.RouteOperatorVersionCheck, "GET", kc + "/version/check", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			v := must(c.CheckOperatorVersion(ctx, upstream.OperatorKeycloak, upstreamtest.AcmeKeycloakRealID))(t)
			if v.Installed == "" || v.Latest == "" || len(v.Available) == 0 {
				t.Errorf("decoded %+v", v)
			}
		}},
		{"otoroshi config", upstreamtest.RouteOtoroshiConfig, "GET", "/v4/addon-providers/addon-otoroshi/addons/" + upstreamtest.AcmeOtoroshiRealID + "/config.yaml", func(ctx context.Context, t *testing.T, c *upstream.Client) {
			d := must(c.GetOtoroshiConfig(ctx, upstreamtest.AcmeOtoroshiRealID))(t)
			defer d.Body.Close()
			if body := must(io.ReadAll(d.Body))(t); !strings.Contains(d.ContentType, "yaml") || len(body) == 0 {
				t.Errorf("document %q (%d bytes)", d.ContentType, len(body))
			}
		}},
		{"storage policies", upstreamtest.RoutePulsarStoragePolicies, "GET", pulse, func(ctx context.Context, t *testing.T, c *upstream.Client) {
			p := must(c.GetStoragePolicies(ctx, upstreamtest.AcmePulsarRealID))(t)
			if p.Retention.SizeInBytes == nil || p.Retention.DurationInMinutes == nil || p.Offload.DurationInMinutes == nil {
				t.Errorf("decoded %+v", p)
			}
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
			if got := req.Header.Get("Authorization"); got != "Bearer "+upstreamtest.TokenAlice && tt.route != upstreamtest.RouteZones && tt.route != upstreamtest.RouteZone {
				t.Errorf("Authorization %q", got)
			}
		})
	}
}

func TestVersionUpdateAndPolicyPatchBodies(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	check := must(c.CheckOperatorVersion(t.Context(), upstream.OperatorKeycloak, upstreamtest.AcmeKeycloakRealID))(t)
	fake.ResetCounts()
	op := must(c.UpdateOperatorVersion(t.Context(), upstream.OperatorKeycloak, upstreamtest.AcmeKeycloakRealID, check.Available[0]))(t)
	req := lastRequest(t, fake)
	if req.Route != upstreamtest.RouteOperatorVersionUpdate || string(req.Body) != `{"targetVersion":"`+check.Available[0]+`"}` ||
		req.Header.Get("Content-Type") != "application/json" || deref(op.Version) != check.Available[0] {
		t.Errorf("sent %s %q, got version %v", req.Route, req.Body, deref(op.Version))
	}

	fake.ResetCounts()
	size, none := int64(4096), upstream.NoLimit
	p := must(c.UpdateStoragePolicies(t.Context(), upstreamtest.AcmePulsarRealID, upstream.StoragePoliciesUpdate{
		Retention: &upstream.StoragePolicy{SizeInBytes: &size},
		Offload:   &upstream.StoragePolicy{DurationInMinutes: &none},
	}))(t)
	req = lastRequest(t, fake)
	if want := `{"retentionPolicies":{"sizeInBytes":4096},"offloadPolicies":{"durationInMinutes":-1}}`; req.Method != http.MethodPatch || string(req.Body) != want {
		t.Errorf("PATCH body %s, want %s", req.Body, want)
	}
	if *p.Retention.SizeInBytes != 4096 || *p.Offload.DurationInMinutes != -1 || p.Retention.DurationInMinutes == nil {
		t.Errorf("answer %+v %+v", p.Retention, p.Offload)
	}
}

func TestNetworkGroupOnlyForKeycloakAndOtoroshi(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	if _, err := c.EnableNetworkGroup(t.Context(), upstream.OperatorMatomo, upstreamtest.AcmeMatomoRealID); !errors.Is(err, upstream.ErrUnsupported) {
		t.Errorf("matomo enable: %v", err)
	}
	if err := c.DisableNetworkGroup(t.Context(), upstream.OperatorMetabase, upstreamtest.AcmeMetabaseRealID); !errors.Is(err, upstream.ErrUnsupported) {
		t.Errorf("metabase disable: %v", err)
	}
	if _, err := c.GetOperator(t.Context(), upstream.OperatorKind("POSTGRES"), "x"); !errors.Is(err, upstream.ErrUnsupported) {
		t.Errorf("unknown kind: %v", err)
	}
	if n := fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

func TestOlderStoragePolicyUnits(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	p := must(newClient(t, fake, upstreamtest.TokenAlice).GetStoragePolicies(t.Context(), upstreamtest.BetaPulsarRealID))(t)
	// The seed's units: sizeInMB (MiB) and durationInDays, null for no limit.
	if p.Retention.SizeInBytes == nil || *p.Retention.SizeInBytes != 2048<<20 || p.Retention.DurationInMinutes == nil || *p.Retention.DurationInMinutes != upstream.NoLimit {
		t.Errorf("retention %+v", p.Retention)
	}
	if p.Offload.DurationInMinutes == nil || *p.Offload.DurationInMinutes != 3*24*60 {
		t.Errorf("offload %+v", p.Offload)
	}
}

// must passes v on, failing the test on err: must(c.GetSelf(ctx))(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func mustErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
