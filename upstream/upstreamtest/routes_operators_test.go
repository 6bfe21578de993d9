package upstreamtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func operatorPath(provider, realID string) string {
	return "v4/addon-providers/" + provider + "/addons/" + realID
}

func TestOperatorShapes(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	common := []string{"resourceId", "addonId", "name", "ownerId", "plan", "version", "accessUrl",
		"availableVersions", "initialCredentials", "resources", "features", "envVars"}
	tests := []struct {
		provider, realID, token string
		extra                   []string
		features                []string
	}{
		{"addon-keycloak", AcmeKeycloakRealID, TokenAlice, []string{"javaVersion"}, []string{"networkGroup"}},
		{"addon-otoroshi", AcmeOtoroshiRealID, TokenAlice, []string{"javaVersion", "api"}, []string{"ng"}},
		{"addon-matomo", AcmeMatomoRealID, TokenAlice, []string{"phpVersion"}, []string{"networkGroup"}},
		{"addon-metabase", AcmeMetabaseRealID, TokenAlice, []string{"javaVersion"}, []string{"networkGroup"}},
		{"addon-metabase", AliceMetabaseRealID, TokenAlice, []string{"javaVersion"}, []string{"networkGroup"}},
		{"addon-keycloak", BobCorpKeycloakRealID, TokenBob, []string{"javaVersion"}, []string{"networkGroup"}},
	}
	for _, tt := range tests {
		op := object(t, get(t, s, operatorPath(tt.provider, tt.realID), tt.token).ok(t, http.StatusOK))
		checkKeys(t, tt.provider, op, append(tt.extra, common...)...)
		checkKeys(t, tt.provider+" features", op["features"], tt.features...)
		checkKeys(t, tt.provider+" resources", op["resources"], "entrypoint")
		checkKeys(t, tt.provider+" initialCredentials", op["initialCredentials"], "user", "password")
		if op["resourceId"] != tt.realID {
			t.Errorf("resourceId = %v, want %s", op["resourceId"], tt.realID)
		}
		if len(object(t, op["envVars"])) == 0 {
			t.Errorf("%s has no envVars", tt.realID)
		}
		if op["api"] != nil {
			checkKeys(t, "api", op["api"], "url", "user", "secret", "openapi", "swaggerUrl")
		}
		// The entrypoint is an application of the same owner.
		app := "v2/organisations/" + op["ownerId"].(string) + "/applications/" + object(t, op["resources"])["entrypoint"].(string)
		get(t, s, app, tt.token).ok(t, http.StatusOK)
	}

	keycloak := object(t, get(t, s, operatorPath("addon-keycloak", AcmeKeycloakRealID), TokenAlice).ok(t, http.StatusOK))
	if diff := cmp.Diff(AcmeKeycloakAppID, object(t, keycloak["resources"])["entrypoint"]); diff != "" {
		t.Errorf("keycloak entrypoint (-want +got):\n%s", diff)
	}
	ng := object(t, object(t, keycloak["features"])["networkGroup"])
	if id, _ := ng["id"].(string); !strings.HasPrefix(id, "ng_") {
		t.Errorf("keycloak networkGroup = %v", ng)
	}
	if got := object(t, get(t, s, operatorPath("addon-otoroshi", AcmeOtoroshiRealID), TokenAlice).ok(t, http.StatusOK))["features"]; !strings.HasPrefix(object(t, got)["ng"].(string), "ng_") {
		t.Errorf("otoroshi features = %v, want the older {ng: ng_…}", got)
	}
}

func TestOperatorOfAnotherKindIsNotFound(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	for _, p := range []string{
		operatorPath("addon-matomo", AcmeKeycloakRealID),
		operatorPath("addon-keycloak", AcmePulsarRealID),
		operatorPath("addon-keycloak", AcmeKeycloakAddonID), // the v2 id, not the realId
		operatorPath("addon-pulsar", AcmePulsarRealID),
		operatorPath("keycloak", AcmeKeycloakRealID),
		operatorPath("addon-otoroshi", AcmeKeycloakRealID) + "/config.yaml",
	} {
		checkKeys(t, p, get(t, s, p, TokenAlice).ok(t, http.StatusNotFound), v4ErrorKeys...)
	}
}

func TestOperatorRebootAndRebuild(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	for _, action := range []string{"reboot", "rebuild"} {
		for _, p := range []string{
			operatorPath("addon-keycloak", AcmeKeycloakRealID), operatorPath("addon-matomo", AcmeMatomoRealID),
			operatorPath("addon-metabase", AcmeMetabaseRealID), operatorPath("addon-otoroshi", AcmeOtoroshiRealID),
		} {
			a := send(t, s, http.MethodPost, p+"/"+action, TokenAlice, "")
			if a.status != http.StatusNoContent || len(a.body) != 0 {
				t.Errorf("POST %s/%s = %d %q, want 204 and no body", p, action, a.status, a.body)
			}
		}
	}
	send(t, s, http.MethodPost, operatorPath("addon-keycloak", BobCorpKeycloakRealID)+"/reboot", TokenAlice, "").ok(t, http.StatusForbidden)
	if s.Count(RouteOperatorReboot) != 5 || s.Count(RouteOperatorRebuild) != 4 {
		t.Errorf("counts = %v", s.Counts())
	}
}

