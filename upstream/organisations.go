package upstream

import (
	"context"
	"net/http"
	"strings"
)

// Organisation is a v2 organisation. The caller's personal space is an
// organisation too, whose id is the user's id.
type Organisation struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Description      *string `json:"description"`
	BillingEmail     *string `json:"billingEmail"`
	Address          *string `json:"address"`
	City             *string `json:"city"`
	Zipcode          *string `json:"zipcode"`
	Country          *string `json:"country"`
	Company          *string `json:"company"`
	VAT              *string `json:"VAT"`
	Avatar           *string `json:"avatar"`
	VATState         *string `json:"vatState"`
	CustomerFullName *string `json:"customerFullName"`
	CanPay           *bool   `json:"canPay"`
	CleverEnterprise *bool   `json:"cleverEnterprise"`
	EmergencyNumber  *string `json:"emergencyNumber"`
	CanSEPA          *bool   `json:"canSEPA"`
	IsTrusted        *bool   `json:"isTrusted"`
}

// IsPersonal reports whether id names a user's personal space.
func IsPersonal(id string) bool { return strings.HasPrefix(id, "user_") }

// ListOrganisations lists the caller's organisations, the personal space included.
//
// Clever Cloud API: GET /v2/organisations
func (c *Client) ListOrganisations(ctx context.Context) ([]Organisation, error) {
	return list[Organisation](ctx, c, buildPath("v2/organisations"), nil)
}

// GetOrganisation returns one organisation.
//
// Clever Cloud API: GET /v2/organisations/{id}
func (c *Client) GetOrganisation(ctx context.Context, id string) (*Organisation, error) {
	return call[Organisation](ctx, c, http.MethodGet, buildPath("v2/organisations/%s", id), nil, nil)
}

// ownerPath is the v2 path of an owner: "v2/self" for the caller's personal
// space (self true), "v2/organisations/{id}" otherwise, followed by suffix
// (a format with one %s per extra id).
func ownerPath(ownerID string, self bool, suffix string, ids ...string) endpoint {
	if self {
		return buildPath("v2/self"+suffix, ids...)
	}
	return buildPath("v2/organisations/%s"+suffix, append([]string{ownerID}, ids...)...)
}
