package upstreamtest

import (
	"cmp"
	"crypto/md5"
	"encoding/hex"
	"slices"
)

// member is an organisation member in the /v2/organisations/{id}/members shape.
type member struct {
	Member memberUser `json:"member"`
	Role   string     `json:"role"`
	Job    *string    `json:"job"`
}

type memberUser struct {
	ID           string  `json:"id"`
	Email        string  `json:"email"`
	Name         *string `json:"name"`
	Avatar       *string `json:"avatar"`
	PreferredMFA string  `json:"preferredMFA"`
}

// memberSpec is a member without a token: only the members route shows them, so
// they change no owner's visibility. An empty name is an invited user who never
// filled in a profile (name and avatar null).
type memberSpec struct {
	email, name, role, mfa, job string
}

// invitedMembers are the members of each organisation besides the dataset's
// users, who are members through owner.roles.
var invitedMembers = map[string][]memberSpec{
	OrgAcme: {
		{email: "chloe.dubois@acme.example", name: "Chloé Dubois", role: "MANAGER", mfa: "TOTP", job: "Head of Engineering"},
		{email: "hugo.lefevre@acme.example", name: "Hugo Lefèvre", role: "ACCOUNTING", mfa: "NONE", job: "Finance"},
		{email: "ines.moreau@acme.example", name: "Inès Moreau", role: "DEVELOPER", mfa: "TOTP"},
		{email: "it-ops@acme.example", role: "DEVELOPER", mfa: "NONE"},
	},
	OrgBeta: {
		{email: "julien.garnier@betalabs.example", name: "Julien Garnier", role: "ADMIN", mfa: "TOTP", job: "Founder"},
		{email: "sarah.petit@betalabs.example", name: "Sarah Petit", role: "ACCOUNTING", mfa: "NONE"},
	},
	OrgBobCorp: {
		{email: "emily.roy@bobcorp.example", name: "Emily Roy", role: "MANAGER", mfa: "TOTP", job: "Product owner"},
		{email: "marc-andre.gagnon@bobcorp.example", name: "Marc-André Gagnon", role: "DEVELOPER", mfa: "NONE"},
	},
}

// userJobs are the jobs the dataset's users gave in each organisation
// ("owner/user"); the others are null.
var userJobs = map[string]string{
	OrgAcme + "/" + UserAlice:  "CTO",
	OrgBobCorp + "/" + UserBob: "Founder",
}

// members lists an owner's members, sorted by e-mail: its users with a token
// (a personal space has only its user) and its invited members.
func (d *dataset) members(o *owner) []member {
	out := []member{}
	for userID, role := range o.roles {
		u := d.users[userID].self
		out = append(out, member{
			Member: memberUser{ID: u.ID, Email: u.Email, Name: ptr(u.Name), Avatar: ptr(u.Avatar), PreferredMFA: u.PreferredMFA},
			Role:   role,
			Job:    optional(userJobs[o.org.ID+"/"+userID]),
		})
	}
	for _, spec := range invitedMembers[o.org.ID] {
		m := member{
			Member: memberUser{ID: "user_" + uuidFor("member/"+spec.email), Email: spec.email, PreferredMFA: spec.mfa},
			Role:   spec.role,
			Job:    optional(spec.job),
		}
		if spec.name != "" {
			sum := md5.Sum([]byte(spec.email))
			m.Member.Name = ptr(spec.name)
			m.Member.Avatar = ptr("https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=200")
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(x, y member) int { return cmp.Compare(x.Member.Email, y.Member.Email) })
	return out
}

// optional is nil for "", JSON null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
