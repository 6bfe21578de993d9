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

// newClient returns a client of fake carrying token.
func newClient(t *testing.T, fake *upstreamtest.Server, token string) *upstream.Client {
	t.Helper()
	c, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if token == "" {
		return c
	}
	return c.WithToken("Bearer " + token)
}

// lastRequest returns the one request the fake received.
func lastRequest(t *testing.T, fake *upstreamtest.Server) upstreamtest.Request {
	t.Helper()
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake received %d requests, want 1: %+v", len(reqs), reqs)
	}
	return reqs[0]
}

func TestNewRequiresTimeout(t *testing.T) {
	if _, err := upstream.New(upstream.WithBaseURL("http://127.0.0.1:1/")); err == nil {
		t.Fatal("New without WithTimeout succeeded")
	}
	if _, err := upstream.New(upstream.WithBaseURL("not a url"), upstream.WithTimeout(time.Second)); err == nil {
		t.Fatal("New accepted a relative base URL")
	}
}

func TestStatusErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		want   error
	}{
		{400, upstream.ErrBadRequest},
		{401, upstream.ErrUnauthorized},
		{403, upstream.ErrForbidden},
		{404, upstream.ErrNotFound},
		{408, upstream.ErrTimeout},
		{409, upstream.ErrBadRequest},
		{422, upstream.ErrBadRequest},
		{429, upstream.ErrRateLimited},
		{500, upstream.ErrUnavailable},
		{502, upstream.ErrUnavailable},
		{503, upstream.ErrUnavailable},
		{504, upstream.ErrTimeout},
	}
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	for _, tt := range tests {
		fake.Inject(upstreamtest.RouteDeployments, upstreamtest.Fault{Status: tt.status, Times: 1, Header: http.Header{"Retry-After": {"7"}}})
		_, err := c.ListDeployments(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil)
		if !errors.Is(err, tt.want) {
			t.Errorf("status %d: got %v, want %v", tt.status, err, tt.want)
			continue
		}
		var ue *upstream.Error
		if !errors.As(err, &ue) {
			t.Errorf("status %d: %T is not *upstream.Error", tt.status, err)
			continue
		}
		if ue.StatusCode != tt.status || ue.RequestID == "" || ue.Method != "GET" || !strings.Contains(ue.Path, "/deployments") {
			t.Errorf("status %d: error details %+v", tt.status, ue)
		}
		if tt.status == 429 && ue.RetryAfter != 7*time.Second {
			t.Errorf("429: RetryAfter = %s, want 7s", ue.RetryAfter)
		}
		if strings.Contains(err.Error(), upstreamtest.TokenAlice) {
			t.Errorf("status %d: error text holds the token: %s", tt.status, err)
		}
	}
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	tests := []struct {
		body, code, message string
	}{
		{`{"apiRequestId":"x","code":"clever.app.notfound","error":"Application not found","context":{"type":"resource"}}`, "clever.app.notfound", "Application not found"},
		{`{"id":4004,"message":"Not Found","type":"error"}`, "4004", "Not Found"},
		{`not json at all`, "", ""},
		{`{"error":"line one\nline two\u0000"}`, "", "line one line two"},
	}
	for _, tt := range tests {
		fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Status: 404, Body: tt.body, Times: 1})
		_, err := c.ListZones(t.Context(), nil)
		var ue *upstream.Error
		if !errors.As(err, &ue) {
			t.Fatalf("body %q: %v", tt.body, err)
		}
		if ue.Code != tt.code || ue.Message != tt.message {
			t.Errorf("body %q: code %q message %q, want %q %q", tt.body, ue.Code, ue.Message, tt.code, tt.message)
		}
	}
}

func TestMalformedBody(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Malformed: true})
	_, err := newClient(t, fake, "").ListZones(t.Context(), nil)
	var ue *upstream.Error
	if !errors.Is(err, upstream.ErrMalformedResponse) || !errors.As(err, &ue) || ue.RequestID == "" {
		t.Fatalf("got %v, want ErrMalformedResponse with a Sozu-Id", err)
	}
}

