// Package upstream is the REST client for the Clever Cloud API (v2 and v4).
//
// It knows nothing of GraphQL: one engine ([Client.newRequest], [Client.do]),
// one small method per endpoint in files that mirror the Clever Cloud
// documentation sections, wire structs that match the documented JSON, and
// typed errors ([Error]) that carry the upstream's Sozu-Id and wrap one
// sentinel such as [ErrNotFound].
//
// The caller's own token is forwarded unchanged per request
// ([Client.WithToken]); every id is validated and escaped as one path
// segment, so no id can change which endpoint is called.
package upstream
