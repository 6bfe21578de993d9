package upstreamtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Documented keys of the v2 legacy deployment and member (clever-api.md §2b, §5d).
var (
	legacyDeploymentKeys = []string{"uuid", "id", "date", "state", "action", "commit", "cause", "instances", "author"}
	memberKeys           = []string{"member", "role", "job"}
	memberUserKeys       = []string{"id", "email", "name", "avatar", "preferredMFA"}
)

func TestAddonByID(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	a := object(t, get(t, s, "v2/organisations/"+OrgAcme+"/addons/"+AcmeKeycloakAddonID, TokenAlice).ok(t, http.StatusOK))
	checkKeys(t, "addon", a, addonKeys...)
	if a["realId"] != AcmeKeycloakRealID || object(t, a["provider"])["id"] != "keycloak" {
		t.Errorf("addon = %v %v", a["realId"], a["provider"])
	}
	self := object(t, get(t, s, "v2/self/addons/"+addonIDOf(t, s, TokenAlice), TokenAlice).ok(t, http.StatusOK))
	if self["realId"] != AliceMetabaseRealID {
		t.Errorf("self addon realId = %v", self["realId"])
	}
	if got := s.Requests()[0].Route; got != RouteOrganisationAddon {
		t.Errorf("route = %s", got)
	}
}

// addonIDOf returns the v2 id of the first add-on of the token's personal space.
func addonIDOf(t *testing.T, s *Server, token string) string {
	t.Helper()
	return array(t, get(t, s, "v2/self/addons", token).ok(t, http.StatusOK))[0]["id"].(string)
}

func TestLegacyDeploymentsMirrorV4(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	base := "v2/organisations/" + OrgAcme + "/applications/" + AcmeFirstAppID + "/deployments"
	legacy := array(t, get(t, s, base, TokenAlice).ok(t, http.StatusOK))
	v4 := array(t, get(t, s, appPath(OrgAcme, AcmeFirstAppID)+"/deployments", TokenAlice).ok(t, http.StatusOK))
	if len(legacy) != len(v4) {
		t.Fatalf("%d legacy deployments, %d v4 ones", len(legacy), len(v4))
	}
	states := map[string]string{"SUCCEEDED": "OK", "FAILED": "FAIL", "CANCELLED": "CANCELLED"}
	for i, dep := range legacy {
		checkKeys(t, "legacy deployment", dep, legacyDeploymentKeys...)
		checkKeys(t, "legacy deployment.author", dep["author"], "id", "name")
		v := v4[i]
		start, err := time.Parse(time.RFC3339, v["startDate"].(string))
		if err != nil {
			t.Fatal(err)
		}
		origin := object(t, v["origin"])
		want := map[string]any{
			"uuid": strings.TrimPrefix(v["id"].(string), "deployment_"), "date": float64(start.UnixMilli()),
			"state": states[v["state"].(string)], "action": origin["action"], "cause": origin["cause"],
			"commit": object(t, v["version"])["commitId"],
			"author": map[string]any{"id": UserAlice, "name": "Alice Martin"},
		}
		got := map[string]any{}
		for k := range want {
			got[k] = dep[k]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("legacy deployment %d (-want +got):\n%s", i, diff)
		}
		if i > 0 && dep["id"].(float64) != legacy[i-1]["id"].(float64)-1 {
			t.Errorf("index %v after %v: not newest first", dep["id"], legacy[i-1]["id"])
		}
	}
	app := object(t, get(t, s, "v2/organisations/"+OrgAcme+"/applications/"+AcmeFirstAppID, TokenAlice).ok(t, http.StatusOK))
	if legacy[0]["id"] != app["last_deploy"] || legacy[0]["commit"] != app["commitId"] {
		t.Errorf("newest legacy deployment %v/%v, app last_deploy %v commit %v", legacy[0]["id"], legacy[0]["commit"], app["last_deploy"], app["commitId"])
	}
}

