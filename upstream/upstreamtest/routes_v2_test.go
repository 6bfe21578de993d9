package upstreamtest

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Documented v2 keys (clever-api.md §2).
var (
	selfKeys = []string{"id", "email", "name", "phone", "address", "city", "zipcode", "country", "avatar",
		"creationDate", "lang", "emailValidated", "oauthApps", "admin", "canPay", "preferredMFA", "hasPassword",
		"partnerId", "partnerName", "partnerConsoleUrl"}
	orgKeys = []string{"id", "name", "description", "billingEmail", "address", "city", "zipcode", "country",
		"company", "VAT", "avatar", "vatState", "customerFullName", "canPay", "cleverEnterprise", "emergencyNumber",
		"canSEPA", "isTrusted"}
	appKeys = []string{"id", "ownerId", "name", "description", "zone", "zoneId", "creationDate", "last_deploy",
		"archived", "stickySessions", "homogeneous", "favourite", "cancelOnPush", "separateBuild", "buildFlavor",
		"state", "commitId", "appliance", "branch", "forceHttps", "env", "webhookUrl", "webhookSecret", "deployUrl",
		"instance", "deployment", "vhosts"}
	appInstanceKeys = []string{"type", "version", "variant", "minInstances", "maxInstances", "maxAllowedInstances",
		"minFlavor", "maxFlavor", "flavors", "defaultEnv", "lifetime", "instanceAndVersion"}
	variantKeys = []string{"id", "slug", "name", "deployType", "logo"}
	flavorKeys  = []string{"name", "mem", "cpus", "gpus", "disk", "price", "available", "microservice",
		"machine_learning", "nice", "price_id", "memory", "cpuFactor", "memFactor"}
	appDeploymentKeys = []string{"shutdownable", "type", "repoState", "url", "httpUrl"}
	addonKeys         = []string{"id", "name", "realId", "region", "zoneId", "provider", "plan", "creationDate", "configKeys"}
	providerKeys      = []string{"id", "name", "website", "supportEmail", "shortDesc", "longDesc", "logoUrl", "status",
		"openInNewTab", "canUpgrade", "zones"}
	planKeys        = []string{"id", "name", "slug", "price", "price_id", "zones", "features"}
	orgSummaryKeys  = []string{"id", "name", "avatar", "applications", "addons", "consumers", "providers", "role", "vatState", "canPay", "canSEPA", "cleverEnterprise", "emergencyNumber", "isTrusted"}
	appSummaryKeys  = []string{"id", "name", "instanceType", "instanceVariant", "variantSlug", "archived", "homogeneous", "variantLogoUrl", "state", "commit", "systemTags", "customerTags"}
	addonSummaryKey = []string{"id", "name", "realId", "providerId", "logoUrl", "systemTags", "customerTags"}
)

func TestSelf(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	u := get(t, s, "v2/self", TokenAlice).ok(t, http.StatusOK)
	checkKeys(t, "self", u, selfKeys...)
	if id := object(t, u)["id"]; id != UserAlice {
		t.Errorf("self id = %v", id)
	}
	if _, ok := object(t, u)["creationDate"].(float64); !ok {
		t.Error("creationDate is not an epoch-millisecond number")
	}
}

func TestOrganisationsIncludePersonalSpace(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	for token, want := range map[string][]string{
		TokenAlice: {UserAlice, OrgAcme, OrgBeta},
		TokenBob:   {UserBob, OrgBobCorp},
	} {
		orgs := array(t, get(t, s, "v2/organisations", token).ok(t, http.StatusOK))
		var ids []string
		for _, o := range orgs {
			checkKeys(t, "organisation", o, orgKeys...)
			ids = append(ids, o["id"].(string))
		}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("organisations of %s (-want +got):\n%s", token, diff)
		}
		if orgs[0]["name"] == "" {
			t.Error("personal space has no name")
		}
	}
	checkKeys(t, "organisation", get(t, s, "v2/organisations/"+OrgAcme, TokenAlice).ok(t, http.StatusOK), orgKeys...)
	personal := object(t, get(t, s, "v2/organisations/"+UserAlice, TokenAlice).ok(t, http.StatusOK))
	if personal["name"] != "Alice Martin" {
		t.Errorf("personal space name = %v", personal["name"])
	}
}

