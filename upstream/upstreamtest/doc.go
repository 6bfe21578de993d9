// Package upstreamtest is a fake Clever Cloud REST API (v2 and v4) served over HTTP.
//
// Every test layer of the gateway and its demo mode talk to it instead of
// api.clever-cloud.com. It serves a small, deterministic dataset (two users, three
// organisations, their applications, deployments, instances, load balancers,
// invoices, add-ons and operators) in the JSON wire shapes the Clever Cloud
// documentation and clients use: snake_case for billing invoices, camelCase for
// the other v4 routes, and the v2 shapes for /v2.
//
// The package deliberately imports nothing from the rest of the module: its wire
// structs are written independently from the gateway's client, so a wrong JSON
// tag in the client cannot be hidden by the same mistake here.
//
// A typical test:
//
//	s := upstreamtest.NewServer(t)
//	client := upstream.New(s.URL) // s.URL ends with "/clever-api/"
//	... query the gateway with upstreamtest.TokenAlice ...
//	if got := s.Count(upstreamtest.RouteDeployments); got != 1 { ... }
//
// [Server.Start] mounts the API under [MountPrefix], so a client that builds
// absolute paths instead of resolving them against its base URL is caught: such
// requests are answered 404 and counted under [RouteUnmatched]. [Server.Inject]
// makes chosen routes fail, stall or answer garbage, and [Server.Requests] records
// everything received, exactly as it arrived.
package upstreamtest
