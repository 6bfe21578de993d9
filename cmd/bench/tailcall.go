package main

// Tailcall, the Rust REST-to-GraphQL gateway, as the bar: with -tailcall BIN,
// workloads 1, 2 and 4 also run against Tailcall in front of the same fake,
// with the same queries and clients, and a table gives the ratios.
//
// Its config (tailcallConfig) is what a Tailcall user would write for
// these queries: one @http per field, and the caller's Authorization
// forwarded. Each request makes its own calls, as this gateway's do:
// Tailcall's dedupe, which lets requests join identical calls that other
// requests have in flight, is off, unless -share-calls turns this
// gateway's equivalent on (loaders.Flights). Tailcall cannot answer a zone from the zones list (a
// call per application), nor ask for an organisation's applications before
// the organisation has answered; the table measures what that costs it, and
// what its Rust runtime saves it.
//
// Version 1.6 of the npm package needs glibc 2.39; 1.0.0 runs on Debian 12:
//
//	npm install --prefix /tmp/tailcall @tailcallhq/core-linux-x64-gnu@1.0.0
//	go run ./cmd/bench ... -tailcall /tmp/tailcall/node_modules/.bin/tailcall -workloads 1,2

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cleverql/gateway/internal/benchkit"
)

// tailcallWorkloads are the workloads its config answers.
var tailcallWorkloads = []int{1, 2, 4}

const tailcallConfig = `schema
  @server(port: {{port}}, hostname: "127.0.0.1")
  @upstream(allowedHeaders: ["authorization"], poolMaxIdlePerHost: 256) {
  query: Query
}

type Query {
  zones: [Zone] @http(url: "{{fake}}/v4/products/zones"{{dedupe}})
  organisation(id: ID!): Organisation @http(url: "{{fake}}/v2/organisations/{{.args.id}}"{{dedupe}})
}

type Zone {
  id: ID!
  name: String
  city: String
  country: String
}

type Organisation {
  id: ID!
  name: String
  applications: [Application] @http(url: "{{fake}}/v2/organisations/{{.value.id}}/applications"{{dedupe}})
}

type Application {
  id: ID!
  ownerId: String!
  name: String
  zone: String! @modify(name: "zoneName")
  zoneInfo: Zone @modify(name: "zone") @http(url: "{{fake}}/v4/products/zones/{{.value.zone}}"{{dedupe}})
  deployments: [Deployment] @http(url: "{{fake}}/v4/orchestration/organisations/{{.value.ownerId}}/applications/{{.value.id}}/deployments"{{dedupe}})
  instances: [Instance] @http(url: "{{fake}}/v4/orchestration/organisations/{{.value.ownerId}}/applications/{{.value.id}}/instances"{{dedupe}})
}

type Deployment {
  id: ID!
  state: String
  steps: [Step]
}

type Step {
  state: String
  date: String
}

type Instance {
  id: ID!
  state: String
}
`

// startTailcall runs Tailcall in front of the fake at fakeURL, with a
// config written to a temporary directory, and returns it as a target
// whose upstream calls the fake counts (countsURL: fakeapi -counts).
func startTailcall(ctx context.Context, bin, fakeURL, countsURL string, dedupe bool) (target, func(), error) {
	port, err := freePort()
	if err != nil {
		return target{}, nil, err
	}
	dir, err := os.MkdirTemp("", "bench-tailcall-")
	if err != nil {
		return target{}, nil, err
	}
	dd := ""
	if dedupe {
		dd = ", dedupe: true"
	}
	conf := strings.NewReplacer("{{port}}", strconv.Itoa(port), "{{fake}}", strings.TrimSuffix(fakeURL, "/"), "{{dedupe}}", dd).Replace(tailcallConfig)
	path := filepath.Join(dir, "bench.graphql")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		os.RemoveAll(dir)
		return target{}, nil, err
	}
	p, _, err := benchkit.Start(ctx, bin, `(Tailcall launched)`, "start", path)
	if err != nil {
		os.RemoveAll(dir)
		return target{}, nil, err
	}
	stop := func() { p.Stop(); os.RemoveAll(dir) }
	return target{
		name:  "Tailcall",
		url:   fmt.Sprintf("http://127.0.0.1:%d", port),
		pid:   p.Pid(),
		calls: func() (float64, error) { return fakeTotal(countsURL) },
	}, stop, nil
}

// fakeTotal reads the requests the fake has received.
func fakeTotal(countsURL string) (float64, error) {
	b, err := benchkit.Get(countsURL)
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
}

// freePort returns a loopback port nothing listens on (for a server that
// takes its port from a config file).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
