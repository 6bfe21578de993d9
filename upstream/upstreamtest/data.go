package upstreamtest

import (
	"crypto/md5"
	"encoding/hex"
)

// dataset is everything the fake serves. newDataset builds it the same way every
// time, so ids and values are stable across runs; mutating routes change it under
// Server.dataMu and Reset replaces it.
type dataset struct {
	tokens     map[string]string // token → user id
	users      map[string]*userRecord
	owners     map[string]*owner // by organisation id or user id (personal space)
	zones      []*zone
	operators  map[string]*operatorRecord // by realId
	pulsars    map[string]*pulsarRecord   // by add-on id and by realId
	appCounter int                        // varies the generated applications
}

// userRecord is a user and the owners it belongs to, personal space first.
type userRecord struct {
	self   *self
	owners []string
}

// owner is an organisation or a personal space: Clever Cloud treats both alike,
// and a personal space's id is its user's id.
type owner struct {
	org      *organisation
	roles    map[string]string // member user id → role
	apps     []*appRecord
	addons   []*addon
	invoices []*invoice // newest first
}

// self is a user in the /v2/self shape.
type self struct {
	ID                string   `json:"id"`
	Email             string   `json:"email"`
	Name              string   `json:"name"`
	Phone             string   `json:"phone"`
	Address           string   `json:"address"`
	City              string   `json:"city"`
	Zipcode           string   `json:"zipcode"`
	Country           string   `json:"country"`
	Avatar            string   `json:"avatar"`
	CreationDate      int64    `json:"creationDate"`
	Lang              string   `json:"lang"`
	EmailValidated    bool     `json:"emailValidated"`
	OAuthApps         []string `json:"oauthApps"`
	Admin             bool     `json:"admin"`
	CanPay            bool     `json:"canPay"`
	PreferredMFA      string   `json:"preferredMFA"`
	HasPassword       bool     `json:"hasPassword"`
	PartnerID         string   `json:"partnerId"`
	PartnerName       string   `json:"partnerName"`
	PartnerConsoleURL string   `json:"partnerConsoleUrl"`
}

// organisation is an organisation in the /v2/organisations shape.
type organisation struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Description      string  `json:"description"`
	BillingEmail     string  `json:"billingEmail"`
	Address          string  `json:"address"`
	City             string  `json:"city"`
	Zipcode          string  `json:"zipcode"`
	Country          string  `json:"country"`
	Company          string  `json:"company"`
	VAT              string  `json:"VAT"`
	Avatar           string  `json:"avatar"`
	VATState         string  `json:"vatState"`
	CustomerFullName string  `json:"customerFullName"`
	CanPay           bool    `json:"canPay"`
	CleverEnterprise bool    `json:"cleverEnterprise"`
	EmergencyNumber  *string `json:"emergencyNumber"`
	CanSEPA          bool    `json:"canSEPA"`
	IsTrusted        bool    `json:"isTrusted"`
}

// Partner fields shared by every user of the public Clever Cloud console.
const (
	partnerID         = "4a4dd4b0-8d6a-4c1c-9d2a-6b7c0f0e4a11"
	partnerName       = "Clever Cloud"
	partnerConsoleURL = "https://console.clever-cloud.com"
)

