package upstream

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Invoice is an organisation's invoice, in the snake_case billing shape.
type Invoice struct {
	Number           string          `json:"invoice_number"`
	Kind             *string         `json:"kind"`
	OwnerID          string          `json:"owner_id"`
	Address          *BillingAddress `json:"address"`
	EmissionDate     Time            `json:"emission_date"`
	PayDate          Time            `json:"pay_date"`
	Status           *string         `json:"status"`
	Currency         *string         `json:"currency"`
	PriceFactor      *float64        `json:"price_factor"`
	Discount         *float64        `json:"discount"`
	VATPercent       *float64        `json:"vat_percent"`
	TotalTaxExcluded *Money          `json:"total_tax_excluded"`
	TotalTax         *Money          `json:"total_tax"`
	Category         *string         `json:"category"`
	PaymentProvider  *string         `json:"payment_provider"`
	TransactionID    *string         `json:"transaction_id"`
	CustomerOrderID  *string         `json:"customer_order_id"`
}

// Money is an amount with its currency and its formatted forms.
type Money struct {
	Currency       string  `json:"currency"`
	Amount         float64 `json:"amount"`
	Formatted      *string `json:"amount_formatted"`
	DefaultDisplay *string `json:"default_display"`
}

// BillingAddress is the address an invoice was made out to.
type BillingAddress struct {
	ID                    *string  `json:"address_id"`
	OwnerID               *string  `json:"owner_id"`
	Name                  *string  `json:"name"`
	Company               *string  `json:"company"`
	Address               *string  `json:"address"`
	City                  *string  `json:"city"`
	Zipcode               *string  `json:"zipcode"`
	CountryAlpha2         *string  `json:"country_alpha2"`
	VATNumber             *string  `json:"vat_number"`
	VATPercent            *float64 `json:"vat_percent"`
	CustomerCostCenter    *string  `json:"customer_cost_center"`
	CustomerPurchaseOrder *string  `json:"customer_purchase_order"`
}

// ListInvoicesOptions filters [Client.ListInvoices].
type ListInvoicesOptions struct {
	Since time.Time
	Until time.Time
	Limit int
}

// Values returns the query the options send.
func (o *ListInvoicesOptions) Values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	setTime(v, "since", o.Since)
	setTime(v, "until", o.Until)
	setInt(v, "limit", o.Limit)
	return v
}

// ListInvoices lists an organisation's invoices.
//
// Clever Cloud API: GET /v4/billing/organisations/{orgId}/invoices
func (c *Client) ListInvoices(ctx context.Context, orgID string, opts *ListInvoicesOptions) ([]Invoice, error) {
	return c.listInvoices(ctx, buildPath("v4/billing/organisations/%s/invoices", orgID), opts.Values())
}

// ListUnpaidInvoices lists an organisation's unpaid invoices.
//
// Clever Cloud API: GET /v4/billing/organisations/{orgId}/invoices/unpaid
func (c *Client) ListUnpaidInvoices(ctx context.Context, orgID string) ([]Invoice, error) {
	return c.listInvoices(ctx, buildPath("v4/billing/organisations/%s/invoices/unpaid", orgID), nil)
}

func (c *Client) listInvoices(ctx context.Context, path endpoint, query url.Values) ([]Invoice, error) {
	return list[Invoice](ctx, c, path, query)
}

// GetInvoice returns one invoice by number.
//
// Clever Cloud API: GET /v4/billing/organisations/{orgId}/invoices/{invoiceId}
func (c *Client) GetInvoice(ctx context.Context, orgID, number string) (*Invoice, error) {
	return call[Invoice](ctx, c, http.MethodGet, buildPath("v4/billing/organisations/%s/invoices/%s", orgID, number), nil, nil)
}

// InvoiceFormat is a rendering of an invoice document.
type InvoiceFormat string

// The invoice documents the API renders.
const (
	InvoiceHTML InvoiceFormat = "html"
	InvoicePDF  InvoiceFormat = "pdf"
)

// Document is a streamed upstream document. The caller must close Body.
type Document struct {
	ContentType   string
	ContentLength int64 // -1 when unknown
	Body          io.ReadCloser
}

// GetInvoiceDocument streams an invoice as HTML or PDF. The per-call timeout
// covers the whole transfer.
//
// Clever Cloud API: GET /v4/billing/organisations/{orgId}/invoices/{invoiceId}.{html,pdf}
func (c *Client) GetInvoiceDocument(ctx context.Context, orgID, number string, format InvoiceFormat) (*Document, error) {
	if format != InvoiceHTML && format != InvoicePDF {
		return nil, fmt.Errorf("%w: invoice format %q", ErrInvalidID, format)
	}
	path := buildPath("v4/billing/organisations/%s/invoices/%s", orgID, number)
	path.escaped += "." + string(format)
	req, err := c.newRequest(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/html, application/pdf")
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	return &Document{ContentType: resp.Header.Get("Content-Type"), ContentLength: resp.ContentLength, Body: resp.Body}, nil
}
