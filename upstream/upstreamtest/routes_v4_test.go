package upstreamtest

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Documented v4 keys (seeds/api-v4-reference.md and clever-api.md §5d).
var (
	zoneKeys       = []string{"id", "name", "country", "countryCode", "city", "displayName", "lat", "lon", "outboundIPs", "tags"}
	deploymentKeys = []string{"id", "ownerId", "applicationId", "startDate", "state", "steps", "version", "origin", "hasDedicatedBuild"}
	originKeys     = []string{"action", "cause", "source", "authorId", "constraints", "priority"}
	instanceKeys   = []string{"id", "ownerId", "applicationId", "deploymentId", "name", "flavor", "index", "state",
		"creationDate", "deletionDate", "network", "isBuildVm", "hypervisorId"}
	invoiceKeys = []string{"invoice_number", "kind", "owner_id", "address", "emission_date", "pay_date", "status",
		"currency", "price_factor", "discount", "vat_percent", "total_tax_excluded", "total_tax", "category",
		"payment_provider", "transaction_id", "customer_order_id"}
	billingAddressKeys = []string{"address_id", "owner_id", "name", "company", "address", "city", "zipcode",
		"country_alpha2", "vat_number", "vat_percent", "customer_cost_center", "customer_purchase_order"}
	moneyKeys = []string{"currency", "amount", "amount_formatted", "default_display"}
)

// names returns the value of one key of every item.
func names(items []map[string]any, key string) []any {
	var out []any
	for _, it := range items {
		out = append(out, it[key])
	}
	return out
}

func TestZones(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	zones := array(t, get(t, s, "v4/products/zones", "").ok(t, http.StatusOK))
	if len(zones) < 6 {
		t.Errorf("%d zones, want at least 6", len(zones))
	}
	for _, z := range zones {
		checkKeys(t, "zone", z, zoneKeys...)
	}
	for _, name := range []string{"par", "rbx", "rbxhds", "mtl", "sgp", "wsw", "syd"} {
		if !strings.Contains(string(get(t, s, "v4/products/zones", "").body), `"name":"`+name+`"`) {
			t.Errorf("zone %s missing", name)
		}
	}
	checkKeys(t, "zone", get(t, s, "v4/products/zones/sgp", "").ok(t, http.StatusOK), zoneKeys...)

	apac := array(t, get(t, s, "v4/products/zones?tag=region:apac", "").ok(t, http.StatusOK))
	if diff := cmp.Diff([]any{"sgp", "syd"}, names(apac, "name")); diff != "" {
		t.Errorf("?tag=region:apac (-want +got):\n%s", diff)
	}
	hds := array(t, get(t, s, "v4/products/zones?tag=certification:hds&tag=infra:ovh", "").ok(t, http.StatusOK))
	if diff := cmp.Diff([]any{"rbxhds", "grahds"}, names(hds, "name")); diff != "" {
		t.Errorf("two tags (-want +got):\n%s", diff)
	}
	private := array(t, get(t, s, "v4/products/zones?ownerId="+OrgAcme, "").ok(t, http.StatusOK))
	if len(private) != len(zones)+1 || private[len(private)-1]["name"] != "acme-par" {
		t.Errorf("?ownerId=OrgAcme lists %d zones, want the %d public ones and acme-par", len(private), len(zones))
	}
}

