package loaders

import (
	"context"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initBilling() {
	l.invoices = newListLoader(l, "invoices", func(ctx context.Context, k listKey) ([]upstream.Invoice, error) {
		return l.as(k.token).ListInvoices(ctx, k.owner, l.invoiceFilters.get(k))
	}, func(ctx context.Context, k listKey, invs []upstream.Invoice) {
		for i := range invs {
			l.invoice.Prime(ctx, childKey{k.token, k.owner, invs[i].Number}, &invs[i])
		}
	})
	l.invoice = newByIDLoader(l, byIDSpec[childKey, listKey, listKey, upstream.Invoice]{
		name:    "invoice",
		parent:  func(k childKey) listKey { return listKey{token: k.token, owner: k.parent, query: ""} },
		listKey: func(p listKey) listKey { return p },
		list:    l.invoices,
		id:      func(k childKey) string { return k.id },
		itemID:  func(inv *upstream.Invoice) string { return inv.Number },
		get: func(ctx context.Context, k childKey) (*upstream.Invoice, error) {
			return l.as(k.token).GetInvoice(ctx, k.parent, k.id)
		},
	})
}

// Invoices returns an organisation's invoices; nil opts lists what the
// upstream lists by default.
func Invoices(ctx context.Context, orgID string, opts *upstream.ListInvoicesOptions) ([]upstream.Invoice, error) {
	l, err := from(ctx, groupBilling)
	if err != nil {
		return nil, err
	}
	k := listKey{token: l.token, owner: orgID, query: query(opts)}
	l.invoiceFilters.put(k, opts)
	return l.invoices.get(ctx, k)
}

// Invoice returns one invoice of an organisation by number.
func Invoice(ctx context.Context, orgID, number string) (*upstream.Invoice, error) {
	l, err := from(ctx, groupBilling)
	if err != nil {
		return nil, err
	}
	return l.invoice.Load(ctx, childKey{l.token, orgID, number})()
}
