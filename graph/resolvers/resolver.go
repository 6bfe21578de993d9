// Package resolvers holds the GraphQL resolvers: thin functions that turn
// arguments into loader calls and upstream structs into GraphQL answers.
// They know nothing of URLs, JSON, retries or caching.
package resolvers

import "github.com/cleverql/gateway/logtail"

// Resolver is the resolvers' only dependency holder.
type Resolver struct {
	// DocumentsURL prefixes the gateway URLs of invoice documents
	// (Invoice.htmlUrl, Invoice.pdfUrl): "" for root-relative URLs, or the
	// gateway's public URL without trailing slash.
	DocumentsURL string
	// Logs tunes log subscriptions.
	Logs logtail.Config
	// LogHub shares live-tail log streams among subscribers; nil, or an
	// operation without a LiveTail (see [WithLiveTail]), gives each
	// subscription its own upstream stream.
	LogHub *logtail.Hub
}