func newDataset() *dataset {
	d := &dataset{
		tokens:    map[string]string{TokenAlice: UserAlice, TokenBob: UserBob},
		users:     make(map[string]*userRecord),
		owners:    make(map[string]*owner),
		zones:     buildZones(),
		operators: make(map[string]*operatorRecord),
		pulsars:   make(map[string]*pulsarRecord),
	}
	alice := d.addUser(&self{
		ID: UserAlice, Email: "alice.martin@acme.example", Name: "Alice Martin",
		Phone: "+33 6 12 34 56 78", Address: "18 rue Oberkampf", City: "Paris", Zipcode: "75011",
		Country: "FRANCE", CreationDate: epochMillis(daysBefore(1480)), Lang: "FR",
		PreferredMFA: "TOTP",
	})
	bob := d.addUser(&self{
		ID: UserBob, Email: "bob.tremblay@bobcorp.example", Name: "Bob Tremblay",
		Phone: "+1 514 555 0142", Address: "4200 boulevard Saint-Laurent", City: "Montréal", Zipcode: "H2W 2R2",
		Country: "CANADA", CreationDate: epochMillis(daysBefore(610)), Lang: "EN",
		PreferredMFA: "NONE",
	})

	acme := d.addOrg(&organisation{
		ID: OrgAcme, Name: "Acme Corp", Description: "Acme's production and staging workloads",
		BillingEmail: "billing@acme.example", Address: "12 rue de la Paix", City: "Paris", Zipcode: "75002",
		Country: "FRANCE", Company: "Acme SAS", VAT: "FR40123456824", VATState: "VALID",
		CustomerFullName: "Acme SAS", CanPay: true, CleverEnterprise: true,
		EmergencyNumber: ptr("+33 1 84 88 00 00"), CanSEPA: true, IsTrusted: true,
	}, map[string]string{UserAlice: "ADMIN"})
	beta := d.addOrg(&organisation{
		ID: OrgBeta, Name: "Beta Labs", Description: "Experiments and prototypes",
		BillingEmail: "finance@betalabs.example", Address: "5 quai de la Fosse", City: "Nantes", Zipcode: "44000",
		Country: "FRANCE", Company: "Beta Labs SARL", VAT: "FR83404833048", VATState: "PENDING_VALIDATION",
		CustomerFullName: "Beta Labs SARL", CanPay: true,
	}, map[string]string{UserAlice: "DEVELOPER"})
	bobCorp := d.addOrg(&organisation{
		ID: OrgBobCorp, Name: "BobCorp", Description: "BobCorp web properties",
		BillingEmail: "accounts@bobcorp.example", Address: "1250 rue Guy", City: "Montréal", Zipcode: "H3H 2L3",
		Country: "CANADA", Company: "BobCorp Inc.", VATState: "NOT_APPLICABLE",
		CustomerFullName: "BobCorp Inc.", CanPay: true, IsTrusted: true,
	}, map[string]string{UserBob: "ADMIN"})

	d.addApps(acme, acmeApps)
	d.addApps(beta, betaApps)
	d.addApps(bobCorp, bobCorpApps)
	d.addApps(alice, aliceApps)
	d.addApps(bob, bobApps)

	d.addAddons(acme, acmeAddons)
	d.addAddons(beta, betaAddons)
	d.addAddons(bobCorp, bobCorpAddons)
	d.addAddons(alice, aliceAddons)

	for _, o := range []*owner{acme, beta, bobCorp, alice, bob} {
		o.invoices = buildInvoices(o)
	}
	return d
}

// addUser adds a user with its personal space, and returns that space.
func (d *dataset) addUser(u *self) *owner {
	sum := md5.Sum([]byte(u.Email))
	u.Avatar = "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=200"
	u.EmailValidated, u.CanPay, u.HasPassword = true, true, true
	u.OAuthApps = []string{}
	u.PartnerID, u.PartnerName, u.PartnerConsoleURL = partnerID, partnerName, partnerConsoleURL
	d.users[u.ID] = &userRecord{self: u}
	return d.addOrg(&organisation{
		ID: u.ID, Name: u.Name, BillingEmail: u.Email, Address: u.Address, City: u.City,
		Zipcode: u.Zipcode, Country: u.Country, Avatar: u.Avatar, VATState: "NOT_NEEDED",
		CustomerFullName: u.Name, CanPay: true,
	}, map[string]string{u.ID: "ADMIN"})
}

// addOrg adds an owner and makes its members see it.
func (d *dataset) addOrg(org *organisation, roles map[string]string) *owner {
	if org.Avatar == "" {
		org.Avatar = "https://ccapi-avatars.cellar-c2.services.clever-cloud.com/" + org.ID + ".png"
	}
	o := &owner{org: org, roles: roles}
	d.owners[org.ID] = o
	for userID := range roles {
		d.users[userID].owners = append(d.users[userID].owners, org.ID)
	}
	return o
}

func ptr[T any](v T) *T { return &v }
