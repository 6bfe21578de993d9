package upstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// realLists are answers of the fake, as the upstream sends them: the
// deployments and instances lists of Acme's applications, three owners'
// applications lists, one application, and the zones list.
type realLists struct {
	deployments, instances, applications [][]byte
	application, zones                   []byte
}

func (r realLists) all() [][]byte {
	return slices.Concat(r.deployments, r.instances, r.applications, [][]byte{r.application, r.zones})
}

func realBodies(tb testing.TB) realLists {
	tb.Helper()
	fake := upstreamtest.NewServer(tb)
	get := func(path string) []byte {
		req, err := http.NewRequest(http.MethodGet, fake.URL+path, nil)
		if err != nil {
			tb.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			tb.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return b
	}
	var r realLists
	acme := get("v2/organisations/" + upstreamtest.OrgAcme + "/applications")
	r.applications = [][]byte{acme, get("v2/organisations/" + upstreamtest.OrgBeta + "/applications"), get("v2/self/applications")}
	var apps []struct{ ID string }
	if err := json.Unmarshal(acme, &apps); err != nil {
		tb.Fatal(err)
	}
	for _, a := range apps {
		base := "v4/orchestration/organisations/" + upstreamtest.OrgAcme + "/applications/" + a.ID
		r.deployments = append(r.deployments, get(base+"/deployments?order=DESC"))
		r.instances = append(r.instances, get(base+"/instances"))
	}
	r.application = get("v2/organisations/" + upstreamtest.OrgAcme + "/applications/" + apps[0].ID)
	r.zones = get("v4/products/zones")
	return r
}

// Bodies the fast path must either decode as encoding/json does or leave
// to it.
var fastEdgeCases = []string{
	`null`, `[]`, " [ ] \n", `[null]`, `[{}]`, `[{},{}]`, `{}`, `""`, `[]x`, `[{"id":"a"},]`, ``,
	`[{"id":"a","ID":"b"}]`, `[{"id":"a","id":"b"}]`, `[{"Id":"a"}]`,
	`[{"steps":null}]`, `[{"steps":[]}]`, `[{"steps":[null]}]`,
	`[{"steps":[{"state":"QUEUED","date":"2026-01-01T00:00:00Z"}]}]`,
	`[{"startDate":1764234000000}]`, `[{"startDate":-5}]`, `[{"startDate":1.5}]`, `[{"startDate":"bad"}]`,
	`[{"startDate":"2026-01-01T00:00:00.000Z"}]`, `[{"startDate":"2026-01-01T00:00:00+02:00"}]`,
	`[{"startDate":"2026-01-01T00:00:00\u005a"}]`, `[{"startDate":"\x"}]`, `[{"startDate":null}]`, `[{"startDate":true}]`,
	`[{"origin":{"constraints":["a","b"],"action":null}}]`, `[{"origin":null,"version":null}]`,
	`[{"origin":{"constraints":[1]}}]`, `[{"origin":{"constraints":null}}]`, `[{"origin":{"constraints":[]}}]`,
	`[{"version":{"commitId":"abc"}}]`, `[{"version":{"commitId":null}}]`, `[{"version":{}}]`,
	`[{"id":"\u00e9t\u00e9"}]`, `[{"id":"été"}]`, "[{\"id\":\"\xff\"}]", `[{"id":"a\"b"}]`, `[{"id":"tab	in"}]`,
	`[{"id":"\ud83d\ude00"}]`, `[{"id":"\ud83d"}]`, `[{"id":5}]`, `[{"id":null}]`,
	`[{"index":1}]`, `[{"index":1.0}]`, `[{"index":-0}]`, `[{"index":01}]`, `[{"index":1e2}]`,
	`[{"index":99999999999999999999}]`, `[{"index":"1"}]`, `[{"index":null}]`,
	`[{"network":{"ip":"1.2.3.4","port":8080}}]`, `[{"network":null}]`, `[{"network":{"port":-1,"ip":null}}]`,
	`[{"unknown":{"a":[1,2,{"b":null}],"c":"\n"},"id":"x"}]`, `[{"unknown":[1,2,}]`, `[{"unknown":tru}]`,
	`[{"unknown":-}]`, `[{"unknown":1.2e+3}]`, `[{"unknown":"\q"}]`,
	`[{"hasDedicatedBuild":true,"isBuildVm":false}]`, `[{"hasDedicatedBuild":null}]`, `[{"hasDedicatedBuild":"true"}]`,
	`[{"deletionDate":null,"creationDate":"2026-06-15T07:01:19.000Z"}]`, `[{"state":5}]`,
	`[{"deploymentId":"d","name":"n","flavor":"S","hypervisorId":"h"}]`,
	`[{"a\u0062":1}]`, `[{"é":1}]`,
	`[{"instance":{"variant":{"slug":"go"},"minInstances":1,"flavors":[{"name":"S","mem":1024}]},"vhosts":[{"fqdn":"a.example/"}]}]`,
	`[{"instance":null,"deployment":null,"vhosts":null}]`, `[{"vhosts":[]}]`, `[{"vhosts":[null]}]`,
	`[{"instance":{"variant":null,"maxInstances":2.5}}]`, `[{"deployment":{"type":"GIT","httpUrl":null}}]`,
	`[{"archived":false,"stickySessions":true,"forceHttps":"ENABLED","creationDate":1764234000000}]`,
	`{"id":"app_x","zone":"par","instance":{}}`, `{"id":"app_x","ZONE":"par"}`, `{}`,
	`[{"name":"par","lat":48.8566,"lon":2.3522,"outboundIPs":["1.2.3.4"],"tags":[]}]`, `[{"lat":1e400}]`, `[{"lat":-0.0}]`,
	" [ { \"lat\" : 1.5 , \"id\" : \"x\" , \"tags\" : [ \"a\" , \"b\" ] } ] ", `[{"lat":5e-324}]`, `[{"lat":1E+2,"lon":null}]`, `[{"lat":"1"}]`, `[{"lat":.5}]`, `[{"lat":1.}]`, `[{"tags":null,"outboundIPs":[null]}]`,
}

// checkSame holds decodeFast to encoding/json on b, for lists of T: when
// it decodes, encoding/json accepts b and gives the same value; when it
// gives up, v is untouched.
func checkSame[T any](t *testing.T, b []byte) {
	t.Helper()
	var fast T
	if !decodeFast(b, &fast) {
		var zero T
		if !reflect.DeepEqual(fast, zero) {
			t.Fatalf("gave up on %q but changed v to %#v", b, fast)
		}
		return
	}
	var slow T
	if err := json.Unmarshal(b, &slow); err != nil {
		t.Fatalf("decoded %q, which encoding/json refuses: %v", b, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nfast %#v\njson %#v", b, fast, slow)
	}
}

func FuzzDecodeFast(f *testing.F) {
	for _, b := range realBodies(f).all() {
		f.Add(b)
	}
	for _, s := range fastEdgeCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkSame[[]Deployment](t, b)
		checkSame[[]Instance](t, b)
		checkSame[[]Application](t, b)
		checkSame[Application](t, b)
		checkSame[[]Zone](t, b)
	})
}

