package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// sent returns the requests the fake recorded, as "METHOD route body".
func sent(e *env) []string {
	var out []string
	for _, r := range e.fake.Requests() {
		out = append(out, strings.TrimSpace(r.Method+" "+r.Route+" "+string(r.Body)))
	}
	return out
}

func TestRebootAndRebuild(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]struct{ route, suffix string }{
		"rebootOperator":  {upstreamtest.RouteOperatorReboot, "/reboot"},
		"rebuildOperator": {upstreamtest.RouteOperatorRebuild, "/rebuild"},
	} {
		e := newEnv(t)
		r := e.query(t, upstreamtest.TokenAlice, `mutation($id: ID!) { op: `+name+`(kind: KEYCLOAK, id: $id) { kind id name version networkGroupId } }`,
			map[string]any{"id": upstreamtest.AcmeKeycloakRealID})
		mustNoErrors(t, r)
		if pick(t, r.Data, "op", "id") != upstreamtest.AcmeKeycloakRealID || pick(t, r.Data, "op", "kind") != "KEYCLOAK" {
			t.Errorf("%s answered %s", name, r.raw)
		}
		// One POST, then the read of the operator as it stands afterwards.
		if diff := cmp.Diff([]string{"POST " + m.route, "GET " + upstreamtest.RouteOperator}, sent(e)); diff != "" {
			t.Errorf("%s: upstream requests (-want +got):\n%s", name, diff)
		}
		if got := e.fake.Requests()[0].RawPath; got != "/v4/addon-providers/addon-keycloak/addons/"+upstreamtest.AcmeKeycloakRealID+m.suffix {
			t.Errorf("%s: POST %s", name, got)
		}
	}
}

func TestNetworkGroupMutations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Off then on then off in one document: each answer reflects its own change,
	// never an operator cached earlier in the same response.
	q := `mutation($id: ID!) {
		off: disableOperatorNetworkGroup(kind: KEYCLOAK, id: $id) { networkGroupId }
		on: enableOperatorNetworkGroup(kind: KEYCLOAK, id: $id) { networkGroupId }
		offAgain: disableOperatorNetworkGroup(kind: KEYCLOAK, id: $id) { networkGroupId } }`
	r := e.query(t, upstreamtest.TokenAlice, q, map[string]any{"id": upstreamtest.AcmeKeycloakRealID})
	mustNoErrors(t, r)
	if pick(t, r.Data, "off", "networkGroupId") != nil || pick(t, r.Data, "offAgain", "networkGroupId") != nil {
		t.Errorf("disabled operator still in a Network Group: %s", r.raw)
	}
	if ng, _ := pick(t, r.Data, "on", "networkGroupId").(string); !strings.HasPrefix(ng, "ng_") {
		t.Errorf("enabled operator has Network Group %q", ng)
	}
	want := []string{
		"DELETE " + upstreamtest.RouteOperatorDisableNetworkGroup, "GET " + upstreamtest.RouteOperator,
		"POST " + upstreamtest.RouteOperatorEnableNetworkGroup,
		"DELETE " + upstreamtest.RouteOperatorDisableNetworkGroup, "GET " + upstreamtest.RouteOperator,
	}
	if diff := cmp.Diff(want, sent(e)); diff != "" {
		t.Errorf("upstream requests (-want +got):\n%s", diff)
	}

	// Otoroshi answers in the older features.ng form.
	e.fake.ResetCounts()
	r = e.query(t, upstreamtest.TokenAlice, `mutation($id: ID!) {
		off: disableOperatorNetworkGroup(kind: OTOROSHI, id: $id) { networkGroupId }
		on: enableOperatorNetworkGroup(kind: OTOROSHI, id: $id) { networkGroupId } }`,
		map[string]any{"id": upstreamtest.AcmeOtoroshiRealID})
	mustNoErrors(t, r)
	if ng, _ := pick(t, r.Data, "on", "networkGroupId").(string); pick(t, r.Data, "off", "networkGroupId") != nil || !strings.HasPrefix(ng, "ng_") {
		t.Errorf("otoroshi: %s", r.raw)
	}
}

func TestNetworkGroupRefusedForOtherKinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, m := range []string{"enableOperatorNetworkGroup", "disableOperatorNetworkGroup"} {
		for kind, id := range map[string]string{"MATOMO": upstreamtest.AcmeMatomoRealID, "METABASE": upstreamtest.AcmeMetabaseRealID} {
			r := e.query(t, upstreamtest.TokenAlice, `mutation($id: ID!) { `+m+`(kind: `+kind+`, id: $id) { id } }`, map[string]any{"id": id})
			if len(r.Errors) != 1 || r.Errors[0].code() != "BAD_USER_INPUT" {
				t.Errorf("%s %s: %s", m, kind, r.raw)
			}
		}
	}
	r := e.query(t, upstreamtest.TokenAlice, `mutation { rebootOperator(kind: POSTGRESQL, id: "x") { id } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].code() != "BAD_USER_INPUT" {
		t.Errorf("unknown kind: %s", r.raw)
	}
	if n := e.fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

func TestMutationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token string
		kind  string
		id    string
		fault *upstreamtest.Fault
		code  string
	}{
		{"id of another kind", upstreamtest.TokenAlice, "METABASE", upstreamtest.AcmeKeycloakRealID, nil, "NOT_FOUND"},
		{"unknown id", upstreamtest.TokenAlice, "KEYCLOAK", "keycloak_nope", nil, "NOT_FOUND"},
		{"another's operator", upstreamtest.TokenBob, "KEYCLOAK", upstreamtest.AcmeKeycloakRealID, nil, "FORBIDDEN"},
		{"conflict", upstreamtest.TokenAlice, "KEYCLOAK", upstreamtest.AcmeKeycloakRealID, &upstreamtest.Fault{Status: 409}, "BAD_USER_INPUT"},
		{"unavailable: not retried", upstreamtest.TokenAlice, "KEYCLOAK", upstreamtest.AcmeKeycloakRealID, &upstreamtest.Fault{Status: 503}, "UPSTREAM_UNAVAILABLE"},
		{"rate limited: not retried", upstreamtest.TokenAlice, "KEYCLOAK", upstreamtest.AcmeKeycloakRealID, &upstreamtest.Fault{Status: 429}, "RATE_LIMITED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.fault != nil {
				e.fake.Inject(upstreamtest.RouteOperatorReboot, *tt.fault)
			}
			r := e.query(t, tt.token, `mutation($id: ID!) { rebootOperator(kind: `+tt.kind+`, id: $id) { id } }`, map[string]any{"id": tt.id})
			if len(r.Errors) != 1 || r.Errors[0].code() != tt.code || r.Data["rebootOperator"] != nil {
				t.Fatalf("got %s, want one %s", r.raw, tt.code)
			}
			up, _ := r.Errors[0].Extensions["upstream"].(map[string]any)
			if up == nil || !strings.HasPrefix(up["sozuId"].(string), "sozu-") {
				t.Errorf("no Sozu-Id: %v", r.Errors[0].Extensions)
			}
			if diff := cmp.Diff([]string{"POST " + upstreamtest.RouteOperatorReboot}, sent(e)); diff != "" {
				t.Errorf("upstream requests (-want +got):\n%s", diff)
			}
		})
	}
}

// When the change is applied but the read after it fails, the error says
// the change happened, so that nobody reboots twice.
func TestAppliedButUnread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.Inject(upstreamtest.RouteOperator, upstreamtest.Fault{Status: 503})
	r := e.query(t, upstreamtest.TokenAlice, `mutation($id: ID!) { rebootOperator(kind: KEYCLOAK, id: $id) { id } }`,
		map[string]any{"id": upstreamtest.AcmeKeycloakRealID})
	if len(r.Errors) != 1 || r.Errors[0].Extensions["mutationApplied"] != true || !strings.HasPrefix(r.Errors[0].Message, "the change was applied") {
		t.Fatalf("got %s", r.raw)
	}
	if n := e.fake.Count(upstreamtest.RouteOperatorReboot); n != 1 {
		t.Errorf("%d reboots", n)
	}
}

// A mutation the upstream accepts with an answer that does not read (an
// empty body here) answers with what a read afterwards finds: the change
// happened, so it is no error, and no empty object either. (The fake, its
// answer replaced, did not apply the change: the read finds the state
// before it.)
func TestMutationAnswersThatDoNotRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.Inject(upstreamtest.RouteOperatorEnableNetworkGroup, upstreamtest.Fault{Body: " "})
	r := e.query(t, upstreamtest.TokenAlice, `mutation($id: ID!) { enableOperatorNetworkGroup(kind: KEYCLOAK, id: $id) { id name networkGroupId } }`,
		map[string]any{"id": upstreamtest.AcmeKeycloakRealID})
	mustNoErrors(t, r)
	if id, name := pick(t, r.Data, "enableOperatorNetworkGroup", "id"), pick(t, r.Data, "enableOperatorNetworkGroup", "name"); id != upstreamtest.AcmeKeycloakRealID || name == "" {
		t.Errorf("operator %v %q: %s", id, name, r.raw)
	}
	want := []string{"POST " + upstreamtest.RouteOperatorEnableNetworkGroup, "GET " + upstreamtest.RouteOperator}
	if diff := cmp.Diff(want, sent(e)); diff != "" {
		t.Errorf("upstream requests (-want +got):\n%s", diff)
	}

	e.fake.ResetCounts()
	e.fake.Inject(upstreamtest.RoutePulsarUpdateStoragePolicies, upstreamtest.Fault{Status: 204})
	r = e.query(t, upstreamtest.TokenAlice, updatePolicies, map[string]any{"id": upstreamtest.AcmePulsarRealID,
		"in": map[string]any{"retention": map[string]any{"sizeInBytes": 1048576}}})
	mustNoErrors(t, r)
	if id := pick(t, r.Data, "updatePulsarStoragePolicies", "addonId"); id != upstreamtest.AcmePulsarRealID {
		t.Errorf("policies of %v: %s", id, r.raw)
	}
	want = []string{"PATCH " + upstreamtest.RoutePulsarUpdateStoragePolicies + ` {"retentionPolicies":{"sizeInBytes":1048576}}`, "GET " + upstreamtest.RoutePulsarStoragePolicies}
	if diff := cmp.Diff(want, sent(e)); diff != "" {
		t.Errorf("upstream requests (-want +got):\n%s", diff)
	}
}

const updatePolicies = `mutation($id: ID!, $in: PulsarStoragePoliciesInput!) { updatePulsarStoragePolicies(addonId: $id, input: $in) {
	addonId retention { sizeInBytes durationInMinutes } offload { sizeInBytes durationInMinutes } } }`

func TestUpdatePulsarStoragePolicies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.query(t, upstreamtest.TokenAlice, `query($id: ID!) { pulsarStoragePolicies(addonId: $id) { retention { durationInMinutes } } }`,
		map[string]any{"id": upstreamtest.AcmePulsarRealID})
	mustNoErrors(t, before)
	e.fake.ResetCounts()
	r := e.query(t, upstreamtest.TokenAlice, updatePolicies, map[string]any{"id": upstreamtest.AcmePulsarRealID, "in": map[string]any{
		"retention": map[string]any{"sizeInBytes": 1048576},
		"offload":   map[string]any{"durationInMinutes": nil},
	}})
	mustNoErrors(t, r)
	want := map[string]any{"updatePulsarStoragePolicies": map[string]any{
		"addonId":   upstreamtest.AcmePulsarRealID,
		"retention": map[string]any{"sizeInBytes": float64(1048576), "durationInMinutes": pick(t, before.Data, "pulsarStoragePolicies", "retention", "durationInMinutes")},
		"offload":   map[string]any{"sizeInBytes": nil, "durationInMinutes": nil},
	}}
	if diff := cmp.Diff(want, r.Data); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	// Omitted fields are not sent; null is sent as the upstream's "no limit".
	wantSent := []string{"PATCH " + upstreamtest.RoutePulsarUpdateStoragePolicies + ` {"retentionPolicies":{"sizeInBytes":1048576},"offloadPolicies":{"durationInMinutes":-1}}`}
	if diff := cmp.Diff(wantSent, sent(e)); diff != "" {
		t.Errorf("upstream requests (-want +got):\n%s", diff)
	}
}

func TestUpdatePulsarStoragePoliciesOlderUnits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.query(t, upstreamtest.TokenAlice, updatePolicies, map[string]any{"id": upstreamtest.BetaPulsarRealID, "in": map[string]any{
		"retention": map[string]any{"durationInMinutes": 2880}}})
	mustNoErrors(t, r)
	if got := pick(t, r.Data, "updatePulsarStoragePolicies", "retention", "durationInMinutes"); got != float64(2880) {
		t.Errorf("read back %v, want 2880 minutes: %s", got, r.raw)
	}
}

func TestUpdatePulsarStoragePoliciesRefusesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := []map[string]any{
		{"retention": map[string]any{"sizeInBytes": -1}},
		{"retention": map[string]any{"sizeInBytes": 1.5}},
		{"offload": map[string]any{"sizeInBytes": 1e300}},
		{"offload": map[string]any{"durationInMinutes": -5}},
		{"offload": map[string]any{"durationInMinutes": 1.5}},
		{"offload": map[string]any{"durationInMinutes": "10"}},
		{},
		{"retention": map[string]any{}},
		{"retention": nil, "offload": nil},
	}
	for _, in := range bad {
		r := e.query(t, upstreamtest.TokenAlice, updatePolicies, map[string]any{"id": upstreamtest.AcmePulsarRealID, "in": in})
		if len(r.Errors) != 1 || r.Errors[0].code() != "BAD_USER_INPUT" || r.Data["updatePulsarStoragePolicies"] != nil {
			t.Errorf("input %v: %s", in, r.raw)
		}
	}
	if n := e.fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

func TestMutationsAreRefusedOverGET(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := httptest.NewRequest(http.MethodGet, "/graphql?query="+strings.ReplaceAll("mutation { rebootOperator(kind: KEYCLOAK, id: \""+upstreamtest.AcmeKeycloakRealID+"\") { id } }", " ", "+"), nil)
	req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
	r := e.do(t, req)
	if len(r.Errors) == 0 || r.Errors[0].code() != "BAD_USER_INPUT" {
		t.Errorf("mutation over GET: %s", r.raw)
	}
	if n := e.fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}