func TestApplications(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	counts := map[string]int{}
	for _, tc := range []struct{ path, token string }{
		{"v2/organisations/" + OrgAcme + "/applications", TokenAlice},
		{"v2/organisations/" + OrgBeta + "/applications", TokenAlice},
		{"v2/organisations/" + OrgBobCorp + "/applications", TokenBob},
		{"v2/organisations/" + UserAlice + "/applications", TokenAlice},
		{"v2/self/applications", TokenAlice},
		{"v2/self/applications", TokenBob},
	} {
		apps := array(t, get(t, s, tc.path, tc.token).ok(t, http.StatusOK))
		counts[tc.path+" "+tc.token] = len(apps)
		for _, a := range apps {
			checkKeys(t, "application", a, appKeys...)
			inst := object(t, a["instance"])
			checkKeys(t, "application.instance", inst, appInstanceKeys...)
			checkKeys(t, "application.instance.variant", inst["variant"], variantKeys...)
			checkKeys(t, "application.instance.minFlavor", inst["minFlavor"], flavorKeys...)
			checkKeys(t, "application.buildFlavor", a["buildFlavor"], flavorKeys...)
			checkKeys(t, "application.deployment", a["deployment"], appDeploymentKeys...)
			checkKeys(t, "application.vhosts[0]", array(t, a["vhosts"])[0], "fqdn")
		}
	}
	want := map[string]int{
		"v2/organisations/" + OrgAcme + "/applications " + TokenAlice:   20,
		"v2/organisations/" + OrgBeta + "/applications " + TokenAlice:   2,
		"v2/organisations/" + OrgBobCorp + "/applications " + TokenBob:  2,
		"v2/organisations/" + UserAlice + "/applications " + TokenAlice: 2,
		"v2/self/applications " + TokenAlice:                            2,
		"v2/self/applications " + TokenBob:                              2,
	}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("application counts (-want +got):\n%s", diff)
	}

	app := object(t, get(t, s, "v2/organisations/"+OrgAcme+"/applications/"+AcmeFirstAppID, TokenAlice).ok(t, http.StatusOK))
	if app["id"] != AcmeFirstAppID || app["ownerId"] != OrgAcme || app["zone"] != "par" {
		t.Errorf("first app = %v %v %v", app["id"], app["ownerId"], app["zone"])
	}
	self := object(t, get(t, s, "v2/self/applications/"+AliceFirstAppID, TokenAlice).ok(t, http.StatusOK))
	if self["ownerId"] != UserAlice {
		t.Errorf("self app owner = %v", self["ownerId"])
	}
}

func TestApplicationsByInstanceID(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	apps := array(t, get(t, s, "v2/organisations/"+OrgAcme+"/applications?instanceId="+AcmeFirstAppInstanceID, TokenAlice).ok(t, http.StatusOK))
	if len(apps) != 1 || apps[0]["id"] != AcmeFirstAppID {
		t.Errorf("?instanceId= gave %d apps", len(apps))
	}
	if v := get(t, s, "v2/organisations/"+OrgAcme+"/applications?instanceId=nope", TokenAlice).ok(t, http.StatusOK); len(v.([]any)) != 0 {
		t.Errorf("unknown instanceId gave %v", v)
	}
	if got := s.Requests()[0].Query.Get("instanceId"); got != AcmeFirstAppInstanceID {
		t.Errorf("recorded instanceId = %q", got)
	}
}

func TestAddons(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	addons := array(t, get(t, s, "v2/organisations/"+OrgAcme+"/addons", TokenAlice).ok(t, http.StatusOK))
	var providers []string
	for _, a := range addons {
		checkKeys(t, "addon", a, addonKeys...)
		checkKeys(t, "addon.provider", a["provider"], providerKeys...)
		checkKeys(t, "addon.plan", a["plan"], planKeys...)
		providers = append(providers, object(t, a["provider"])["id"].(string))
	}
	want := []string{"keycloak", "otoroshi", "addon-matomo", "metabase", "addon-pulsar", "postgresql-addon"}
	if diff := cmp.Diff(want, providers); diff != "" {
		t.Errorf("OrgAcme add-on providers (-want +got):\n%s", diff)
	}
	self := array(t, get(t, s, "v2/self/addons", TokenAlice).ok(t, http.StatusOK))
	if len(self) != 1 || self[0]["realId"] != AliceMetabaseRealID {
		t.Errorf("alice's personal add-ons = %v", self)
	}
	if v := get(t, s, "v2/self/addons", TokenBob).ok(t, http.StatusOK); len(v.([]any)) != 0 {
		t.Errorf("bob's personal add-ons = %v, want []", v)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	sum := get(t, s, "v2/summary", TokenAlice).ok(t, http.StatusOK)
	checkKeys(t, "summary", sum, "user", "organisations")
	user := object(t, object(t, sum)["user"])
	checkKeys(t, "summary.user", user, orgSummaryKeys...)
	if user["id"] != UserAlice {
		t.Errorf("summary user id = %v", user["id"])
	}
	orgs := array(t, object(t, sum)["organisations"])
	var ids []string
	for _, o := range orgs {
		checkKeys(t, "summary organisation", o, orgSummaryKeys...)
		ids = append(ids, o["id"].(string))
	}
	if diff := cmp.Diff([]string{UserAlice, OrgAcme, OrgBeta}, ids); diff != "" {
		t.Errorf("summary organisations (-want +got):\n%s", diff)
	}
	acme := orgs[1]
	apps := array(t, acme["applications"])
	if len(apps) != 20 {
		t.Errorf("summary has %d Acme apps", len(apps))
	}
	checkKeys(t, "summary application", apps[0], appSummaryKeys...)
	checkKeys(t, "summary addon", array(t, acme["addons"])[0], addonSummaryKey...)
	if acme["role"] != "ADMIN" || orgs[2]["role"] != "DEVELOPER" {
		t.Errorf("roles = %v, %v", acme["role"], orgs[2]["role"])
	}
}