func TestDeployments(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	base := appPath(OrgAcme, AcmeFirstAppID) + "/deployments"
	deps := array(t, get(t, s, base, TokenAlice).ok(t, http.StatusOK))
	if len(deps) != 3 || deps[0]["id"] != AcmeFirstAppDeploymentID || deps[0]["state"] != "SUCCEEDED" {
		t.Fatalf("deployments = %v", names(deps, "id"))
	}
	for _, dep := range deps {
		checkKeys(t, "deployment", dep, deploymentKeys...)
		checkKeys(t, "deployment.origin", dep["origin"], originKeys...)
		checkKeys(t, "deployment.version", dep["version"], "commitId")
		steps := array(t, dep["steps"])
		if len(steps) != 3 {
			t.Errorf("%d steps", len(steps))
		}
		checkKeys(t, "deployment.steps[0]", steps[0], "state", "date")
	}
	if deps[0]["startDate"].(string) <= deps[1]["startDate"].(string) {
		t.Error("default order is not newest first")
	}

	asc := array(t, get(t, s, base+"?order=ASC&limit=2", TokenAlice).ok(t, http.StatusOK))
	if diff := cmp.Diff([]any{deps[2]["id"], deps[1]["id"]}, names(asc, "id")); diff != "" {
		t.Errorf("order=ASC&limit=2 (-want +got):\n%s", diff)
	}
	window := array(t, get(t, s, base+"?since="+url.QueryEscape(deps[1]["startDate"].(string))+"&until="+
		url.QueryEscape(deps[0]["startDate"].(string)), TokenAlice).ok(t, http.StatusOK))
	if diff := cmp.Diff([]any{deps[1]["id"]}, names(window, "id")); diff != "" {
		t.Errorf("since/until window (-want +got):\n%s", diff)
	}
	deploys := get(t, s, base+"?action=DEPLOY", TokenAlice).ok(t, http.StatusOK)
	for _, dep := range array(t, deploys) {
		if object(t, dep["origin"])["action"] != "DEPLOY" {
			t.Errorf("action=DEPLOY listed %v", dep["origin"])
		}
	}

	one := get(t, s, base+"/"+AcmeFirstAppDeploymentID, TokenAlice).ok(t, http.StatusOK)
	checkKeys(t, "deployment", one, deploymentKeys...)

	for _, q := range []string{"limit=0", "limit=-1", "limit=ten", "order=asc", "order=NEWEST", "since=yesterday", "until=2026-13-45", "action=deploy"} {
		checkKeys(t, "400 body for "+q, get(t, s, base+"?"+q, TokenAlice).ok(t, http.StatusBadRequest), v4ErrorKeys...)
	}
	if got := s.Count(RouteDeployments); got != 12 {
		t.Errorf("Count(RouteDeployments) = %d, want 12", got)
	}
}

func TestInstances(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	base := appPath(OrgAcme, AcmeFirstAppID) + "/instances"
	all := array(t, get(t, s, base, TokenAlice).ok(t, http.StatusOK))
	for _, in := range all {
		checkKeys(t, "instance", in, instanceKeys...)
		checkKeys(t, "instance.network", in["network"], "ip", "port")
	}
	states := func(query string) []any {
		return names(array(t, get(t, s, base+query, TokenAlice).ok(t, http.StatusOK)), "state")
	}
	tests := []struct {
		query string
		want  []any
	}{
		{"", []any{"UP", "UP", "DELETED"}},
		{"?excludeDeleted=true", []any{"UP", "UP"}},
		{"?includeState=DELETED", []any{"DELETED"}},
		{"?excludeState=UP&excludeState=DELETED", nil},
		{"?includeState=UP&includeState=DELETED&order=ASC", []any{"DELETED", "UP", "UP"}},
		{"?deploymentId=" + AcmeFirstAppDeploymentID + "&limit=1", []any{"UP"}},
	}
	for _, tt := range tests {
		var got []any
		if v := get(t, s, base+tt.query, TokenAlice).ok(t, http.StatusOK); len(v.([]any)) > 0 {
			got = states(tt.query)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("instances%s (-want +got):\n%s", tt.query, diff)
		}
	}
	since := array(t, get(t, s, base+"?since="+url.QueryEscape(all[1]["creationDate"].(string)), TokenAlice).ok(t, http.StatusOK))
	if len(since) != 2 {
		t.Errorf("since the second newest instance: %d instances, want 2", len(since))
	}

	one := get(t, s, base+"/"+AcmeFirstAppInstanceID, TokenAlice).ok(t, http.StatusOK)
	checkKeys(t, "instance", one, instanceKeys...)
	if o := object(t, one); o["index"] != float64(0) || o["state"] != "UP" {
		t.Errorf("AcmeFirstAppInstanceID = %v", o)
	}

	for _, q := range []string{"limit=0", "excludeDeleted=maybe", "since=15/06/2026", "order=up", "includeState=up", "excludeState=Running"} {
		checkKeys(t, "400 body for "+q, get(t, s, base+"?"+q, TokenAlice).ok(t, http.StatusBadRequest), v4ErrorKeys...)
	}

	// Some applications also have a build VM.
	checkout := appPath(OrgAcme, array(t, get(t, s, "v2/organisations/"+OrgAcme+"/applications", TokenAlice).ok(t, http.StatusOK))[2]["id"].(string))
	if !bytes.Contains(get(t, s, checkout+"/instances", TokenAlice).body, []byte(`"isBuildVm":true`)) {
		t.Error("checkout-service has no build VM")
	}
}

