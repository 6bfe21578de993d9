package upstreamtest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// answer is a response read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request to a started server; path is relative to s.URL. An
// empty token sends no Authorization header; a token containing a space is sent
// as the whole header value.
func send(t *testing.T, s *Server, method, path, token, body string, header ...string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.Contains(token, " "):
		req.Header.Set("Authorization", token)
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// get is send for a GET with no body.
func get(t *testing.T, s *Server, path, token string) answer {
	t.Helper()
	return send(t, s, http.MethodGet, path, token, "")
}

// ok fails the test unless the answer has the wanted status, and decodes its
// JSON body.
func (a answer) ok(t *testing.T, status int) any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d; body: %s", a.status, status, a.body)
	}
	if len(a.body) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, a.body)
	}
	return v
}

// object asserts v is a JSON object.
func object(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("got %T, want a JSON object: %v", v, v)
	}
	return m
}

// array asserts v is a non-empty JSON array of objects.
func array(t *testing.T, v any) []map[string]any {
	t.Helper()
	items, ok := v.([]any)
	if !ok || len(items) == 0 {
		t.Fatalf("got %T (%v), want a non-empty JSON array", v, v)
	}
	out := make([]map[string]any, len(items))
	for i, item := range items {
		out[i] = object(t, item)
	}
	return out
}

// checkKeys asserts the object has exactly the documented keys.
func checkKeys(t *testing.T, what string, v any, want ...string) {
	t.Helper()
	got := slices.Sorted(maps.Keys(object(t, v)))
	want = slices.Sorted(slices.Values(want)) // a copy: want may be a slice the fake reads, such as logFields
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s keys (-want +got):\n%s", what, diff)
	}
}

// v4ErrorKeys and v2ErrorKeys are the documented error body shapes.
var (
	v4ErrorKeys = []string{"apiRequestId", "code", "error", "context"}
	v2ErrorKeys = []string{"id", "message", "type"}
)

// appPath is the v4 orchestration path of an application.
func appPath(owner, app string) string {
	return "v4/orchestration/organisations/" + owner + "/applications/" + app
}
