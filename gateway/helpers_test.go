package gateway_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/gateway"
	"github.com/cleverql/gateway/upstream"
	"github.com/cleverql/gateway/upstream/upstreamtest"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// env is a gateway in front of a fresh fake upstream.
type env struct {
	fake *upstreamtest.Server
	gw   *gateway.Gateway
	logs *syncBuffer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with options of the test's own: set, when not nil,
// changes the gateway's options; client options come after the fake's URL
// and a 5 s timeout.
func newEnvWith(t testing.TB, set func(*gateway.Options), clientOpts ...upstream.Option) *env {
	t.Helper()
	fake := upstreamtest.NewServer(t)
	client, err := upstream.New(append([]upstream.Option{upstream.WithBaseURL(fake.URL), upstream.WithTimeout(5 * time.Second)}, clientOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	opts := gateway.Options{
		Client:        client,
		Logger:        slog.New(slog.NewJSONHandler(logs, nil)),
		Introspection: true,
	}
	if set != nil {
		set(&opts)
	}
	return &env{fake: fake, gw: gateway.New(opts), logs: logs}
}

// response is a GraphQL response as a client reads it.
type response struct {
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
	status int
	raw    []byte
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// code returns the error's extensions.code.
func (e gqlError) code() string { c, _ := e.Extensions["code"].(string); return c }

// query POSTs a GraphQL request with token ("" for none) through the real
// HTTP handler.
func (e *env) query(t testing.TB, token, query string, vars map[string]any) response {
	t.Helper()
	return e.do(t, queryRequest(t, token, query, vars))
}

// queryRequest is the POST /graphql request of a query with token ("" for
// none).
func queryRequest(t testing.TB, token, query string, vars map[string]any) *http.Request {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func (e *env) do(t testing.TB, req *http.Request) response {
	t.Helper()
	rec := httptest.NewRecorder()
	e.gw.ServeHTTP(rec, req)
	resp := response{status: rec.Code, raw: rec.Body.Bytes()}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response is not JSON (status %d): %v\n%s", rec.Code, err, rec.Body.Bytes())
	}
	return resp
}

// compareGolden compares v, as indented JSON, with testdata/golden/name.json.
func compareGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./gateway -run %s -update to create it, then read it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", path, diff)
	}
}

// syncBuffer is a log sink that tests may read while handlers write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mustNoErrors fails on any GraphQL error.
func mustNoErrors(t testing.TB, r response) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %v", r.Errors)
	}
}

// pick walks a decoded response along a path of keys and list indexes.
func pick(t testing.TB, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: %T is not an object", k, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at [%d]: not a list long enough: %v", k, v)
			}
			v = l[k]
		}
	}
	return v
}

func compact(s string) string { return strings.Join(strings.Fields(s), " ") }
