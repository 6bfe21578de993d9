package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/cleverql/gateway/internal/benchkit"
)

const (
	zonesQuery = `{ zones { name city } }`

	orgAppsQuery = `query($id: ID!) { organisation(id: $id) { applications { name zone { name } deployments { id state steps { state date } } instances { id state } } } }`

	nestedApps  = `{ applications { zone { name } deployments { id instances { id } } instances { id deployment { id } } loadBalancer { id } } }`
	nestedQuery = `query($a: ID!, $b: ID!) { a: organisation(id: $a) ` + nestedApps + ` b: organisation(id: $b) ` + nestedApps + ` }`
)

// request is one kind of request the clients of a workload send.
type request struct {
	name  string // for messages
	token string
	body  []byte // the POST /graphql body
	// calls is the fewest upstream calls the request can cost, most the
	// most it may cost without a call the query does not need; 0 when there
	// is no such bound to check (naive mode).
	calls, most int
	// apps is how many applications its answer lists (-1: none).
	apps int
}

// workload is what the clients send: client i sends requests[i%len].
type workload struct {
	id       int
	label    string
	naive    bool
	requests []request
	// depth is the query's depth in upstream lookups, each below the
	// other: zones (1); organisation, its applications, their lists (3).
	// The gateway asks for the applications with the organisation
	// (graph/resolvers/lookahead.go), so 3 costs it 2 round trips in
	// sequence; the target is set by the depth.
	depth int
}

// checked reports whether the workload's upstream calls per request must
// be its minimum: workloads 1 to 3, against the optimised gateway.
func (w workload) checked() bool { return w.id <= 3 && !w.naive }

// demo is what the demo tokens see, found through the gateway.
type demo struct {
	acme, beta, bobs benchkit.Organisation
}

func discover(base string) (demo, error) {
	var d demo
	alice, err := benchkit.Organisations(base, benchkit.TokenAlice)
	if err != nil {
		return d, fmt.Errorf("alice's organisations: %w", err)
	}
	bob, err := benchkit.Organisations(base, benchkit.TokenBob)
	if err != nil {
		return d, fmt.Errorf("bob's organisations: %w", err)
	}
	for _, o := range alice {
		switch o.Name {
		case "Acme Corp":
			d.acme = o
		case "Beta Labs":
			d.beta = o
		}
	}
	for _, o := range bob {
		if !o.Personal() {
			d.bobs = o
			break
		}
	}
	if d.acme.ID == "" || d.beta.ID == "" || d.bobs.ID == "" {
		return d, fmt.Errorf("the demo data lacks Acme Corp, Beta Labs or an organisation of Bob's: %+v %+v", alice, bob)
	}
	return d, nil
}

// orgApps is workload 2's request on org. Its fewest calls: the
// organisation, its applications list, one zones list answering every
// application's zone, and per application one deployments list (steps
// come with each deployment) and one instances list: 3 + 2n, 43 for
// Acme's 20 applications.
func orgApps(token string, org benchkit.Organisation) request {
	n := len(org.Applications)
	return request{name: "workload 2 on " + org.Name, token: token, apps: n, calls: 3 + 2*n, most: 3 + 2*n,
		body: mustBody(orgAppsQuery, map[string]any{"id": org.ID})}
}

// nested is workload 3's request. Per application it costs one
// deployments list, one instances list (answering both instances and every
// Deployment.instances) and one load balancer: 3 per application, as
// gateway/calls_test.go asserts for Acme alone (1 + 1 + 1 + 20·3 = 63).
// Across two organisations: one organisations list answering both
// organisation(id) fields, one applications list per organisation and one
// zones list, so 1 + 2 + 1 + 3·(20+2) = 70, exactly. That count does not
// rest on timing: gqlgen resolves the two fields in goroutines of their
// own, and the by-id loader's 500 µs batch wait alone would let a late
// second field cost a GET of its own (71, under a busy CPU). Each root
// organisation(id) field instead reads the ids of all such fields from the
// operation and, with two or more, waits for the organisations list, which
// answers them all however they are scheduled (gateway/calls_test.go
// TestTwoOrganisationsCallCount runs 20 requests at once).
func nested(d demo) request {
	nA, nB := len(d.acme.Applications), len(d.beta.Applications)
	calls := 1 + 2 + 1 + 3*(nA+nB)
	return request{name: "workload 3", token: benchkit.TokenAlice, apps: nA + nB, calls: calls, most: calls,
		body: mustBody(nestedQuery, map[string]any{"a": d.acme.ID, "b": d.beta.ID})}
}

func mustBody(query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		panic(err)
	}
	return b
}

