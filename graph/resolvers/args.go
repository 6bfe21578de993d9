package resolvers

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cleverql/gateway/graph/model"
	"github.com/cleverql/gateway/upstream"
)

// Arguments arrive checked (limits.Extension runs before any resolver:
// limits in range, since not after until, ids safe); these only convert.

// limitOf is a limit argument; 0 means none.
func limitOf(limit *int) int {
	if limit == nil {
		return 0
	}
	return *limit
}

// timeOf is a Time argument; the zero time means none.
func timeOf(t *upstream.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}

// instanceOptions converts the InstanceFilter argument.
func instanceOptions(f *model.InstanceFilter) *upstream.ListInstancesOptions {
	if f == nil {
		return nil
	}
	opts := &upstream.ListInstancesOptions{
		Limit: limitOf(f.Limit), Since: timeOf(f.Since), Until: timeOf(f.Until),
		IncludeStates: slices.Clone(f.IncludeStates),
		ExcludeStates: slices.Clone(f.ExcludeStates),
	}
	if f.DeploymentID != nil {
		opts.DeploymentID = *f.DeploymentID
	}
	if f.ExcludeDeleted != nil {
		opts.ExcludeDeleted = *f.ExcludeDeleted
	}
	if f.Order != nil {
		opts.Order = string(*f.Order)
	}
	// States are case sensitive upstream: sort them only to share a cache key.
	slices.Sort(opts.IncludeStates)
	slices.Sort(opts.ExcludeStates)
	return opts
}

// invoiceOptions converts Organisation.invoices arguments.
func invoiceOptions(since, until *upstream.Time, limit *int) *upstream.ListInvoicesOptions {
	opts := upstream.ListInvoicesOptions{Since: timeOf(since), Until: timeOf(until), Limit: limitOf(limit)}
	if opts == (upstream.ListInvoicesOptions{}) {
		return nil
	}
	return &opts
}

// documentURL is the gateway URL that streams an invoice document.
func (r *Resolver) documentURL(inv *upstream.Invoice, format upstream.InvoiceFormat) string {
	return r.DocumentsURL + "/invoices/" + url.PathEscape(inv.OwnerID) + "/" + url.PathEscape(inv.Number) + "." + string(format)
}

// storagePolicies converts Pulsar policies: a missing or negative upstream
// value is "no limit", null.
func storagePolicies(addonID string, p *upstream.StoragePolicies) *model.PulsarStoragePolicies {
	return &model.PulsarStoragePolicies{AddonID: addonID, Retention: pulsarPolicy(p.Retention), Offload: pulsarPolicy(p.Offload)}
}

func pulsarPolicy(p upstream.StoragePolicy) *model.PulsarPolicy {
	out := &model.PulsarPolicy{}
	if p.SizeInBytes != nil && *p.SizeInBytes >= 0 {
		size := float64(*p.SizeInBytes)
		out.SizeInBytes = &size
	}
	if p.DurationInMinutes != nil && *p.DurationInMinutes >= 0 {
		d := int(*p.DurationInMinutes)
		out.DurationInMinutes = &d
	}
	return out
}

// envVars lists an operator's variables sorted by name.
func envVars(env map[string]string) []model.EnvVar {
	vars := make([]model.EnvVar, 0, len(env))
	for name, value := range env {
		vars = append(vars, model.EnvVar{Name: name, Value: value})
	}
	slices.SortFunc(vars, func(a, b model.EnvVar) int { return strings.Compare(a.Name, b.Name) })
	return vars
}

// vhosts lists an application's domains without the trailing slash the
// upstream keeps.
func vhosts(app *upstream.Application) []string {
	out := make([]string, 0, len(app.Vhosts))
	for _, v := range app.Vhosts {
		out = append(out, strings.TrimSuffix(v.FQDN, "/"))
	}
	return out
}
