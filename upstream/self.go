package upstream

import (
	"context"
	"net/http"
)

// User is the caller, as v2 /self describes them.
type User struct {
	ID             string  `json:"id"`
	Name           *string `json:"name"`
	Email          *string `json:"email"`
	Phone          *string `json:"phone"`
	Address        *string `json:"address"`
	City           *string `json:"city"`
	Zipcode        *string `json:"zipcode"`
	Country        *string `json:"country"`
	Avatar         *string `json:"avatar"`
	CreationDate   Time    `json:"creationDate"`
	Lang           *string `json:"lang"`
	EmailValidated *bool   `json:"emailValidated"`
	Admin          *bool   `json:"admin"`
	CanPay         *bool   `json:"canPay"`
	PreferredMFA   *string `json:"preferredMFA"`
	HasPassword    *bool   `json:"hasPassword"`
}

// GetSelf returns the user the token belongs to.
//
// Clever Cloud API: GET /v2/self
func (c *Client) GetSelf(ctx context.Context) (*User, error) {
	return call[User](ctx, c, http.MethodGet, buildPath("v2/self"), nil, nil)
}
