package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// nest builds a query nested depth levels deep (application → organisation
// → application …).
func nest(depth int) string {
	var b strings.Builder
	b.WriteString(`{ application(ownerId: "o", id: "a") {`)
	for i := 0; i < depth; i++ {
		if i%2 == 0 {
			b.WriteString(` organisation {`)
		} else {
			b.WriteString(` application(id: "a") {`)
		}
	}
	b.WriteString(" id")
	b.WriteString(strings.Repeat(" }", depth+1))
	b.WriteString(" }")
	return b.String()
}

func aliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < n; i++ {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("x", i%5))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(strings.Repeat("y", i/26))
		b.WriteString(": " + field)
	}
	b.WriteString(" }")
	return b.String()
}

// fragmentBomb defines n fragments, each spreading the next twice: 2^n
// fields from a small document.
func fragmentBomb(n int) string {
	var b strings.Builder
	b.WriteString("query { zones { ...F0 } }")
	for i := 0; i < n; i++ {
		b.WriteString(" fragment F" + itoa(i) + " on Zone { name ")
		if i < n-1 {
			b.WriteString("...F" + itoa(i+1) + " a" + itoa(i) + ": id ...F" + itoa(i+1))
		}
		b.WriteString(" }")
	}
	return b.String()
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func gqlBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

// At least 40 hostile or malformed requests: each gets a clear error with
// a contract code, never a 5xx, no panic, no upstream call, and no
// internal text.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	acme := upstreamtest.OrgAcme
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		target      string
		token       string
	}{
		{name: "invalid JSON", body: `{"query": `},
		{name: "empty body", body: ``},
		{name: "batch array", body: `[{"query":"{ zones { name } }"}]`},
		{name: "JSON string", body: `"{ zones { name } }"`},
		{name: "JSON number", body: `42`},
		{name: "query is a number", body: `{"query": 5}`},
		{name: "variables are a list", body: `{"query": "{ zones { name } }", "variables": [1]}`},
		{name: "no query", body: `{"variables": {}}`},
		{name: "text/plain", contentType: "text/plain", body: gqlBody("{ zones { name } }", nil)},
		{name: "form post", contentType: "application/x-www-form-urlencoded", body: "query=%7B+zones+%7B+name+%7D+%7D"},
		{name: "multipart", contentType: "multipart/form-data; boundary=x", body: "--x--"},
		{name: "PUT", method: http.MethodPut, body: gqlBody("{ zones { name } }", nil)},
		{name: "DELETE", method: http.MethodDelete},
		{name: "body over 1 MiB", body: gqlBody("{ zones { name } }", map[string]any{"pad": strings.Repeat("x", 1<<20)})},
		{name: "huge string argument", body: gqlBody(`query($n: String!) { zone(name: $n) { name } }`, map[string]any{"n": strings.Repeat("z", 500_000)})},
		{name: "syntax error", body: gqlBody("{ zones { name ", nil)},
		{name: "lexer garbage", body: gqlBody("\x00\x01{}}}}", nil)},
		{name: "deep nesting", body: gqlBody(nest(20), nil)},
		{name: "alias bomb", body: gqlBody(aliases(200, "__typename"), nil)},
		{name: "alias bomb on a list", body: gqlBody("{ zones { "+strings.TrimPrefix(aliases(100, "name"), "{"), nil)},
		{name: "too many root fields", body: gqlBody(aliases(25, "zones { name }"), nil)},
		{name: "fragment cycle", body: gqlBody("{ zones { ...A } } fragment A on Zone { name ...B } fragment B on Zone { ...A }", nil)},
		{name: "fragment bomb", body: gqlBody(fragmentBomb(30), nil)},
		{name: "a field repeated 10,000 times", body: gqlBody("{ self { "+strings.Repeat("name ", 10_000)+"} }", nil)},
		{name: "unknown operation name", body: `{"query": "query A { zones { name } }", "operationName": "Nope"}`},
		{name: "several operations, no name", body: gqlBody("query A { zones { name } } query B { zones { id } }", nil)},
		{name: "unknown field", body: gqlBody("{ nope }", nil)},
		{name: "unknown argument", body: gqlBody("{ zones(nope: 1) { name } }", nil)},
		{name: "unknown enum literal", body: gqlBody(`{ operator(kind: POSTGRES, id: "x") { id } }`, nil)},
		{name: "enum variable in lower case", body: gqlBody(`query($k: OperatorKind!) { operator(kind: $k, id: "x") { id } }`, map[string]any{"k": "keycloak"})},
		{name: "unknown directive", body: gqlBody("{ zones @nope { name } }", nil)},
		{name: "skip with a string", body: gqlBody(`{ zones @skip(if: "yes") { name } }`, nil)},
		{name: "missing variable", body: gqlBody(`query($id: ID!) { organisation(id: $id) { id } }`, nil)},
		{name: "unknown variable type", body: gqlBody(`query($x: Nope) { zones { name } }`, nil)},
		{name: "ID variable is an object", body: gqlBody(`query($id: ID!) { organisation(id: $id) { id } }`, map[string]any{"id": map[string]any{"$ne": ""}})},
		{name: "Int variable is a string", body: gqlBody(`query($l: Int) { organisation(id: "`+acme+`") { invoices(limit: $l) { number } } }`, map[string]any{"l": "10"})},
		{name: "Int overflow", body: gqlBody(`{ organisation(id: "`+acme+`") { invoices(limit: 99999999999) { number } } }`, nil)},
		{name: "negative limit", body: gqlBody(`{ organisation(id: "`+acme+`") { invoices(limit: -1) { number } } }`, nil)},
		{name: "since after until", body: gqlBody(`{ organisation(id: "`+acme+`") { invoices(since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z") { number } } }`, nil)},
		{name: "bad time", body: gqlBody(`{ organisation(id: "`+acme+`") { invoices(since: "yesterday") { number } } }`, nil)},
		{name: "Float NaN string", body: gqlBody(`mutation($in: PulsarStoragePoliciesInput!) { updatePulsarStoragePolicies(addonId: "x", input: $in) { addonId } }`, map[string]any{"in": map[string]any{"retention": map[string]any{"sizeInBytes": "NaN"}}})},
		{name: "path traversal id", body: gqlBody(`{ organisation(id: "../../v2/self") { id } }`, nil)},
		{name: "id with a slash", body: gqlBody(`{ application(ownerId: "`+acme+`", id: "a/b") { id } }`, nil)},
		{name: "id with a query", body: gqlBody(`{ operator(kind: KEYCLOAK, id: "k?admin=1") { id } }`, nil)},
		{name: "id with a fragment", body: gqlBody(`{ pulsarStoragePolicies(addonId: "p#x") { addonId } }`, nil)},
		{name: "id with NUL", body: gqlBody(`query($id: ID!) { organisation(id: $id) { id } }`, map[string]any{"id": "orga_\u0000"})},
		{name: "id of 300 bytes", body: gqlBody(`query($id: ID!) { organisation(id: $id) { id } }`, map[string]any{"id": strings.Repeat("o", 300)})},
		{name: "mutation over GET", method: http.MethodGet, target: "/graphql?query=mutation+%7B+rebootOperator(kind%3A+KEYCLOAK%2C+id%3A+%22x%22)+%7B+id+%7D+%7D"},
		{name: "GET with broken variables", method: http.MethodGet, target: "/graphql?query=%7B+zones+%7B+name+%7D+%7D&variables=%7B"},
		{name: "persisted query unknown", body: `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + strings.Repeat("a", 64) + `"}}}`},
		{name: "persisted query with a wrong hash", body: `{"query": "{ zones { name } }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + strings.Repeat("b", 64) + `"}}}`},
		{name: "introspection recursing through type lists", body: gqlBody("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }", nil)},
		{name: "introspection too deep", body: gqlBody("{ __type(name: \"Query\") { "+strings.Repeat("ofType { ", 25)+"name"+strings.Repeat(" }", 25)+" } }", nil)},
		{name: "token with control characters", body: gqlBody("{ self { id } }", nil), token: "Bearer a\x01b"},
		{name: "a scheme without a token", body: gqlBody("{ self { id } }", nil), token: "Bearer "},
	}
	e := newEnv(t)
	for _, tt := range tests {
		method, target, ct := tt.method, tt.target, tt.contentType
		if method == "" {
			method = http.MethodPost
		}
		if target == "" {
			target = "/graphql"
		}
		if ct == "" {
			ct = "application/json"
		}
		req := httptest.NewRequest(method, target, strings.NewReader(tt.body))
		req.Header.Set("Content-Type", ct)
		if tt.token != "" {
			req.Header.Set("Authorization", tt.token)
		} else {
			req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
		}
		e.fake.ResetCounts()
		r := e.do(t, req)
		if r.status >= 500 {
			t.Errorf("%s: HTTP %d", tt.name, r.status)
		}
		if len(r.Errors) == 0 {
			t.Errorf("%s: no error: %.300s", tt.name, r.raw)
			continue
		}
		for _, err := range r.Errors {
			switch err.code() {
			case "BAD_USER_INPUT", "QUERY_TOO_COMPLEX", "UNAUTHENTICATED":
			default:
				t.Errorf("%s: code %q: %.300s", tt.name, err.code(), r.raw)
			}
			if err.Message == "" || err.Message == "internal error" {
				t.Errorf("%s: unclear message %q", tt.name, err.Message)
			}
		}
		if n := e.fake.Total(); n != 0 {
			t.Errorf("%s: %d upstream calls", tt.name, n)
		}
		assertNothingInternal(t, r)
		for _, leak := range []string{"goroutine", "panic", "runtime error", "could not be decoded"} {
			if strings.Contains(string(r.raw), leak) {
				t.Errorf("%s: response holds %q: %.300s", tt.name, leak, r.raw)
			}
		}
	}
	if len(tests) < 40 {
		t.Fatalf("only %d hostile requests", len(tests))
	}
	if strings.Contains(e.logs.String(), "panic") {
		t.Errorf("a request caused a panic: %s", e.logs.String())
	}
}

// Documents that would cost validation seconds of CPU (it compares
// repeated fields pairwise) are refused before it, with a message of their
// own: without that check the first would answer with data, 4 s later, and
// the second with validation's complaint about the unused fragment, after
// the same 4 s.
func TestDocumentsRefusedBeforeValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct{ name, query, says string }{
		{"a field repeated 10,000 times", "{ self { " + strings.Repeat("name ", 10_000) + "} }", "too many times over"},
		{"a field repeated in a fragment no operation uses", "{ zones { name } } fragment U on Zone { " + strings.Repeat("name ", 10_000) + "}", "too many times over"},
		{"a document of 16,004 tokens", "{ zones { " + strings.Repeat("name ", 16_000) + "} }", "longer than 15000 tokens"},
	}
	for _, tt := range tests {
		e.fake.ResetCounts()
		r := e.query(t, upstreamtest.TokenAlice, tt.query, nil)
		if len(r.Errors) != 1 || r.Errors[0].code() != "QUERY_TOO_COMPLEX" || !strings.Contains(r.Errors[0].Message, tt.says) {
			t.Errorf("%s: %.300s", tt.name, r.raw)
		}
		if n := e.fake.Total(); n != 0 {
			t.Errorf("%s: %d upstream calls", tt.name, n)
		}
	}
}

