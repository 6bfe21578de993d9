package upstreamtest

import "strings"

// operatorKind is one of the four operators (keycloak, matomo, metabase,
// otoroshi) and what its v4 routes support.
type operatorKind struct {
	path          string // provider segment of the v4 routes: "addon-keycloak"
	installed     string
	available     []string // oldest first
	javaVersion   string
	phpVersion    string
	hasAPI        bool // answers api{url,user,secret,openapi,swaggerUrl}
	networkGroups bool // /networkgroup routes exist (keycloak, otoroshi)
	versions      bool // /version routes exist (keycloak, metabase, otoroshi)
	envPrefix     string
	extraEnv      map[string]string
}

var (
	keycloakKind = &operatorKind{
		path: "addon-keycloak", installed: "26.1.4", available: []string{"25.0.6", "26.0.8", "26.1.4", "26.2.5"},
		javaVersion: "21", networkGroups: true, versions: true, envPrefix: "CC_KEYCLOAK",
		extraEnv: map[string]string{"KC_DB": "postgres", "KC_HEALTH_ENABLED": "true"},
	}
	otoroshiKind = &operatorKind{
		path: "addon-otoroshi", installed: "17.4.0", available: []string{"16.22.0", "17.3.1", "17.4.0"},
		javaVersion: "21", hasAPI: true, networkGroups: true, versions: true, envPrefix: "CC_OTOROSHI",
		extraEnv: map[string]string{"OTOROSHI_STORAGE": "redis"},
	}
	matomoKind = &operatorKind{
		path: "addon-matomo", installed: "5.3.2", available: []string{"5.2.2", "5.3.2"},
		phpVersion: "8.3", envPrefix: "CC_MATOMO",
		extraEnv: map[string]string{"MATOMO_DATABASE_ADAPTER": "mysql"},
	}
	metabaseKind = &operatorKind{
		path: "addon-metabase", installed: "0.54.9", available: []string{"0.53.14", "0.54.9", "0.55.3"},
		javaVersion: "21", versions: true, envPrefix: "CC_METABASE",
		extraEnv: map[string]string{"MB_DB_TYPE": "postgres"},
	}
)

// operator is an operator in the v4 shape (/v4/addon-providers/addon-{op}/addons/{realId}).
type operator struct {
	ResourceID         string            `json:"resourceId"`
	AddonID            string            `json:"addonId"`
	Name               string            `json:"name"`
	OwnerID            string            `json:"ownerId"`
	Plan               string            `json:"plan"`
	Version            string            `json:"version"`
	JavaVersion        string            `json:"javaVersion,omitempty"`
	PHPVersion         string            `json:"phpVersion,omitempty"`
	AccessURL          string            `json:"accessUrl"`
	AvailableVersions  []string          `json:"availableVersions"`
	InitialCredentials *credentials      `json:"initialCredentials,omitempty"`
	API                *operatorAPI      `json:"api,omitempty"`
	Resources          operatorResources `json:"resources"`
	Features           operatorFeatures  `json:"features"`
	EnvVars            map[string]string `json:"envVars"`
}

type credentials struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

type operatorAPI struct {
	URL        string `json:"url"`
	User       string `json:"user"`
	Secret     string `json:"secret"`
	OpenAPI    string `json:"openapi"`
	SwaggerURL string `json:"swaggerUrl"`
}

type operatorResources struct {
	Entrypoint string `json:"entrypoint"`
	RedisID    string `json:"redisId,omitempty"`
	PulsarID   string `json:"pulsarId,omitempty"`
	ElasticID  string `json:"elasticId,omitempty"`
	CellarID   string `json:"cellarId,omitempty"`
}

// operatorFeatures is written as {"networkGroup": {"id": …}|null}, or as the
// older {"ng": "…"|null} by the operators kept in that form.
type operatorFeatures struct {
	form           networkGroupForm
	networkGroupID string
}

// MarshalJSON writes the features in the operator's form.
func (f operatorFeatures) MarshalJSON() ([]byte, error) {
	return marshalNetworkGroup(f.form, f.networkGroupID)
}

// operatorRecord is an operator and its kind.
type operatorRecord struct {
	kind *operatorKind
	op   *operator
}

func newOperator(kind *operatorKind, a *addon, o *owner, spec addonSpec) *operatorRecord {
	host := strings.ReplaceAll(a.RealID, "_", "-")
	accessURL := "https://" + host + ".services.clever-cloud.com"
	entry := ""
	for _, rec := range o.apps {
		if rec.app.Name == spec.entrypoint {
			entry = rec.app.ID
		}
	}
	if entry == "" {
		panic("upstreamtest: no entrypoint application " + spec.entrypoint)
	}
	op := &operator{
		ResourceID: a.RealID, AddonID: a.ID, Name: a.Name, OwnerID: o.org.ID, Plan: strings.ToUpper(a.Plan.Slug),
		Version: kind.installed, JavaVersion: kind.javaVersion, PHPVersion: kind.phpVersion,
		AccessURL: accessURL, AvailableVersions: kind.available,
		InitialCredentials: &credentials{User: "cc-admin", Password: hexFor("password/"+a.RealID, 24)},
		Resources:          operatorResources{Entrypoint: entry},
		Features:           operatorFeatures{form: spec.networkGroup},
		EnvVars: map[string]string{
			kind.envPrefix + "_URL":     accessURL,
			kind.envPrefix + "_VERSION": kind.installed,
		},
	}
	for k, v := range kind.extraEnv {
		op.EnvVars[k] = v
	}
	if kind.javaVersion != "" {
		op.EnvVars["CC_JAVA_VERSION"] = kind.javaVersion
	}
	if kind.phpVersion != "" {
		op.EnvVars["CC_PHP_VERSION"] = kind.phpVersion
	}
	if kind.hasAPI {
		apiURL := "https://" + strings.Replace(host, "-", "-api-", 1) + ".services.clever-cloud.com"
		op.API = &operatorAPI{
			URL: apiURL, User: "cc-api-" + hexFor("api-user/"+a.RealID, 8), Secret: hexFor("api-secret/"+a.RealID, 40),
			OpenAPI: apiURL + "/apis/openapi.json", SwaggerURL: apiURL + "/apis/swagger-ui/index.html",
		}
		op.EnvVars[kind.envPrefix+"_API_URL"] = apiURL
	}
	if spec.networkGroup != ngOut {
		op.Features.networkGroupID = networkGroupID(a.RealID)
	}
	return &operatorRecord{kind: kind, op: op}
}

// networkGroupID is the network group an operator joins.
func networkGroupID(realID string) string { return "ng_" + uuidFor("ng/"+realID) }
