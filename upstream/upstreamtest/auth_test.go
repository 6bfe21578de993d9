package upstreamtest

import (
	"net/http"
	"testing"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	oauth := `OAuth oauth_consumer_key="T5nFjKeHH4AIlEveuGhB5S3xg8T19e", oauth_token="` + TokenBob + `", oauth_signature="secret%26secret"`
	tests := []struct {
		name, path, token string
		status            int
		errorKeys         []string // nil: no error body expected
	}{
		{"v2 without token", "v2/self", "", http.StatusUnauthorized, v2ErrorKeys},
		{"v2 unknown token", "v2/organisations", "nope", http.StatusUnauthorized, v2ErrorKeys},
		{"v2 other scheme", "v2/self", "Basic " + TokenAlice, http.StatusUnauthorized, v2ErrorKeys},
		{"v4 without token", appPath(OrgAcme, AcmeFirstAppID) + "/deployments", "", http.StatusUnauthorized, v4ErrorKeys},
		{"v4 unknown token", "v4/billing/organisations/" + OrgAcme + "/invoices", "nope", http.StatusUnauthorized, v4ErrorKeys},
		{"operator without token", "v4/addon-providers/addon-keycloak/addons/" + AcmeKeycloakRealID, "", http.StatusUnauthorized, v4ErrorKeys},
		{"bearer", "v2/self", TokenAlice, http.StatusOK, nil},
		{"bearer, lowercase scheme", "v2/self", "bearer " + TokenAlice, http.StatusOK, nil},
		{"oauth1 header", "v2/organisations/" + OrgBobCorp, oauth, http.StatusOK, nil},
		{"zones are public", "v4/products/zones", "", http.StatusOK, nil},
		{"zone is public", "v4/products/zones/mtl", "", http.StatusOK, nil},

		{"v2 other's org", "v2/organisations/" + OrgBobCorp, TokenAlice, http.StatusForbidden, v2ErrorKeys},
		{"v2 other's personal space", "v2/organisations/" + UserBob + "/applications", TokenAlice, http.StatusForbidden, v2ErrorKeys},
		{"v2 app of other's org", "v2/organisations/" + OrgAcme + "/applications/" + AcmeFirstAppID, TokenBob, http.StatusForbidden, v2ErrorKeys},
		{"v4 other's org", appPath(OrgAcme, AcmeFirstAppID) + "/instances", TokenBob, http.StatusForbidden, v4ErrorKeys},
		{"v4 other's invoices", "v4/billing/organisations/" + OrgBobCorp + "/invoices", TokenAlice, http.StatusForbidden, v4ErrorKeys},
		{"other's operator", "v4/addon-providers/addon-keycloak/addons/" + BobCorpKeycloakRealID, TokenAlice, http.StatusForbidden, v4ErrorKeys},
		{"other's pulsar", "v4/addon-providers/addon-pulsar/addons/" + AcmePulsarAddonID + "/storage-policies", TokenBob, http.StatusForbidden, v4ErrorKeys},

		{"v2 no such org", "v2/organisations/orga_00000000-0000-4000-8000-000000000000", TokenAlice, http.StatusNotFound, v2ErrorKeys},
		{"v2 app under the wrong owner", "v2/organisations/" + OrgBeta + "/applications/" + AcmeFirstAppID, TokenAlice, http.StatusNotFound, v2ErrorKeys},
		{"v2 self app of an org", "v2/self/applications/" + AcmeFirstAppID, TokenAlice, http.StatusNotFound, v2ErrorKeys},
		{"v4 no such app", appPath(OrgAcme, "app_nope") + "/deployments", TokenAlice, http.StatusNotFound, v4ErrorKeys},
		{"v4 no such deployment", appPath(OrgAcme, AcmeFirstAppID) + "/deployments/deployment_nope", TokenAlice, http.StatusNotFound, v4ErrorKeys},
		{"v4 no such instance", appPath(OrgAcme, AcmeFirstAppID) + "/instances/nope", TokenAlice, http.StatusNotFound, v4ErrorKeys},
		{"v4 no such invoice", "v4/billing/organisations/" + OrgAcme + "/invoices/INV-nope", TokenAlice, http.StatusNotFound, v4ErrorKeys},
		{"no such zone", "v4/products/zones/atlantis", "", http.StatusNotFound, v4ErrorKeys},
		{"no such operator", "v4/addon-providers/addon-keycloak/addons/keycloak_nope", TokenAlice, http.StatusNotFound, v4ErrorKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := get(t, s, tt.path, tt.token).ok(t, tt.status)
			if tt.errorKeys != nil {
				checkKeys(t, "error body", v, tt.errorKeys...)
			}
		})
	}
}

func TestUnauthorizedV4BodyShape(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	a := get(t, s, appPath(OrgAcme, AcmeFirstAppID)+"/deployments", "")
	body := object(t, a.ok(t, http.StatusUnauthorized))
	if body["code"] != "clever.core.unauthorized" || body["apiRequestId"] == "" || body["error"] == "" {
		t.Errorf("401 body = %v", body)
	}
	if ctx := object(t, body["context"]); len(ctx) != 0 {
		t.Errorf("401 context = %v, want {}", ctx)
	}
}

func TestTokenFrom(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Bearer abc":  "abc",
		"bearer  abc": "abc",
		`OAuth oauth_consumer_key="k", oauth_token="t%2Bx", oauth_signature="a%26b"`: "t+x",
		`OAuth oauth_token="tok"`:   "tok",
		`OAuth oauth_consumer_key=`: "",
		"Basic abc":                 "",
		"":                          "",
	}
	for header, want := range tests {
		if got := tokenFrom(header); got != want {
			t.Errorf("tokenFrom(%q) = %q, want %q", header, got, want)
		}
	}
}