func TestLegacyDeploymentsQuery(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	base := "v2/organisations/" + OrgAcme + "/applications/" + AcmeFirstAppID + "/deployments"
	all := array(t, get(t, s, base, TokenAlice).ok(t, http.StatusOK))
	uuids := func(q string) []any {
		v := get(t, s, base+q, TokenAlice).ok(t, http.StatusOK)
		var out []any
		for _, it := range v.([]any) {
			out = append(out, object(t, it)["uuid"])
		}
		return out
	}
	tests := map[string][]any{
		"?limit=1":          {all[0]["uuid"]},
		"?offset=1":         {all[1]["uuid"], all[2]["uuid"]},
		"?offset=1&limit=1": {all[1]["uuid"]},
		"?offset=0":         {all[0]["uuid"], all[1]["uuid"], all[2]["uuid"]},
		"?offset=3":         nil,
		"?offset=99":        nil,
		"?action=UNDEPLOY":  nil,
	}
	for q, want := range tests {
		if diff := cmp.Diff(want, uuids(q)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", q, diff)
		}
	}
	for _, dep := range array(t, get(t, s, base+"?action=DEPLOY", TokenAlice).ok(t, http.StatusOK)) {
		if dep["action"] != "DEPLOY" {
			t.Errorf("action=DEPLOY listed %v", dep["action"])
		}
	}
	for _, q := range []string{"limit=0", "limit=x", "offset=-1", "offset=x", "action=deploy"} {
		body := get(t, s, base+"?"+q, TokenAlice).ok(t, http.StatusBadRequest)
		checkKeys(t, "400 body for "+q, body, "id", "message", "type", "fields")
		name, _, _ := strings.Cut(q, "=")
		if _, ok := object(t, object(t, body)["fields"])[name]; !ok {
			t.Errorf("400 body for %s names no field %s: %v", q, name, body)
		}
	}
	self := array(t, get(t, s, "v2/self/applications/"+AliceFirstAppID+"/deployments?limit=2", TokenAlice).ok(t, http.StatusOK))
	if len(self) != 2 {
		t.Errorf("self twin listed %d", len(self))
	}
	if got := s.Count(RouteSelfLegacyDeployments); got != 1 {
		t.Errorf("Count(RouteSelfLegacyDeployments) = %d", got)
	}
}

func TestLegacyDeploymentByUUID(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	uuid := strings.TrimPrefix(AcmeFirstAppDeploymentID, "deployment_")
	base := "v2/organisations/" + OrgAcme + "/applications/" + AcmeFirstAppID + "/deployments/"
	dep := object(t, get(t, s, base+uuid, TokenAlice).ok(t, http.StatusOK))
	checkKeys(t, "legacy deployment", dep, legacyDeploymentKeys...)
	if dep["uuid"] != uuid || dep["state"] != "OK" {
		t.Errorf("deployment = %v %v", dep["uuid"], dep["state"])
	}
	get(t, s, base+AcmeFirstAppDeploymentID, TokenAlice).ok(t, http.StatusNotFound) // the v4 id is not the uuid
	selfUUID := array(t, get(t, s, "v2/self/applications/"+AliceFirstAppID+"/deployments", TokenAlice).ok(t, http.StatusOK))[0]["uuid"].(string)
	get(t, s, "v2/self/applications/"+AliceFirstAppID+"/deployments/"+selfUUID, TokenAlice).ok(t, http.StatusOK)
	if s.Count(RouteOrganisationLegacyDeployment) != 2 || s.Count(RouteSelfLegacyDeployment) != 1 {
		t.Errorf("counts = %v", s.Counts())
	}
}