// workloads returns the HTTP workloads among ids, against a gateway in
// naive mode or not; naive mode has no minimum to check.
func workloads(d demo, ids []int, naive bool) []workload {
	all := map[int]workload{
		1: {label: "1 zones", depth: 1, requests: []request{{name: "workload 1", token: benchkit.TokenAlice, calls: 1, most: 1, apps: -1, body: mustBody(zonesQuery, nil)}}},
		2: {label: "2 org apps", depth: 3, requests: []request{orgApps(benchkit.TokenAlice, d.acme)}},
		3: {label: "3 nested, 2 orgs", depth: 3, requests: []request{nested(d)}},
		4: {label: "4 mixed alice/bob", depth: 3, requests: []request{orgApps(benchkit.TokenAlice, d.acme), orgApps(benchkit.TokenBob, d.bobs)}},
	}
	var ws []workload
	for _, id := range ids {
		w, ok := all[id]
		if !ok || naive && id != 2 && id != 3 {
			continue
		}
		w.id, w.naive = id, naive
		if naive {
			w.label = fmt.Sprintf("%d naive", id)
			w.requests = slices.Clone(w.requests)
			for i := range w.requests {
				w.requests[i].calls, w.requests[i].most = 0, 0
			}
		}
		ws = append(ws, w)
	}
	return ws
}

// verify sends each kind of request once and checks its answer: no error,
// and every application listed.
func verify(base string, w workload) error {
	for _, r := range w.requests {
		var q struct {
			Query     string
			Variables map[string]any
		}
		if err := json.Unmarshal(r.body, &q); err != nil {
			return err
		}
		var data map[string]json.RawMessage
		if err := benchkit.Query(http.DefaultClient, base, r.token, q.Query, q.Variables, &data); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		if r.apps < 0 {
			continue
		}
		got := 0
		for _, v := range data {
			var org struct{ Applications []json.RawMessage }
			if err := json.Unmarshal(v, &org); err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			got += len(org.Applications)
		}
		if got != r.apps {
			return fmt.Errorf("%s: %d applications answered, want %d", r.name, got, r.apps)
		}
	}
	return nil
}

// runLatency runs every workload against a fresh fake with latency lat and
// a fresh gateway, then the naive comparison against a second gateway.
func runLatency(ctx context.Context, cfg config, lat time.Duration, t *report) error {
	fakeArgs := []string{"-latency", lat.String(), "-live-dates"}
	if cfg.tailcall != "" {
		fakeArgs = append(fakeArgs, "-counts", "127.0.0.1:0")
	}
	fake, fakeURL, err := benchkit.StartFake(ctx, cfg.fakeBin, fakeArgs...)
	if err != nil {
		return err
	}
	defer fake.Stop()
	var countsURL string
	if cfg.tailcall != "" {
		if countsURL, err = fake.WaitLine(`counts on (\S+)`); err != nil {
			return err
		}
	}
	gwArgs := []string{"-shutdown-delay", "0"}
	if cfg.share {
		gwArgs = append(gwArgs, "-share-calls")
	}
	gw, err := benchkit.StartGateway(ctx, cfg.gatewayBin, fakeURL, gwArgs...)
	if err != nil {
		return err
	}
	defer gw.Stop()
	d, err := discover(gw.URL)
	if err != nil {
		return err
	}
	for _, w := range workloads(d, cfg.workloads, false) {
		var prof *profiler
		if cfg.cpuprofile != "" && lat == 0 {
			prof = &profiler{dir: cfg.cpuprofile, name: fmt.Sprintf("workload%d", w.id), seconds: max(1, int(cfg.duration/time.Second))}
		}
		row, err := runHTTP(ours(gw), w, lat, cfg, prof)
		if err != nil {
			return err
		}
		t.add(row)
	}
	if slices.Contains(cfg.workloads, 5) {
		row, err := runLogs(gw, lat, cfg)
		if err != nil {
			return err
		}
		t.add(row)
	}
	gw.Stop() // its CPU is not the next one's to share
	if cfg.naive {
		naive, err := benchkit.StartGateway(ctx, cfg.gatewayBin, fakeURL, "-shutdown-delay", "0", "-naive")
		if err != nil {
			return err
		}
		for _, w := range workloads(d, cfg.workloads, true) {
			row, err := runHTTP(ours(naive), w, lat, cfg, nil)
			if err != nil {
				naive.Stop()
				return err
			}
			t.add(row)
		}
		naive.Stop()
	}
	if cfg.tailcall != "" {
		return runTailcall(ctx, cfg, d, lat, fakeURL, countsURL, t)
	}
	return nil
}

// runTailcall runs the workloads Tailcall's config answers against it.
func runTailcall(ctx context.Context, cfg config, d demo, lat time.Duration, fakeURL, countsURL string, t *report) error {
	var ids []int
	for _, id := range cfg.workloads {
		if slices.Contains(tailcallWorkloads, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	tc, stop, err := startTailcall(ctx, cfg.tailcall, fakeURL, countsURL, cfg.share)
	if err != nil {
		return err
	}
	defer stop()
	for _, w := range workloads(d, ids, false) {
		row, err := runHTTP(tc, w, lat, cfg, nil)
		if err != nil {
			return err
		}
		t.add(row)
	}
	return nil
}
