package upstreamtest

import (
	"encoding/json"
	"strings"
)

// addon is an add-on in the v2 shape (/v2/organisations/{id}/addons).
type addon struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	RealID       string        `json:"realId"`
	Region       string        `json:"region"`
	ZoneID       string        `json:"zoneId"`
	Provider     addonProvider `json:"provider"`
	Plan         addonPlan     `json:"plan"`
	CreationDate int64         `json:"creationDate"`
	ConfigKeys   []string      `json:"configKeys"`
}

type addonProvider struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      string   `json:"website"`
	SupportEmail string   `json:"supportEmail"`
	ShortDesc    string   `json:"shortDesc"`
	LongDesc     string   `json:"longDesc"`
	LogoURL      string   `json:"logoUrl"`
	Status       string   `json:"status"`
	OpenInNewTab bool     `json:"openInNewTab"`
	CanUpgrade   bool     `json:"canUpgrade"`
	Zones        []string `json:"zones"`
}

type addonPlan struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Slug     string        `json:"slug"`
	Price    float64       `json:"price"`
	PriceID  string        `json:"price_id"`
	Zones    []string      `json:"zones"`
	Features []planFeature `json:"features"`
}

type planFeature struct {
	Name            string  `json:"name"`
	Type            string  `json:"type"`
	NameCode        string  `json:"name_code"`
	Value           string  `json:"value"`
	ComputableValue *string `json:"computable_value"`
}

// providerKind is what the dataset knows of an add-on provider, keyed by its v2
// provider id.
type providerKind struct {
	provider   addonProvider
	realPrefix string // realId prefix: "keycloak" in "keycloak_<uuid>"
	plan       addonPlan
	configKeys []string
	operator   *operatorKind // nil: not an operator
}

var providerZones = []string{"par", "parhds", "rbx", "rbxhds", "grahds", "scw", "wsw", "mtl", "sgp", "syd"}

func newProvider(id, name, website, short, status string) addonProvider {
	slug := strings.TrimPrefix(strings.TrimSuffix(id, "-addon"), "addon-")
	return addonProvider{
		ID: id, Name: name, Website: website, SupportEmail: "support@clever-cloud.com", ShortDesc: short,
		LongDesc: name + " managed by Clever Cloud: provisioning, upgrades, backups and monitoring included.",
		LogoURL:  "https://assets.clever-cloud.com/logos/" + slug + ".svg", Status: status, CanUpgrade: true,
		Zones: providerZones,
	}
}

func newPlan(provider, name, slug string, price float64, features ...planFeature) addonPlan {
	if features == nil {
		features = []planFeature{}
	}
	return addonPlan{
		ID: "plan_" + uuidFor("plan/"+provider+"/"+slug), Name: name, Slug: slug, Price: price,
		PriceID: provider + "." + slug, Zones: providerZones, Features: features,
	}
}

var providerKinds = map[string]*providerKind{
	"keycloak": {
		provider:   newProvider("keycloak", "Keycloak", "https://www.keycloak.org", "Open source identity and access management", "RELEASE"),
		realPrefix: "keycloak", plan: newPlan("keycloak", "Base", "base", 0),
		configKeys: []string{"CC_KEYCLOAK_URL", "CC_KEYCLOAK_ADMIN"}, operator: keycloakKind,
	},
	"otoroshi": {
		provider:   newProvider("otoroshi", "Otoroshi with LLM", "https://www.otoroshi.io", "API gateway and reverse proxy", "RELEASE"),
		realPrefix: "otoroshi", plan: newPlan("otoroshi", "Base", "base", 0),
		configKeys: []string{"CC_OTOROSHI_URL", "CC_OTOROSHI_API_URL"}, operator: otoroshiKind,
	},
	"addon-matomo": {
		provider:   newProvider("addon-matomo", "Matomo Analytics", "https://matomo.org", "Privacy-friendly web analytics", "RELEASE"),
		realPrefix: "matomo", plan: newPlan("addon-matomo", "Base", "base", 0),
		configKeys: []string{"CC_MATOMO_URL"}, operator: matomoKind,
	},
	"metabase": {
		provider:   newProvider("metabase", "Metabase", "https://www.metabase.com", "Business intelligence and dashboards", "RELEASE"),
		realPrefix: "metabase", plan: newPlan("metabase", "Base", "base", 0),
		configKeys: []string{"CC_METABASE_URL"}, operator: metabaseKind,
	},
	"addon-pulsar": {
		provider:   newProvider("addon-pulsar", "Pulsar", "https://pulsar.apache.org", "Distributed messaging and streaming", "BETA_PUB"),
		realPrefix: "pulsar", plan: newPlan("addon-pulsar", "Beta", "beta", 0),
		configKeys: []string{"ADDON_PULSAR_BINARY_URL", "ADDON_PULSAR_HTTP_URL", "ADDON_PULSAR_TENANT", "ADDON_PULSAR_NAMESPACE", "ADDON_PULSAR_TOKEN"},
	},
	"postgresql-addon": {
		provider:   newProvider("postgresql-addon", "PostgreSQL", "https://www.postgresql.org", "Managed PostgreSQL databases", "RELEASE"),
		realPrefix: "postgresql", plan: newPlan("postgresql-addon", "XS Medium Space", "xs_med", 21.6,
			planFeature{Name: "Max DB size", Type: "BYTES", NameCode: "max-db-size", Value: "10 GB", ComputableValue: ptr("10737418240")},
			planFeature{Name: "Memory", Type: "BYTES", NameCode: "memory", Value: "1 GB", ComputableValue: ptr("1073741824")},
			planFeature{Name: "Version", Type: "OBJECT", NameCode: "version", Value: "17"}),
		configKeys: []string{"POSTGRESQL_ADDON_HOST", "POSTGRESQL_ADDON_PORT", "POSTGRESQL_ADDON_DB", "POSTGRESQL_ADDON_USER", "POSTGRESQL_ADDON_PASSWORD", "POSTGRESQL_ADDON_URI"},
	},
}