// A POST body that is not one GraphQL request is refused with the status
// that says why: 413 when too large, even without a Content-Length (as a
// chunked body comes), 400 when cut short or followed by anything.
func TestRequestBodyStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	query := gqlBody("{ zones { name } }", nil)
	for _, tt := range []struct {
		name   string
		body   string
		status int
	}{
		{"a chunked body over 1 MiB", `{"query": "{ zones { name } }", "pad": "` + strings.Repeat("x", 1<<20) + `"}`, http.StatusRequestEntityTooLarge},
		{"a body cut short", query[:len(query)-3], http.StatusBadRequest},
		{"a request followed by garbage", query + " garbage", http.StatusBadRequest},
		{"two requests", query + query, http.StatusBadRequest},
	} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(tt.body))
		req.ContentLength = -1 // unknown, as with a chunked body
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
		r := e.do(t, req)
		if r.status != tt.status || len(r.Errors) != 1 || r.Errors[0].code() != "BAD_USER_INPUT" {
			t.Errorf("%s: HTTP %d, want %d: %.300s", tt.name, r.status, tt.status, r.raw)
		}
		assertNothingInternal(t, r)
	}
}

// A response holds at most 50 errors and says how many it left out: a
// small document repeating an unknown directive would draw one error per
// repetition, a response a hundred times its size.
func TestErrorsAreCapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.query(t, upstreamtest.TokenAlice, "{ zones "+strings.Repeat("@nope ", 1000)+"{ name } }", nil)
	if len(r.Errors) != 51 {
		t.Fatalf("%d errors, want 50 and one saying how many more", len(r.Errors))
	}
	last := r.Errors[50]
	if !strings.Contains(last.Message, "more errors are left out") || last.code() != "BAD_USER_INPUT" {
		t.Errorf("last error: %+v", last)
	}
	if len(r.raw) > 20_000 {
		t.Errorf("a response of %d bytes", len(r.raw))
	}
}