// The lists the upstream sends take the fast path: it is not a path that
// always gives up.
func TestDecodeFastTakesRealLists(t *testing.T) {
	r := realBodies(t)
	for _, b := range r.applications {
		var apps []Application
		if !decodeFast(b, &apps) || len(apps) == 0 || apps[0].Instance == nil || apps[0].Instance.Variant == nil || len(apps[0].Vhosts) == 0 {
			t.Fatalf("an applications list left to encoding/json, or decoded empty: %d applications\n%s", len(apps), b)
		}
		checkSame[[]Application](t, b)
	}
	var app Application
	if !decodeFast(r.application, &app) || app.ID == "" || app.Deployment == nil {
		t.Fatalf("an application left to encoding/json: %s", r.application)
	}
	checkSame[Application](t, r.application)
	var zones []Zone
	if !decodeFast(r.zones, &zones) || len(zones) == 0 || zones[0].Lat == nil || len(zones[0].Tags) == 0 {
		t.Fatalf("the zones list left to encoding/json, or decoded empty: %s", r.zones)
	}
	checkSame[[]Zone](t, r.zones)
	// Indented, as a proxy might send it: the fast path still takes it.
	var indented bytes.Buffer
	if err := json.Indent(&indented, r.deployments[0], "", "  "); err != nil {
		t.Fatal(err)
	}
	if ds := []Deployment(nil); !decodeFast(indented.Bytes(), &ds) || len(ds) == 0 {
		t.Fatalf("an indented deployments list left to encoding/json")
	}
	checkSame[[]Deployment](t, indented.Bytes())
	for _, b := range r.deployments {
		var ds []Deployment
		if !decodeFast(b, &ds) || len(ds) == 0 || len(ds[0].Steps) == 0 || ds[0].Origin == nil {
			t.Fatalf("a deployments list left to encoding/json, or decoded empty: %d deployments\n%s", len(ds), b)
		}
		checkSame[[]Deployment](t, b)
	}
	for _, b := range r.instances {
		var ins []Instance
		if !decodeFast(b, &ins) || len(ins) == 0 || ins[0].Network == nil {
			t.Fatalf("an instances list left to encoding/json, or decoded empty: %d instances\n%s", len(ins), b)
		}
		checkSame[[]Instance](t, b)
	}
}