// networkGroupForm is how an operator's features say it is in a network group.
type networkGroupForm int

const (
	ngOut    networkGroupForm = iota // features.networkGroup: null
	ngIn                             // features.networkGroup: {"id": "ng_…"}
	ngLegacy                         // features.ng: "ng_…", the older seed form
)

// addonSpec describes an add-on to generate.
type addonSpec struct {
	name, provider, zone string
	entrypoint           string // operators: name of the owner's application they run on
	networkGroup         networkGroupForm
	legacyUnits          bool // pulsar: answer storage policies in sizeInMB and durationInDays
}

var acmeAddons = []addonSpec{
	{name: "acme-sso", provider: "keycloak", zone: "par", entrypoint: "acme-sso", networkGroup: ngIn},
	{name: "acme-gateway", provider: "otoroshi", zone: "par", entrypoint: "acme-gateway", networkGroup: ngLegacy},
	{name: "acme-stats", provider: "addon-matomo", zone: "par", entrypoint: "acme-stats"},
	{name: "acme-bi", provider: "metabase", zone: "par", entrypoint: "acme-bi"},
	{name: "acme-events", provider: "addon-pulsar", zone: "par"},
	{name: "acme-main-db", provider: "postgresql-addon", zone: "par"},
}

var betaAddons = []addonSpec{
	{name: "beta-events", provider: "addon-pulsar", zone: "par", legacyUnits: true},
}

var bobCorpAddons = []addonSpec{
	{name: "bobcorp-sso", provider: "keycloak", zone: "mtl", entrypoint: "bobcorp-sso"},
}

var aliceAddons = []addonSpec{
	{name: "alice-bi", provider: "metabase", zone: "par", entrypoint: "alice-bi"},
}

// addAddons generates the owner's add-ons, with the operator or Pulsar policies
// behind them.
func (d *dataset) addAddons(o *owner, specs []addonSpec) {
	for i, spec := range specs {
		kind := providerKinds[spec.provider]
		seed := o.org.ID + "/" + spec.name
		z := d.zone(spec.zone)
		a := &addon{
			ID: "addon_" + uuidFor("addon/"+seed), Name: spec.name,
			RealID: kind.realPrefix + "_" + uuidFor("real/"+seed),
			Region: z.Name, ZoneID: z.ID, Provider: kind.provider, Plan: kind.plan,
			CreationDate: epochMillis(daysBefore(150 - 9*i)), ConfigKeys: kind.configKeys,
		}
		o.addons = append(o.addons, a)
		switch {
		case kind.operator != nil:
			rec := newOperator(kind.operator, a, o, spec)
			d.operators[a.RealID] = rec
		case spec.provider == "addon-pulsar":
			rec := newPulsar(a, o.org.ID, spec.legacyUnits)
			d.pulsars[a.ID] = rec
			d.pulsars[a.RealID] = rec
		}
	}
}

// marshalNetworkGroup writes an operator's features in its form.
func marshalNetworkGroup(form networkGroupForm, id string) ([]byte, error) {
	if form == ngLegacy {
		var ng *string
		if id != "" {
			ng = &id
		}
		return json.Marshal(map[string]*string{"ng": ng})
	}
	var ng *struct {
		ID string `json:"id"`
	}
	if id != "" {
		ng = &struct {
			ID string `json:"id"`
		}{id}
	}
	return json.Marshal(map[string]any{"networkGroup": ng})
}