func TestCancelDeployment(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	uuid := strings.TrimPrefix(AcmeFirstAppDeploymentID, "deployment_")
	legacy := "v2/organisations/" + OrgAcme + "/applications/" + AcmeFirstAppID + "/deployments/" + uuid

	// A finished deployment stays as it was.
	send(t, s, http.MethodDelete, legacy+"/instances", TokenAlice, "").ok(t, http.StatusNoContent)
	if st := object(t, get(t, s, legacy, TokenAlice).ok(t, http.StatusOK))["state"]; st != "OK" {
		t.Errorf("finished deployment became %v", st)
	}

	// A running one is cancelled, in both views.
	s.dataMu.Lock()
	s.data.owners[OrgAcme].apps[0].deployments[0].State = "WORK_IN_PROGRESS"
	s.generation++ // a change to the dataset, as a handler's
	s.dataMu.Unlock()
	if st := object(t, get(t, s, legacy, TokenAlice).ok(t, http.StatusOK))["state"]; st != "WIP" {
		t.Fatalf("running deployment is %v, want WIP", st)
	}
	send(t, s, http.MethodDelete, legacy+"/instances", TokenAlice, "").ok(t, http.StatusNoContent)
	if st := object(t, get(t, s, legacy, TokenAlice).ok(t, http.StatusOK))["state"]; st != "CANCELLED" {
		t.Errorf("cancelled deployment is %v", st)
	}
	v4 := object(t, get(t, s, appPath(OrgAcme, AcmeFirstAppID)+"/deployments/"+AcmeFirstAppDeploymentID, TokenAlice).ok(t, http.StatusOK))
	if steps := array(t, v4["steps"]); v4["state"] != "CANCELLED" || steps[len(steps)-1]["state"] != "CANCELLED" {
		t.Errorf("v4 view: state %v, steps %v", v4["state"], steps)
	}

	if got := s.Count(RouteOrganisationCancelDeployment); got != 2 {
		t.Errorf("Count(RouteOrganisationCancelDeployment) = %d, want 2", got)
	}
	if r := s.Requests()[0]; r.Method != http.MethodDelete || r.RawPath != "/"+legacy+"/instances" {
		t.Errorf("recorded %s %s", r.Method, r.RawPath)
	}
	send(t, s, http.MethodDelete, legacy+"x/instances", TokenAlice, "").ok(t, http.StatusNotFound)
	selfPath := "v2/self/applications/" + AliceFirstAppID + "/deployments"
	selfUUID := array(t, get(t, s, selfPath, TokenAlice).ok(t, http.StatusOK))[0]["uuid"].(string)
	send(t, s, http.MethodDelete, selfPath+"/"+selfUUID+"/instances", TokenAlice, "").ok(t, http.StatusNoContent)
	if s.Count(RouteSelfCancelDeployment) != 1 {
		t.Errorf("Count(RouteSelfCancelDeployment) = %d", s.Count(RouteSelfCancelDeployment))
	}
	a := send(t, s, http.MethodGet, legacy+"/instances", TokenAlice, "")
	checkKeys(t, "405 body", a.ok(t, http.StatusMethodNotAllowed), v2ErrorKeys...)
}

func TestOwnerDeployments(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	byApp := object(t, get(t, s, "v2/organisations/"+OrgAcme+"/deployments", TokenAlice).ok(t, http.StatusOK))
	if len(byApp) != 20 {
		t.Errorf("%d applications, want 20", len(byApp))
	}
	first := array(t, byApp[AcmeFirstAppID])
	list := array(t, get(t, s, "v2/organisations/"+OrgAcme+"/applications/"+AcmeFirstAppID+"/deployments", TokenAlice).ok(t, http.StatusOK))
	if diff := cmp.Diff(list, first); diff != "" {
		t.Errorf("map entry differs from the application's list (-list +map):\n%s", diff)
	}
	for _, dep := range first {
		checkKeys(t, "legacy deployment", dep, legacyDeploymentKeys...)
	}
	self := object(t, get(t, s, "v2/self/deployments", TokenBob).ok(t, http.StatusOK))
	if len(self) != 2 {
		t.Errorf("bob's personal space: %d applications", len(self))
	}
	for appID, deps := range self {
		for _, dep := range array(t, deps) {
			if object(t, dep["author"])["id"] != UserBob {
				t.Errorf("app %s: author %v", appID, dep["author"])
			}
		}
	}
}

func TestMembers(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	roles := func(orgID, token string) map[string]any {
		t.Helper()
		out := map[string]any{}
		for _, m := range array(t, get(t, s, "v2/organisations/"+orgID+"/members", token).ok(t, http.StatusOK)) {
			checkKeys(t, "member", m, memberKeys...)
			checkKeys(t, "member.member", m["member"], memberUserKeys...)
			u := object(t, m["member"])
			if !strings.HasPrefix(u["id"].(string), "user_") {
				t.Errorf("member id %v", u["id"])
			}
			out[u["email"].(string)] = m["role"]
		}
		return out
	}
	want := map[string]map[string]any{
		OrgAcme: {
			"alice.martin@acme.example": "ADMIN", "chloe.dubois@acme.example": "MANAGER",
			"hugo.lefevre@acme.example": "ACCOUNTING", "ines.moreau@acme.example": "DEVELOPER", "it-ops@acme.example": "DEVELOPER",
		},
		OrgBeta: {
			"alice.martin@acme.example": "DEVELOPER", "julien.garnier@betalabs.example": "ADMIN", "sarah.petit@betalabs.example": "ACCOUNTING",
		},
		UserAlice: {"alice.martin@acme.example": "ADMIN"},
	}
	for orgID, w := range want {
		if diff := cmp.Diff(w, roles(orgID, TokenAlice)); diff != "" {
			t.Errorf("members of %s (-want +got):\n%s", orgID, diff)
		}
	}
	if got := roles(OrgBobCorp, TokenBob)["bob.tremblay@bobcorp.example"]; got != "ADMIN" {
		t.Errorf("bob in BobCorp: %v", got)
	}

	acme := array(t, get(t, s, "v2/organisations/"+OrgAcme+"/members", TokenAlice).ok(t, http.StatusOK))
	byEmail := map[string]map[string]any{}
	for _, m := range acme {
		byEmail[object(t, m["member"])["email"].(string)] = m
	}
	alice := byEmail["alice.martin@acme.example"]
	if alice["job"] != "CTO" || object(t, alice["member"])["id"] != UserAlice || object(t, alice["member"])["preferredMFA"] != "TOTP" {
		t.Errorf("alice = %v", alice)
	}
	invited := object(t, byEmail["it-ops@acme.example"]["member"])
	if invited["name"] != nil || invited["avatar"] != nil || byEmail["it-ops@acme.example"]["job"] != nil {
		t.Errorf("invited member without a profile = %v", invited)
	}
	if got := s.Count(RouteOrganisationMembers); got != 5 {
		t.Errorf("Count(RouteOrganisationMembers) = %d", got)
	}
}