func TestOperatorNetworkGroup(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	features := func(provider, realID string) map[string]any {
		return object(t, object(t, get(t, s, operatorPath(provider, realID), TokenAlice).ok(t, http.StatusOK))["features"])
	}

	// The new form: features.networkGroup.
	p := operatorPath("addon-keycloak", AcmeKeycloakRealID)
	a := send(t, s, http.MethodDelete, p+"/networkgroup", TokenAlice, "")
	if a.status != http.StatusNoContent || len(a.body) != 0 {
		t.Fatalf("DELETE networkgroup = %d %s", a.status, a.body)
	}
	if f := features("addon-keycloak", AcmeKeycloakRealID); f["networkGroup"] != nil {
		t.Errorf("after DELETE, features = %v, want networkGroup null", f)
	}
	op := object(t, send(t, s, http.MethodPost, p+"/networkgroup", TokenAlice, "").ok(t, http.StatusAccepted))
	ng := object(t, object(t, op["features"])["networkGroup"])
	checkKeys(t, "networkGroup", ng, "id")
	if diff := cmp.Diff(ng, object(t, features("addon-keycloak", AcmeKeycloakRealID)["networkGroup"])); diff != "" {
		t.Errorf("a later GET differs (-POST +GET):\n%s", diff)
	}

	// The older form, kept by acme's otoroshi: features.ng.
	o := operatorPath("addon-otoroshi", AcmeOtoroshiRealID)
	send(t, s, http.MethodDelete, o+"/networkgroup", TokenAlice, "").ok(t, http.StatusNoContent)
	if f := features("addon-otoroshi", AcmeOtoroshiRealID); f["ng"] != nil || len(f) != 1 {
		t.Errorf("otoroshi features = %v, want {ng: null}", f)
	}
	send(t, s, http.MethodPost, o+"/networkgroup", TokenAlice, "").ok(t, http.StatusAccepted)

	// Matomo and metabase have no network group routes.
	for _, p := range []string{operatorPath("addon-matomo", AcmeMatomoRealID), operatorPath("addon-metabase", AcmeMetabaseRealID)} {
		send(t, s, http.MethodPost, p+"/networkgroup", TokenAlice, "").ok(t, http.StatusNotFound)
		send(t, s, http.MethodDelete, p+"/networkgroup", TokenAlice, "").ok(t, http.StatusNotFound)
	}
	// The older /ng path is gone.
	send(t, s, http.MethodPost, p+"/ng", TokenAlice, "").ok(t, http.StatusNotFound)
}

func TestOperatorVersions(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	p := operatorPath("addon-keycloak", AcmeKeycloakRealID)
	check := object(t, get(t, s, p+"/version/check", TokenAlice).ok(t, http.StatusOK))
	checkKeys(t, "version check", check, "installed", "latest", "available", "needUpdate")
	if check["needUpdate"] != true || check["installed"] == check["latest"] {
		t.Fatalf("version check = %v", check)
	}

	for _, bad := range []struct {
		body, contentType string
		status            int
	}{
		{`{"targetVersion":"1.0.0"}`, "application/json", http.StatusBadRequest},
		{`{"version":"26.2.5"}`, "application/json", http.StatusBadRequest},
		{`{"targetVersion":`, "application/json", http.StatusBadRequest},
		{`{"targetVersion":"26.2.5"}`, "text/plain", http.StatusUnsupportedMediaType},
	} {
		send(t, s, http.MethodPost, p+"/version/update", TokenAlice, bad.body, "Content-Type", bad.contentType).ok(t, bad.status)
	}
	op := object(t, send(t, s, http.MethodPost, p+"/version/update", TokenAlice, `{"targetVersion":"`+check["latest"].(string)+`"}`,
		"Content-Type", "application/json; charset=utf-8").ok(t, http.StatusOK))
	if op["version"] != check["latest"] {
		t.Errorf("version after update = %v", op["version"])
	}
	if after := object(t, get(t, s, p+"/version/check", TokenAlice).ok(t, http.StatusOK)); after["needUpdate"] != false {
		t.Errorf("version check after update = %v", after)
	}

	get(t, s, operatorPath("addon-matomo", AcmeMatomoRealID)+"/version/check", TokenAlice).ok(t, http.StatusNotFound)
	get(t, s, operatorPath("addon-metabase", AcmeMetabaseRealID)+"/version/check", TokenAlice).ok(t, http.StatusOK)
}

func TestOtoroshiConfig(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	a := get(t, s, operatorPath("addon-otoroshi", AcmeOtoroshiRealID)+"/config.yaml", TokenAlice)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/yaml" || !strings.Contains(string(a.body), "otoroshi:\n") {
		t.Errorf("config.yaml = %d %s\n%s", a.status, a.header.Get("Content-Type"), a.body)
	}
	if s.Count(RouteOtoroshiConfig) != 1 {
		t.Errorf("counts = %v", s.Counts())
	}
}