func TestNoTokenSendsNothing(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, "")
	if _, err := c.GetSelf(t.Context()); !errors.Is(err, upstream.ErrNoToken) {
		t.Errorf("GetSelf without token: %v", err)
	}
	if _, err := c.ListDeployments(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, nil); !errors.Is(err, upstream.ErrNoToken) {
		t.Errorf("ListDeployments without token: %v", err)
	}
	if n := fake.Total(); n != 0 {
		t.Fatalf("fake received %d requests, want 0", n)
	}
	zones, err := c.ListZones(t.Context(), nil)
	if err != nil || len(zones) == 0 {
		t.Fatalf("zones are public: %v (%d zones)", err, len(zones))
	}
	if h := lastRequest(t, fake).Header.Get("Authorization"); h != "" {
		t.Errorf("anonymous request sent Authorization %q", h)
	}
}

func TestTokenForwardedUnchanged(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	oauth := `OAuth oauth_consumer_key="ck", oauth_token="` + upstreamtest.TokenBob + `", oauth_signature="cs%26ts"`
	c, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WithToken(oauth).GetSelf(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := lastRequest(t, fake).Header.Get("Authorization"); got != oauth {
		t.Errorf("Authorization sent %q, want %q", got, oauth)
	}
}

// roundTripFunc captures requests without a network; it tests only which
// host the client picks.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestBaseURLByTokenKind(t *testing.T) {
	t.Parallel()
	var host string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		host = r.URL.Host
		return nil, errors.New("no network in this test")
	})}
	c, err := upstream.New(upstream.WithHTTPClient(hc), upstream.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]string{
		"Bearer abc":                   "api-bridge.clever-cloud.com",
		`OAuth oauth_token="t"`:        "api.clever-cloud.com",
		`oauth oauth_consumer_key="k"`: "api.clever-cloud.com",
	} {
		_, err := c.WithToken(token).GetSelf(t.Context())
		if !errors.Is(err, upstream.ErrUnavailable) {
			t.Errorf("%s: error %v, want ErrUnavailable", token, err)
		}
		if host != want {
			t.Errorf("%s: sent to %s, want %s", token, host, want)
		}
	}
}

func TestIDsNeverChangeThePath(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	c := newClient(t, fake, upstreamtest.TokenAlice)
	refused := []string{"", ".", "..", "a/b", "../orga_x", "a?b=c", "a#b", "a\\b", "a\nb", "a\x00b", "a\x7fb", strings.Repeat("x", 300)}
	for _, id := range refused {
		_, err := c.GetDeployment(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, id)
		if !errors.Is(err, upstream.ErrInvalidID) {
			t.Errorf("id %q: got %v, want ErrInvalidID", id, err)
		}
	}
	if n := fake.Total(); n != 0 {
		t.Fatalf("refused ids caused %d requests", n)
	}
	escaped := map[string]string{
		"100%":        "100%25",
		"with space":  "with%20space",
		"déploiement": "d%C3%A9ploiement",
		"a;b,c":       "a%3Bb%2Cc",
	}
	for id, want := range escaped {
		fake.ResetCounts()
		_, err := c.GetDeployment(t.Context(), upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, id)
		if !errors.Is(err, upstream.ErrNotFound) {
			t.Errorf("id %q: got %v, want ErrNotFound", id, err)
		}
		req := lastRequest(t, fake)
		wantPath := "/v4/orchestration/organisations/" + upstreamtest.OrgAcme + "/applications/" + upstreamtest.AcmeFirstAppID + "/deployments/" + want
		if req.RawPath != wantPath || req.Route != upstreamtest.RouteDeployment {
			t.Errorf("id %q: fake got %s (route %s), want %s", id, req.RawPath, req.Route, wantPath)
		}
	}
}

