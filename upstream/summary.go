package upstream

import (
	"context"
	"net/http"
	"net/url"
)

// Summary is every owner the caller belongs to, each with its applications
// and add-ons, in one call. It carries no zone, sizing, domain or plan: use it
// to list cheaply and to find which owner holds an application or add-on,
// then fetch the full objects.
type Summary struct {
	User OrgSummary `json:"user"` // the caller's personal space
	// Organisations lists every owner, the personal space included (the
	// entry whose ID is User.ID).
	Organisations []OrgSummary `json:"organisations"`
}

// OrgSummary is an owner as [Summary] shows it.
type OrgSummary struct {
	ID               string               `json:"id"`
	Name             string               `json:"name"`
	Avatar           *string              `json:"avatar"`
	Applications     []ApplicationSummary `json:"applications"`
	Addons           []AddonSummary       `json:"addons"`
	Consumers        []ConsumerSummary    `json:"consumers"`
	Providers        []ProviderSummary    `json:"providers"`
	Role             string               `json:"role"` // the caller's: NONE, ADMIN, ACCOUNTING, DEVELOPER, MANAGER
	VATState         *string              `json:"vatState"`
	CanPay           *bool                `json:"canPay"`
	CanSEPA          *bool                `json:"canSEPA"`
	CleverEnterprise *bool                `json:"cleverEnterprise"`
	EmergencyNumber  *string              `json:"emergencyNumber"`
	IsTrusted        *bool                `json:"isTrusted"`
}

// ApplicationSummary is an application as [Summary] shows it.
type ApplicationSummary struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	InstanceType    *string  `json:"instanceType"`
	InstanceVariant *string  `json:"instanceVariant"` // the variant's id
	VariantSlug     *string  `json:"variantSlug"`
	Archived        *bool    `json:"archived"`
	Homogeneous     *bool    `json:"homogeneous"`
	VariantLogoURL  *string  `json:"variantLogoUrl"`
	State           *string  `json:"state"`
	Commit          *string  `json:"commit"`
	SystemTags      []string `json:"systemTags"`
	CustomerTags    []string `json:"customerTags"`
}

// AddonSummary is an add-on as [Summary] shows it, with both its ids.
type AddonSummary struct {
	ID           string   `json:"id"`
	Name         *string  `json:"name"`
	RealID       string   `json:"realId"`
	ProviderID   string   `json:"providerId"`
	LogoURL      *string  `json:"logoUrl"`
	SystemTags   []string `json:"systemTags"`
	CustomerTags []string `json:"customerTags"`
}

// ConsumerSummary is an OAuth consumer an owner registered.
type ConsumerSummary struct {
	Name    string  `json:"name"`
	Key     string  `json:"key"`
	Picture *string `json:"picture"`
}

// ProviderSummary is an add-on provider an owner publishes.
type ProviderSummary struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// GetSummary returns the caller's [Summary]; full asks the upstream for its
// fuller form (?full=true).
//
// Clever Cloud API: GET /v2/summary
func (c *Client) GetSummary(ctx context.Context, full bool) (*Summary, error) {
	q := url.Values{}
	setBool(q, "full", full)
	return call[Summary](ctx, c, http.MethodGet, buildPath("v2/summary"), q, nil)
}
