package upstreamtest

import (
	"fmt"
	"math"
	"time"
)

// invoice is an invoice in the snake_case shape of the v4 billing routes.
type invoice struct {
	InvoiceNumber    string         `json:"invoice_number"`
	Kind             string         `json:"kind"`
	OwnerID          string         `json:"owner_id"`
	Address          billingAddress `json:"address"`
	EmissionDate     string         `json:"emission_date"`
	PayDate          *string        `json:"pay_date"`
	Status           string         `json:"status"`
	Currency         string         `json:"currency"`
	PriceFactor      float64        `json:"price_factor"`
	Discount         float64        `json:"discount"`
	VATPercent       float64        `json:"vat_percent"`
	TotalTaxExcluded money          `json:"total_tax_excluded"`
	TotalTax         money          `json:"total_tax"`
	Category         string         `json:"category"`
	PaymentProvider  string         `json:"payment_provider"`
	TransactionID    string         `json:"transaction_id"`
	CustomerOrderID  string         `json:"customer_order_id"`

	emitted time.Time
}

type billingAddress struct {
	AddressID             string  `json:"address_id"`
	OwnerID               string  `json:"owner_id"`
	Name                  string  `json:"name"`
	Company               string  `json:"company"`
	Address               string  `json:"address"`
	City                  string  `json:"city"`
	Zipcode               string  `json:"zipcode"`
	CountryAlpha2         string  `json:"country_alpha2"`
	VATNumber             string  `json:"vat_number"`
	VATPercent            float64 `json:"vat_percent"`
	CustomerCostCenter    string  `json:"customer_cost_center"`
	CustomerPurchaseOrder string  `json:"customer_purchase_order"`
}

type money struct {
	Currency        string  `json:"currency"`
	Amount          float64 `json:"amount"`
	AmountFormatted string  `json:"amount_formatted"`
	DefaultDisplay  string  `json:"default_display"`
}

func euros(amount float64) money {
	amount = math.Round(amount*100) / 100
	s := fmt.Sprintf("%.2f €", amount)
	return money{Currency: "EUR", Amount: amount, AmountFormatted: s, DefaultDisplay: s}
}

// unpaidStatuses are the invoice statuses RouteUnpaidInvoices lists.
var unpaidStatuses = []string{"PENDING", "PAYMENT_HELD"}

// invoiceSerial numbers invoices across owners, like the real sequence does.
var invoiceOwners = []string{OrgAcme, OrgBeta, OrgBobCorp, UserAlice, UserBob}

// buildInvoices returns the owner's four monthly invoices, newest first; the
// newest is PENDING (unpaid), the others PAID (OrgBeta's oldest was CANCELED).
func buildInvoices(o *owner) []*invoice {
	serial := 0
	for i, id := range invoiceOwners {
		if id == o.org.ID {
			serial = 100 + 10*i
		}
	}
	countries := map[string]string{"FRANCE": "FR", "CANADA": "CA"}
	vat := 20.0
	if o.org.Country != "FRANCE" {
		vat = 0
	}
	discount, provider, order := 0.0, "STRIPE", ""
	if o.org.CleverEnterprise {
		discount, provider, order = 10, "SEPA", "PO-2026-0042"
	}
	addr := billingAddress{
		AddressID: "address_" + uuidFor("address/"+o.org.ID), OwnerID: o.org.ID, Name: o.org.CustomerFullName,
		Company: o.org.Company, Address: o.org.Address, City: o.org.City, Zipcode: o.org.Zipcode,
		CountryAlpha2: countries[o.org.Country], VATNumber: o.org.VAT, VATPercent: vat,
		CustomerPurchaseOrder: order,
	}
	if o.org.CleverEnterprise {
		addr.CustomerCostCenter = "IT-OPS"
	}
	var out []*invoice
	for month := range 4 {
		emitted := time.Date(2026, time.June-time.Month(month), 1, 6, 0, 0, 0, time.UTC)
		base := float64(len(o.apps))*17.35 + float64(len(o.addons))*9.6 + float64(month)*3.17
		excl := base * (1 - discount/100)
		inv := &invoice{
			InvoiceNumber: fmt.Sprintf("INV-%s-%05d", emitted.Format("200601"), serial+month),
			Kind:          "INVOICE", OwnerID: o.org.ID, Address: addr, EmissionDate: iso(emitted),
			Status: "PAID", Currency: "EUR", PriceFactor: 1, Discount: discount, VATPercent: vat,
			TotalTaxExcluded: euros(excl), TotalTax: euros(excl * vat / 100),
			Category: "CONSUMPTION", PaymentProvider: provider, CustomerOrderID: order,
			emitted: emitted,
		}
		switch {
		case month == 0:
			inv.Status = "PENDING"
		case month == 3 && o.org.ID == OrgBeta:
			inv.Status = "CANCELED"
		default:
			inv.PayDate = ptr(iso(emitted.Add(72 * time.Hour)))
			inv.TransactionID = "pi_" + hexFor("transaction/"+inv.InvoiceNumber, 24)
		}
		out = append(out, inv)
	}
	return out
}
