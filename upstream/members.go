package upstream

import (
	"context"
)

// Member is a user's membership of an organisation.
type Member struct {
	Member MemberUser `json:"member"`
	Role   string     `json:"role"` // ADMIN, MANAGER, DEVELOPER, ACCOUNTING
	Job    *string    `json:"job"`
}

// MemberUser is the user behind a [Member]. Invited users who never filled
// in their profile have no name.
type MemberUser struct {
	ID           string  `json:"id"`
	Email        string  `json:"email"`
	Name         *string `json:"name"`
	Avatar       *string `json:"avatar"`
	PreferredMFA *string `json:"preferredMFA"` // NONE, TOTP, …
}

// ListMembers lists an organisation's members. It has no /v2/self twin: a
// personal space's only member is its user.
//
// Clever Cloud API: GET /v2/organisations/{id}/members
func (c *Client) ListMembers(ctx context.Context, orgID string) ([]Member, error) {
	return list[Member](ctx, c, buildPath("v2/organisations/%s/members", orgID), nil)
}
