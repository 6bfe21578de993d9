package upstreamtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Tokens the fake accepts, as "Authorization: Bearer <token>" or as the
// oauth_token of an OAuth1 header.
const (
	// TokenAlice sees UserAlice's personal space, OrgAcme (as ADMIN) and OrgBeta
	// (as DEVELOPER).
	TokenAlice = "demo-alice-token"
	// TokenBob sees UserBob's personal space and OrgBobCorp.
	TokenBob = "demo-bob-token"
)

// Owners of the dataset. A user's id is also the id of their personal space.
const (
	// UserAlice is Alice Martin; her personal space has 2 applications and a
	// metabase operator.
	UserAlice = "user_2717676c-41cb-4ab6-a40f-f0876fc78f06"
	// UserBob is Bob Tremblay; his personal space has 2 applications.
	UserBob = "user_23dd409b-f603-4109-9e97-72a9daad504d"
	// OrgAcme is "Acme Corp": 20 applications, keycloak, otoroshi, matomo,
	// metabase, pulsar and postgresql add-ons.
	OrgAcme = "orga_112a6f5b-eaa7-4e06-aa54-c4864d5b8778"
	// OrgBeta is "Beta Labs": 2 applications and a pulsar add-on that answers in
	// the older units.
	OrgBeta = "orga_ee1afa0a-a46c-43f8-a0e0-d4c87972f44e"
	// OrgBobCorp is "BobCorp": 2 applications and a keycloak operator.
	OrgBobCorp = "orga_ae9c795f-093f-4ce5-b67a-559bae7ebe72"
)

// Resources of the dataset that tests commonly need. TestExportedIDs checks
// that each one is where its name says.
const (
	// AcmeFirstAppID is the first application of OrgAcme ("acme-storefront", par).
	AcmeFirstAppID = "app_1ebe5f9f-a257-4e82-a558-69277f9c456c"
	// AcmeFirstAppDeploymentID is the newest (SUCCEEDED) deployment of AcmeFirstAppID.
	AcmeFirstAppDeploymentID = "deployment_d8d64e40-1604-4afa-95b0-d61e12f94974"
	// AcmeFirstAppInstanceID is the UP instance of index 0 of AcmeFirstAppID.
	AcmeFirstAppInstanceID = "f7e1adde-a4b0-4ee6-a21b-e04491bdbb6c"
	// AcmeKeycloakAddonID is the v2 add-on id of OrgAcme's keycloak.
	AcmeKeycloakAddonID = "addon_d62197dc-42cb-4385-9d7a-363db79f44a1"
	// AcmeKeycloakRealID is the realId of OrgAcme's keycloak, in a network group.
	AcmeKeycloakRealID = "keycloak_464764a3-449b-4fcd-b789-e1c550d3d53b"
	// AcmeKeycloakAppID is the entrypoint application of OrgAcme's keycloak.
	AcmeKeycloakAppID = "app_48f5b77a-80cb-4912-8b0b-0a681097e8b2"
	// AcmeOtoroshiRealID is the realId of OrgAcme's otoroshi, which answers with
	// the older features.ng form.
	AcmeOtoroshiRealID = "otoroshi_5654e7d3-2f9f-44da-a807-31a0a84a3efe"
	// AcmeMatomoRealID is the realId of OrgAcme's matomo.
	AcmeMatomoRealID = "matomo_faa122b8-9614-436b-93a1-9aae2295615a"
	// AcmeMetabaseRealID is the realId of OrgAcme's metabase.
	AcmeMetabaseRealID = "metabase_2a57fffe-d3ee-48ad-a7bc-84cbe1815c2e"
	// AcmePulsarAddonID is the v2 add-on id of OrgAcme's pulsar, whose storage
	// policies use sizeInBytes and durationInMinutes.
	AcmePulsarAddonID = "addon_3e212803-c82a-44c2-839c-940d773f915e"
	// AcmePulsarRealID is the realId of OrgAcme's pulsar.
	AcmePulsarRealID = "pulsar_8ed4ad83-96d8-4b62-b534-f18c4244df29"
	// AcmePostgresAddonID is the v2 add-on id of OrgAcme's PostgreSQL (not an operator).
	AcmePostgresAddonID = "addon_cb75f3d4-b94e-4846-a9e0-bdb77c28c755"
	// AcmeUnpaidInvoiceID is the number of OrgAcme's one unpaid (PENDING) invoice.
	AcmeUnpaidInvoiceID = "INV-202606-00100"
	// AcmePaidInvoiceID is the number of a PAID invoice of OrgAcme.
	AcmePaidInvoiceID = "INV-202605-00101"
	// BetaPulsarAddonID is the v2 add-on id of OrgBeta's pulsar, whose GET
	// answers in the older seed units (sizeInMB, durationInDays, null = no limit).
	BetaPulsarAddonID = "addon_17b0759a-2bfe-4959-8277-e97ef5640615"
	// BetaPulsarRealID is the realId of OrgBeta's pulsar.
	BetaPulsarRealID = "pulsar_6c2ea600-d3a5-4345-94be-5ee3cde3c1a2"
	// BobCorpFirstAppID is the first application of OrgBobCorp.
	BobCorpFirstAppID = "app_ec81c8b1-6416-478d-8518-dc2bb1a43ab2"
	// BobCorpKeycloakRealID is the realId of OrgBobCorp's keycloak.
	BobCorpKeycloakRealID = "keycloak_da524349-5764-4200-b4ff-39606bc1afe9"
	// AliceFirstAppID is the first application of Alice's personal space.
	AliceFirstAppID = "app_db7f3d63-b73b-4570-be34-c6158bb0ae0f"
	// AliceMetabaseRealID is the realId of the metabase in Alice's personal space.
	AliceMetabaseRealID = "metabase_3c4d2602-fd09-4153-9082-9c9ab1b27461"
)

// uuidFor derives a stable, version-4-looking UUID from a seed, so generated ids
// never change between runs.
func uuidFor(seed string) string {
	h := sha256.Sum256([]byte("cleverql-upstreamtest/" + seed))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// hexFor derives n stable hex digits (n ≤ 64) from a seed, for commit ids.
func hexFor(seed string, n int) string {
	h := sha256.Sum256([]byte("cleverql-upstreamtest/" + seed))
	return hex.EncodeToString(h[:])[:n]
}

// now is the dataset's "present": every date is relative to it, so answers do
// not depend on when tests run.
var now = time.Date(2026, time.June, 15, 9, 0, 0, 0, time.UTC)

func daysBefore(days int) time.Time { return now.AddDate(0, 0, -days) }

func epochMillis(t time.Time) int64 { return t.UnixMilli() }

// isoLayout is how v4 dates are written: ISO 8601 in UTC with milliseconds.
const isoLayout = "2006-01-02T15:04:05.000Z07:00"

func iso(t time.Time) string { return t.UTC().Format(isoLayout) }