func TestV2MoreAuth(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	acmeApp := "v2/organisations/" + OrgAcme + "/applications/" + AcmeFirstAppID
	uuid := strings.TrimPrefix(AcmeFirstAppDeploymentID, "deployment_")
	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"addon without token", http.MethodGet, "v2/organisations/" + OrgAcme + "/addons/" + AcmeKeycloakAddonID, "", http.StatusUnauthorized},
		{"self addon without token", http.MethodGet, "v2/self/addons/" + AcmeKeycloakAddonID, "", http.StatusUnauthorized},
		{"deployments without token", http.MethodGet, acmeApp + "/deployments", "", http.StatusUnauthorized},
		{"cancel without token", http.MethodDelete, acmeApp + "/deployments/" + uuid + "/instances", "", http.StatusUnauthorized},
		{"map without token", http.MethodGet, "v2/self/deployments", "", http.StatusUnauthorized},
		{"members without token", http.MethodGet, "v2/organisations/" + OrgAcme + "/members", "", http.StatusUnauthorized},

		{"other's addon", http.MethodGet, "v2/organisations/" + OrgAcme + "/addons/" + AcmeKeycloakAddonID, TokenBob, http.StatusForbidden},
		{"other's deployments", http.MethodGet, acmeApp + "/deployments", TokenBob, http.StatusForbidden},
		{"other's deployment", http.MethodGet, acmeApp + "/deployments/" + uuid, TokenBob, http.StatusForbidden},
		{"other's cancel", http.MethodDelete, acmeApp + "/deployments/" + uuid + "/instances", TokenBob, http.StatusForbidden},
		{"other's map", http.MethodGet, "v2/organisations/" + OrgAcme + "/deployments", TokenBob, http.StatusForbidden},
		{"other's members", http.MethodGet, "v2/organisations/" + OrgAcme + "/members", TokenBob, http.StatusForbidden},
		{"other's personal members", http.MethodGet, "v2/organisations/" + UserAlice + "/members", TokenBob, http.StatusForbidden},

		{"addon by realId", http.MethodGet, "v2/organisations/" + OrgAcme + "/addons/" + AcmeKeycloakRealID, TokenAlice, http.StatusNotFound},
		{"addon of another owner", http.MethodGet, "v2/organisations/" + OrgBeta + "/addons/" + AcmeKeycloakAddonID, TokenAlice, http.StatusNotFound},
		{"self addon of an org", http.MethodGet, "v2/self/addons/" + AcmeKeycloakAddonID, TokenAlice, http.StatusNotFound},
		{"deployments of no app", http.MethodGet, "v2/organisations/" + OrgAcme + "/applications/app_nope/deployments", TokenAlice, http.StatusNotFound},
		{"self deployments of an org app", http.MethodGet, "v2/self/applications/" + AcmeFirstAppID + "/deployments", TokenAlice, http.StatusNotFound},
		{"no such deployment", http.MethodGet, acmeApp + "/deployments/nope", TokenAlice, http.StatusNotFound},
		{"cancel no such deployment", http.MethodDelete, acmeApp + "/deployments/nope/instances", TokenAlice, http.StatusNotFound},
		{"map of no org", http.MethodGet, "v2/organisations/orga_nope/deployments", TokenAlice, http.StatusNotFound},
		{"members of no org", http.MethodGet, "v2/organisations/orga_nope/members", TokenAlice, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkKeys(t, "error body", send(t, s, tt.method, tt.path, tt.token, "").ok(t, tt.status), v2ErrorKeys...)
		})
	}
}