func TestTimeoutAndCancellation(t *testing.T) {
	t.Parallel()
	fake := upstreamtest.NewServer(t)
	fake.Inject(upstreamtest.RouteZones, upstreamtest.Fault{Latency: 5 * time.Second})
	c, err := upstream.New(upstream.WithBaseURL(fake.URL), upstream.WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListZones(t.Context(), nil); !errors.Is(err, upstream.ErrTimeout) {
		t.Errorf("slow upstream: got %v, want ErrTimeout", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.ListZones(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: got %v, want context.Canceled", err)
	}
}

func TestUnreachableUpstream(t *testing.T) {
	t.Parallel()
	c, err := upstream.New(upstream.WithBaseURL("http://127.0.0.1:1/"), upstream.WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListZones(t.Context(), nil)
	if !errors.Is(err, upstream.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
}

func TestQueryOptions(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	until := since.Add(48 * time.Hour)
	tests := []struct {
		name  string
		call  func(context.Context, *upstream.Client) error
		route string
		query url.Values
	}{
		{"instances", func(ctx context.Context, c *upstream.Client) error {
			_, err := c.ListInstances(ctx, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, &upstream.ListInstancesOptions{
				DeploymentID: "deployment_x", Limit: 5, ExcludeDeleted: true, Since: since, Until: until, Order: "ASC",
				IncludeStates: []string{"UP", "BOOTING"}, ExcludeStates: []string{"DELETED"},
			})
			return err
		}, upstreamtest.RouteInstances, url.Values{
			"deploymentId": {"deployment_x"}, "limit": {"5"}, "excludeDeleted": {"true"},
			"since": {"2026-01-02T03:04:05Z"}, "until": {"2026-01-04T03:04:05Z"}, "order": {"ASC"},
			"includeState": {"UP", "BOOTING"}, "excludeState": {"DELETED"},
		}},
		{"deployments", func(ctx context.Context, c *upstream.Client) error {
			_, err := c.ListDeployments(ctx, upstreamtest.OrgAcme, upstreamtest.AcmeFirstAppID, &upstream.ListDeploymentsOptions{
				Limit: 2, Order: "DESC", Action: "DEPLOY", Since: since, IncludeApplicationConfiguration: true,
			})
			return err
		}, upstreamtest.RouteDeployments, url.Values{
			"limit": {"2"}, "order": {"DESC"}, "action": {"DEPLOY"}, "since": {"2026-01-02T03:04:05Z"}, "includeApplicationConfiguration": {"true"},
		}},
		{"invoices", func(ctx context.Context, c *upstream.Client) error {
			_, err := c.ListInvoices(ctx, upstreamtest.OrgAcme, &upstream.ListInvoicesOptions{Since: since, Until: until, Limit: 3})
			return err
		}, upstreamtest.RouteInvoices, url.Values{"since": {"2026-01-02T03:04:05Z"}, "until": {"2026-01-04T03:04:05Z"}, "limit": {"3"}}},
		{"zones", func(ctx context.Context, c *upstream.Client) error {
			_, err := c.ListZones(ctx, &upstream.ListZonesOptions{Tag: "infra:clever-cloud", OwnerID: upstreamtest.OrgAcme})
			return err
		}, upstreamtest.RouteZones, url.Values{"tag": {"infra:clever-cloud"}, "ownerId": {upstreamtest.OrgAcme}}},
		{"applications by instance", func(ctx context.Context, c *upstream.Client) error {
			_, err := c.ListApplications(ctx, upstreamtest.OrgAcme, false, &upstream.ListApplicationsOptions{InstanceID: "inst"})
			return err
		}, upstreamtest.RouteOrganisationApplications, url.Values{"instanceId": {"inst"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := upstreamtest.NewServer(t)
			if err := tt.call(t.Context(), newClient(t, fake, upstreamtest.TokenAlice)); err != nil {
				t.Fatal(err)
			}
			req := lastRequest(t, fake)
			if req.Route != tt.route {
				t.Errorf("route %s, want %s", req.Route, tt.route)
			}
			if diff := cmp.Diff(tt.query, req.Query); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}