// Decoded values share memory with the others of their body (the text
// their strings are parts of, and slabs for pointers and []string
// elements) but nothing with another body's values, and appending to a
// decoded list copies it rather than overwrite the values that follow it
// in its slab.
func TestDecodeFastValuesStayTheirOwn(t *testing.T) {
	t.Parallel()
	// Many lists, one longer than a chunk, so that runs move across chunks.
	var b strings.Builder
	b.WriteString("[")
	for i := range 40 {
		if i > 0 {
			b.WriteString(",")
		}
		n := 1 + i%7
		if i == 20 {
			n = 3 * largeChunk
		}
		tags := make([]string, n)
		for j := range tags {
			tags[j] = fmt.Sprintf("%q", fmt.Sprintf("tag-%d-%d", i, j))
		}
		fmt.Fprintf(&b, `{"name":"z%d","city":"c%d","lat":%d.5,"outboundIPs":[],"tags":[%s]}`, i, i, i, strings.Join(tags, ","))
	}
	b.WriteString("]")
	first := []byte(b.String())
	checkSame[[]Zone](t, first)

	var got, want []Zone
	if !decodeFast(first, &got) {
		t.Fatal("gave up")
	}
	if err := json.Unmarshal(first, &want); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].Tags = append(got[i].Tags, "appended")
		got[i].OutboundIPs = append(got[i].OutboundIPs, "appended")
		want[i].Tags = append(want[i].Tags, "appended")
		want[i].OutboundIPs = append(want[i].OutboundIPs, "appended")
	}
	// Another body decoded after, reusing the list buffer: the first
	// values are untouched.
	var other []Zone
	if !decodeFast(realBodies(t).zones, &other) {
		t.Fatal("gave up")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the first values changed:\n%#v\nwant %#v", got, want)
	}
}

// A decoded string is a part of a larger text, not an allocation of its own:
// decoding the zones list allocates far fewer times than it has strings.
// (It is a count, not a time: sync.Pool and the race detector move it a
// little, hence the margin.)
func TestDecodeFastAllocatesPerBodyNotPerString(t *testing.T) {
	body := realBodies(t).zones
	var zones []Zone
	if !decodeFast(body, &zones) {
		t.Fatal("gave up")
	}
	values := 0
	for _, z := range zones {
		values += 6 + len(z.OutboundIPs) + len(z.Tags) // id, name, four *string
	}
	allocs := testing.AllocsPerRun(50, func() {
		var zs []Zone
		decodeFast(body, &zs)
	})
	if allocs > float64(values)/4 {
		t.Errorf("%.0f allocations to decode %d zones holding %d strings", allocs, len(zones), values)
	}
}

func BenchmarkDecodeFast(b *testing.B) {
	r := realBodies(b)
	for _, c := range []struct {
		name string
		body []byte
		new  func() any
	}{
		{"deployments", r.deployments[0], func() any { return new([]Deployment) }},
		{"applications", r.applications[0], func() any { return new([]Application) }},
		{"zones", r.zones, func() any { return new([]Zone) }},
	} {
		b.Run(c.name+"/fast", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				if !decodeFast(c.body, c.new()) {
					b.Fatal("gave up")
				}
			}
		})
		b.Run(c.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				if err := json.Unmarshal(c.body, c.new()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