// Automatic persisted queries: the hash alone, once the query was sent with it.
func TestPersistedQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	query := "{ zones { name } }"
	sum := sha256.Sum256([]byte(query))
	hash := hex.EncodeToString(sum[:])
	ext := `"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + hash + `"}}`
	post := func(body string) response {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return e.do(t, req)
	}
	if r := post(`{` + ext + `}`); len(r.Errors) != 1 || r.Errors[0].Message != "PersistedQueryNotFound" {
		t.Fatalf("unknown hash: %s", r.raw)
	}
	if r := post(`{"query": "` + query + `", ` + ext + `}`); len(r.Errors) != 0 {
		t.Fatalf("registering: %s", r.raw)
	}
	if r := post(`{` + ext + `}`); len(r.Errors) != 0 || r.Data["zones"] == nil {
		t.Fatalf("hash alone: %s", r.raw)
	}
}

func TestLimitsAreMeasured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The foundation's nested query passes the default limits.
	mustNoErrors(t, e.query(t, upstreamtest.TokenAlice, nestedQuery, map[string]any{"id": upstreamtest.OrgAcme}))
	r := e.query(t, upstreamtest.TokenAlice, nest(20), nil)
	if len(r.Errors) != 1 || r.Errors[0].code() != "QUERY_TOO_COMPLEX" || !strings.Contains(r.Errors[0].Message, "deep") {
		t.Errorf("deep query: %s", r.raw)
	}
}

