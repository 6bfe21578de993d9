package gateway_test

import (
	"testing"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// Every field of the contract's Query side, nested fields included, against
// the fake, compared as whole responses with reviewed golden files.

const (
	zoneFields       = `id name country countryCode city displayName lat lon outboundIPs tags`
	deploymentFields = `id ownerId applicationId startDate state steps { state date } commitId
		origin { action cause source authorId constraints priority } hasDedicatedBuild`
	instanceFields = `id ownerId applicationId deploymentId name flavor index state creationDate deletionDate
		network { ip port } isBuildVm`
	moneyFields   = `currency amount formatted defaultDisplay`
	invoiceFields = `number kind ownerId status category emissionDate payDate currency priceFactor discount vatPercent
		totalTaxExcluded { ` + moneyFields + ` } totalTax { ` + moneyFields + ` }
		address { id ownerId name company address city zipcode countryAlpha2 vatNumber vatPercent customerCostCenter customerPurchaseOrder }
		paymentProvider transactionId customerOrderId htmlUrl pdfUrl`
	operatorFields = `kind id addonId name ownerId plan version availableVersions javaVersion phpVersion accessUrl apiUrl
		entrypoint { id name ownerId } networkGroupId envVars { name value }`
	applicationFields = `id ownerId name description state creationDate commitId branch vhosts`
)

var contractQueries = []struct {
	name  string
	token string
	query string
	vars  map[string]any
}{
	{"zones_anonymous", "", `{ zones { ` + zoneFields + ` } }`, nil},
	{"zone_by_name", upstreamtest.TokenAlice, `query($n: String!) { zone(name: $n) { ` + zoneFields + ` } }`, map[string]any{"n": "par"}},
	{"self", upstreamtest.TokenAlice, `{ self { id name email avatar creationDate
		organisations { id name } applications { id ownerId name } } }`, nil},
	{"organisations", upstreamtest.TokenAlice, `{ organisations { id name description avatar billingEmail vatState } }`, nil},
	{"organisations_bob", upstreamtest.TokenBob, `{ organisations { id name } }`, nil},
	{"organisation_applications", upstreamtest.TokenAlice, `query($id: ID!) { organisation(id: $id) {
		id name description
		applications { ` + applicationFields + `
			organisation { id name }
			zone { id name city }
			loadBalancer { id name zoneId zone { id name } dns { cname a } } } } }`,
		map[string]any{"id": upstreamtest.OrgBeta}},
	{"application_full", upstreamtest.TokenAlice, `query($o: ID!, $a: ID!, $d: ID!) { application(ownerId: $o, id: $a) {
		` + applicationFields + `
		organisation { id name }
		zone { ` + zoneFields + ` }
		deployments { ` + deploymentFields + ` application { id name } instances { id state } }
		latest: deployments(limit: 1) { id }
		deployment(id: $d) { ` + deploymentFields + ` }
		instances { ` + instanceFields + ` deployment { id state } }
		up: instances(filter: { excludeDeleted: true, order: ASC, includeStates: ["UP"] }) { id state }
		loadBalancer { id name zoneId zone { name } dns { cname a } } } }`,
		map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID, "d": upstreamtest.AcmeFirstAppDeploymentID}},
	{"organisation_application_by_id", upstreamtest.TokenAlice, `query($o: ID!, $a: ID!) { organisation(id: $o) {
		application(id: $a) { id name } } }`, map[string]any{"o": upstreamtest.OrgAcme, "a": upstreamtest.AcmeFirstAppID}},
	{"invoices", upstreamtest.TokenAlice, `query($o: ID!, $n: ID!) { organisation(id: $o) {
		invoices { ` + invoiceFields + ` }
		recent: invoices(limit: 2) { number }
		invoice(number: $n) { number status } } }`,
		map[string]any{"o": upstreamtest.OrgAcme, "n": upstreamtest.AcmeUnpaidInvoiceID}},
	{"invoices_window", upstreamtest.TokenAlice, `query($o: ID!, $s: Time, $u: Time) { organisation(id: $o) {
		invoices(since: $s, until: $u) { number emissionDate } } }`,
		map[string]any{"o": upstreamtest.OrgAcme, "s": "2026-01-01T00:00:00Z", "u": "2026-12-31T23:59:59Z"}},
	{"operators", upstreamtest.TokenAlice, `query($o: ID!) { organisation(id: $o) { operators { ` + operatorFields + ` } } }`,
		map[string]any{"o": upstreamtest.OrgAcme}},
	{"operator_keycloak", upstreamtest.TokenAlice, `query($id: ID!) { operator(kind: KEYCLOAK, id: $id) { ` + operatorFields + ` } }`,
		map[string]any{"id": upstreamtest.AcmeKeycloakRealID}},
	{"pulsar_current_units", upstreamtest.TokenAlice, `query($id: ID!) { pulsarStoragePolicies(addonId: $id) {
		addonId retention { sizeInBytes durationInMinutes } offload { sizeInBytes durationInMinutes } } }`,
		map[string]any{"id": upstreamtest.AcmePulsarRealID}},
	{"pulsar_older_units", upstreamtest.TokenAlice, `query($id: ID!) { pulsarStoragePolicies(addonId: $id) {
		addonId retention { sizeInBytes durationInMinutes } offload { sizeInBytes durationInMinutes } } }`,
		map[string]any{"id": upstreamtest.BetaPulsarRealID}},
	{"personal_space", upstreamtest.TokenAlice, `query($id: ID!) { organisation(id: $id) {
		id name applications { id ownerId name organisation { id name } } operators { kind id name } } }`,
		map[string]any{"id": upstreamtest.UserAlice}},
}

func TestContractQueries(t *testing.T) {
	t.Parallel()
	for _, q := range contractQueries {
		t.Run(q.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			r := e.query(t, q.token, q.query, q.vars)
			mustNoErrors(t, r)
			compareGolden(t, q.name, r.Data)
		})
	}
}
