package upstreamtest

import "net/http"

// summary is the /v2/summary answer: the user's personal space, and every owner
// the user belongs to (the personal space included).
type summary struct {
	User          orgSummary   `json:"user"`
	Organisations []orgSummary `json:"organisations"`
}

type orgSummary struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Avatar           string            `json:"avatar"`
	Applications     []appSummary      `json:"applications"`
	Addons           []addonSummary    `json:"addons"`
	Consumers        []consumerSummary `json:"consumers"`
	Providers        []providerSummary `json:"providers"`
	Role             string            `json:"role"`
	VATState         string            `json:"vatState"`
	CanPay           bool              `json:"canPay"`
	CanSEPA          bool              `json:"canSEPA"`
	CleverEnterprise bool              `json:"cleverEnterprise"`
	EmergencyNumber  *string           `json:"emergencyNumber"`
	IsTrusted        bool              `json:"isTrusted"`
}

type appSummary struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	InstanceType    string   `json:"instanceType"`
	InstanceVariant string   `json:"instanceVariant"`
	VariantSlug     string   `json:"variantSlug"`
	Archived        bool     `json:"archived"`
	Homogeneous     bool     `json:"homogeneous"`
	VariantLogoURL  string   `json:"variantLogoUrl"`
	State           string   `json:"state"`
	Commit          string   `json:"commit"`
	SystemTags      []string `json:"systemTags"`
	CustomerTags    []string `json:"customerTags"`
}

type addonSummary struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	RealID       string   `json:"realId"`
	ProviderID   string   `json:"providerId"`
	LogoURL      string   `json:"logoUrl"`
	SystemTags   []string `json:"systemTags"`
	CustomerTags []string `json:"customerTags"`
}

type consumerSummary struct {
	Name    string `json:"name"`
	Key     string `json:"key"`
	Picture string `json:"picture"`
}

type providerSummary struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// getSummary answers RouteSummary (?full= changes nothing here).
func (d *dataset) getSummary(c *call) {
	userID, ok := d.authenticate(c)
	if !ok {
		return
	}
	out := summary{User: d.owners[userID].summary(userID), Organisations: []orgSummary{}}
	for _, id := range d.users[userID].owners {
		out.Organisations = append(out.Organisations, d.owners[id].summary(userID))
	}
	c.json(http.StatusOK, out)
}

// summary is the owner as /v2/summary shows it to userID.
func (o *owner) summary(userID string) orgSummary {
	s := orgSummary{
		ID: o.org.ID, Name: o.org.Name, Avatar: o.org.Avatar,
		Applications: []appSummary{}, Addons: []addonSummary{},
		Consumers: []consumerSummary{}, Providers: []providerSummary{},
		Role: o.roles[userID], VATState: o.org.VATState, CanPay: o.org.CanPay, CanSEPA: o.org.CanSEPA,
		CleverEnterprise: o.org.CleverEnterprise, EmergencyNumber: o.org.EmergencyNumber, IsTrusted: o.org.IsTrusted,
	}
	for _, rec := range o.apps {
		a := rec.app
		tags := []string{}
		if len(a.Vhosts) > 1 {
			tags = append(tags, "production")
		}
		s.Applications = append(s.Applications, appSummary{
			ID: a.ID, Name: a.Name, InstanceType: a.Instance.Type, InstanceVariant: a.Instance.Variant.ID,
			VariantSlug: a.Instance.Variant.Slug, Archived: a.Archived, Homogeneous: a.Homogeneous,
			VariantLogoURL: a.Instance.Variant.Logo, State: a.State, Commit: a.CommitID,
			SystemTags: []string{}, CustomerTags: tags,
		})
	}
	for _, ad := range o.addons {
		s.Addons = append(s.Addons, addonSummary{
			ID: ad.ID, Name: ad.Name, RealID: ad.RealID, ProviderID: ad.Provider.ID, LogoURL: ad.Provider.LogoURL,
			SystemTags: []string{}, CustomerTags: []string{},
		})
	}
	return s
}