// The playground's introspection query (graphql-js's standard one) is
// answered: limits measure introspection apart.
func TestStandardIntrospectionQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	query, err := os.ReadFile(filepath.Join("..", "limits", "testdata", "introspection.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	r := e.query(t, "", string(query), nil)
	mustNoErrors(t, r)
	types, _ := pick(t, r.Data, "__schema", "types").([]any)
	if len(types) < 30 {
		t.Fatalf("%d types", len(types))
	}
}

// A subscription needs a websocket or SSE: over a plain POST it would
// answer its first event as if it were a query.
func TestSubscriptionOverPlainPOSTIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.query(t, upstreamtest.TokenAlice, logsSubscription, logVars(nil))
	if len(r.Errors) != 1 || r.Errors[0].code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "text/event-stream") {
		t.Fatalf("got %s", r.raw)
	}
	if n := e.fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

// Introspection is on by default (the playground needs it) and can be
// turned off.
func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	off := newEnvWith(t, func(o *gateway.Options) { o.Introspection = false })
	r := off.query(t, "", `{ __schema { queryType { name } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].code() != "BAD_USER_INPUT" || r.Data["__schema"] != nil {
		t.Errorf("introspection off: %s", r.raw)
	}
	// __typename is not introspection of the schema, and stays.
	if r := off.query(t, "", `{ __typename zones { name } }`, nil); len(r.Errors) != 0 {
		t.Errorf("__typename with introspection off: %s", r.raw)
	}
}
