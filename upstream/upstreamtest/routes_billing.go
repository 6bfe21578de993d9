package upstreamtest

import (
	"cmp"
	"fmt"
	"html"
	"net/http"
	"slices"
	"time"
)

// getInvoices answers RouteInvoices: newest first, emission_date in [since,
// until), cut to limit.
func (d *dataset) getInvoices(c *call) {
	o := d.ownerFor(c, c.param("orgId"))
	if o == nil {
		return
	}
	q := c.query()
	since, until := q.time("since"), q.time("until")
	limit := q.limit("limit")
	if !q.ok {
		return
	}
	out := []*invoice{}
	for _, inv := range o.invoices {
		if inWindow(inv.emitted, since, until) {
			out = append(out, inv)
		}
	}
	c.json(http.StatusOK, cut(out, limit))
}

// getUnpaidInvoices answers RouteUnpaidInvoices.
func (d *dataset) getUnpaidInvoices(c *call) {
	o := d.ownerFor(c, c.param("orgId"))
	if o == nil {
		return
	}
	out := []*invoice{}
	for _, inv := range o.invoices {
		if slices.Contains(unpaidStatuses, inv.Status) {
			out = append(out, inv)
		}
	}
	c.json(http.StatusOK, out)
}

// invoiceFor returns the invoice of the path, or answers the error and returns nil.
func (d *dataset) invoiceFor(c *call) *invoice {
	o := d.ownerFor(c, c.param("orgId"))
	if o == nil {
		return nil
	}
	for _, inv := range o.invoices {
		if inv.InvoiceNumber == c.param("invoiceId") {
			return inv
		}
	}
	c.notFound("invoice", c.param("invoiceId"))
	return nil
}

// getInvoice answers RouteInvoice.
func (d *dataset) getInvoice(c *call) {
	if inv := d.invoiceFor(c); inv != nil {
		c.json(http.StatusOK, inv)
	}
}

// getInvoiceHTML answers RouteInvoiceHTML.
func (d *dataset) getInvoiceHTML(c *call) {
	inv := d.invoiceFor(c)
	if inv == nil {
		return
	}
	e := html.EscapeString
	page := fmt.Sprintf(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice %s</title></head>
<body><h1>Invoice %s</h1>
<p>%s, %s %s</p>
<p>Issued %s. Status: %s.</p>
<table><tr><th>Total (tax excluded)</th><td>%s</td></tr><tr><th>VAT (%.1f%%)</th><td>%s</td></tr></table>
</body></html>
`, e(inv.InvoiceNumber), e(inv.InvoiceNumber), e(cmp.Or(inv.Address.Company, inv.Address.Name)), e(inv.Address.Zipcode),
		e(inv.Address.City), inv.emitted.Format(time.DateOnly), e(inv.Status),
		e(inv.TotalTaxExcluded.AmountFormatted), inv.VATPercent, e(inv.TotalTax.AmountFormatted))
	c.write(http.StatusOK, "text/html; charset=utf-8", []byte(page))
}

// getInvoicePDF answers RouteInvoicePDF with a small single-page PDF.
func (d *dataset) getInvoicePDF(c *call) {
	inv := d.invoiceFor(c)
	if inv == nil {
		return
	}
	text := fmt.Sprintf("Invoice %s - %.2f EUR", inv.InvoiceNumber, inv.TotalTaxExcluded.Amount)
	content := fmt.Sprintf("BT /F1 14 Tf 72 720 Td (%s) Tj ET", text)
	pdf := fmt.Sprintf(`%%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length %d >> stream
%s
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
trailer << /Root 1 0 R >>
%%%%EOF
`, len(content), content)
	c.resp.header.Set("Content-Disposition", `inline; filename="`+inv.InvoiceNumber+`.pdf"`)
	c.write(http.StatusOK, "application/pdf", []byte(pdf))
}
