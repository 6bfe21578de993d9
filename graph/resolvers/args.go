package resolvers

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/graph/model"
	"github.com/cleverql/gateway/upstream"
)

// maxLimit bounds every limit argument; the upstream's own caps are lower.
const maxLimit = 10000

// checkLimit refuses limits below 1 or above maxLimit; nil means none.
func checkLimit(limit *int) (int, error) {
	if limit == nil {
		return 0, nil
	}
	if *limit < 1 || *limit > maxLimit {
		return 0, gqlerr.BadInput("limit must be between 1 and %d, got %d", maxLimit, *limit)
	}
	return *limit, nil
}

// checkWindow refuses a since after until and returns both as times (zero
// when absent).
func checkWindow(since, until *upstream.Time) (time.Time, time.Time, error) {
	var s, u time.Time
	if since != nil {
		s = since.Time
	}
	if until != nil {
		u = until.Time
	}
	if !s.IsZero() && !u.IsZero() && s.After(u) {
		return s, u, gqlerr.BadInput("since (%s) must not be after until (%s)", s.Format(time.RFC3339), u.Format(time.RFC3339))
	}
	return s, u, nil
}

// instanceOptions converts the InstanceFilter argument.
func instanceOptions(f *model.InstanceFilter) (*upstream.ListInstancesOptions, error) {
	if f == nil {
		return nil, nil
	}
	limit, err := checkLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	since, until, err := checkWindow(f.Since, f.Until)
	if err != nil {
		return nil, err
	}
	opts := &upstream.ListInstancesOptions{
		Limit: limit, Since: since, Until: until,
		IncludeStates: slices.Clone(f.IncludeStates),
		ExcludeStates: slices.Clone(f.ExcludeStates),
	}
	if f.DeploymentID != nil {
		if err := upstream.CheckID(*f.DeploymentID); err != nil {
			return nil, err
		}
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
	return opts, nil
}

// invoiceOptions converts Organisation.invoices arguments.
func invoiceOptions(since, until *upstream.Time, limit *int) (*upstream.ListInvoicesOptions, error) {
	n, err := checkLimit(limit)
	if err != nil {
		return nil, err
	}
	s, u, err := checkWindow(since, until)
	if err != nil {
		return nil, err
	}
	if n == 0 && s.IsZero() && u.IsZero() {
		return nil, nil
	}
	return &upstream.ListInvoicesOptions{Since: s, Until: u, Limit: n}, nil
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