func TestLoadBalancers(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	base := "v4/load-balancers/organisations/" + OrgAcme + "/applications/" + AcmeFirstAppID + "/load-balancers/"
	lbs := array(t, get(t, s, base+"default", TokenAlice).ok(t, http.StatusOK))
	if len(lbs) != 1 {
		t.Fatalf("%d load balancers", len(lbs))
	}
	checkKeys(t, "load balancer", lbs[0], "id", "name", "zoneId", "dns")
	checkKeys(t, "load balancer dns", lbs[0]["dns"], "cname", "a")
	zone := object(t, get(t, s, "v4/products/zones/par", "").ok(t, http.StatusOK))
	if lbs[0]["name"] != "par" || lbs[0]["zoneId"] != zone["id"] {
		t.Errorf("load balancer zone = %v %v", lbs[0]["name"], lbs[0]["zoneId"])
	}
	get(t, s, base+"dedicated", TokenAlice).ok(t, http.StatusNotFound)
	get(t, s, base+"default", TokenBob).ok(t, http.StatusForbidden)
}

func TestInvoices(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	base := "v4/billing/organisations/" + OrgAcme + "/invoices"
	invoices := array(t, get(t, s, base, TokenAlice).ok(t, http.StatusOK))
	if len(invoices) != 4 {
		t.Fatalf("%d invoices, want 4", len(invoices))
	}
	for _, inv := range invoices {
		checkKeys(t, "invoice", inv, invoiceKeys...)
		checkKeys(t, "invoice.address", inv["address"], billingAddressKeys...)
		checkKeys(t, "invoice.total_tax_excluded", inv["total_tax_excluded"], moneyKeys...)
		checkKeys(t, "invoice.total_tax", inv["total_tax"], moneyKeys...)
	}
	unpaid := array(t, get(t, s, base+"/unpaid", TokenAlice).ok(t, http.StatusOK))
	if diff := cmp.Diff([]any{AcmeUnpaidInvoiceID}, names(unpaid, "invoice_number")); diff != "" {
		t.Errorf("unpaid (-want +got):\n%s", diff)
	}
	limited := array(t, get(t, s, base+"?limit=2&since=2026-04-01", TokenAlice).ok(t, http.StatusOK))
	if diff := cmp.Diff(names(invoices[:2], "invoice_number"), names(limited, "invoice_number")); diff != "" {
		t.Errorf("limit=2 (-want +got):\n%s", diff)
	}
	old := array(t, get(t, s, base+"?until=2026-04-01T00:00:00Z", TokenAlice).ok(t, http.StatusOK))
	if len(old) != 1 {
		t.Errorf("until April: %d invoices, want 1", len(old))
	}
	get(t, s, base+"?since=last-month", TokenAlice).ok(t, http.StatusBadRequest)

	one := object(t, get(t, s, base+"/"+AcmePaidInvoiceID, TokenAlice).ok(t, http.StatusOK))
	checkKeys(t, "invoice", one, invoiceKeys...)
	if one["status"] != "PAID" || one["pay_date"] == nil {
		t.Errorf("paid invoice = %v %v", one["status"], one["pay_date"])
	}

	html := get(t, s, base+"/"+AcmePaidInvoiceID+".html", TokenAlice)
	if html.status != http.StatusOK || !strings.HasPrefix(html.header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(html.body, []byte(AcmePaidInvoiceID)) {
		t.Errorf(".html = %d %s", html.status, html.header.Get("Content-Type"))
	}
	pdf := get(t, s, base+"/"+AcmePaidInvoiceID+".pdf", TokenAlice)
	if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" ||
		!bytes.HasPrefix(pdf.body, []byte("%PDF-1.4")) || !bytes.HasSuffix(bytes.TrimSpace(pdf.body), []byte("%%EOF")) {
		t.Errorf(".pdf = %d %s %.20q", pdf.status, pdf.header.Get("Content-Type"), pdf.body)
	}
	get(t, s, base+"/INV-nope.pdf", TokenAlice).ok(t, http.StatusNotFound)

	want := map[string]int{RouteInvoices: 4, RouteUnpaidInvoices: 1, RouteInvoice: 1, RouteInvoiceHTML: 1, RouteInvoicePDF: 2}
	if diff := cmp.Diff(want, s.Counts()); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
}
