package playground_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleverql/gateway/playground"
)

// newServer serves the page at / and the assets under AssetsPath, as the
// gateway mounts them.
func newServer(t *testing.T, headers map[string]string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", playground.Handler("/graphql", headers))
	mux.Handle("GET "+playground.AssetsPath, playground.Assets())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// A Transport of its own: the default one would ask for gzip and
	// decompress the answer out of sight.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

var (
	srcHref   = regexp.MustCompile(`(?:src|href)="([^"]*)"`)
	configTag = regexp.MustCompile(`(?s)<script id="playground-config" type="application/json">(.*?)</script>`)
)

// TestPageLoadsOnlyLocalAssets: every URL the page references is on its own
// origin (or an inline data: URL) and is served, with its content type.
func TestPageLoadsOnlyLocalAssets(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	resp, page := get(t, srv.URL+"/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("page Content-Type = %q", got)
	}
	wantTypes := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
	}
	seen := map[string]bool{}
	for _, m := range srcHref.FindAllStringSubmatch(page, -1) {
		ref := html.UnescapeString(m[1])
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		if !strings.HasPrefix(ref, playground.AssetsPath) || strings.HasPrefix(ref, "//") {
			t.Errorf("the page references %q, not a local asset", ref)
			continue
		}
		path, _, _ := strings.Cut(ref, "?")
		ext := path[strings.LastIndex(path, "."):]
		seen[ext] = true
		resp, body := get(t, srv.URL+ref, nil)
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("GET %s = %d, %d bytes", ref, resp.StatusCode, len(body))
		}
		if got := resp.Header.Get("Content-Type"); got != wantTypes[ext] {
			t.Errorf("GET %s: Content-Type = %q, want %q", ref, got, wantTypes[ext])
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control = %q, want a year, immutable", ref, got)
		}
	}
	if !seen[".js"] || !seen[".css"] {
		t.Errorf("the page should load one script and one stylesheet, found %v in:\n%s", seen, page)
	}
	for _, cdn := range []string{"http:", "https:", "jsdelivr", "unpkg"} {
		if strings.Contains(page, cdn) {
			t.Errorf("the page mentions %q", cdn)
		}
	}
}

// TestContentSecurityPolicy: the page may load and connect to its own
// origin only, and has no inline script to run.
func TestContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	resp, page := get(t, srv.URL+"/", nil)
	csp := resp.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	nonce := pageConfig(t, page).StyleNonce
	want := map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self' 'nonce-" + nonce + "'",
		"connect-src":     "'self' ws://" + host + " wss://" + host,
		"img-src":         "'self' data:",
		"font-src":        "'self' data:",
		"base-uri":        "'none'",
		"form-action":     "'none'",
		"frame-ancestors": "'none'",
	}
	if diff := cmp.Diff(want, directives); diff != "" {
		t.Errorf("Content-Security-Policy %q (-want +got):\n%s", csp, diff)
	}
	if len(nonce) < 16 {
		t.Errorf("style nonce %q is too short", nonce)
	}
	// The only script element with content is the JSON configuration,
	// which browsers do not run.
	for _, m := range regexp.MustCompile(`<script([^>]*)>`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[1], ` src="`) && !strings.Contains(m[1], `type="application/json"`) {
			t.Errorf("inline script <script%s>", m[1])
		}
	}
	// A fresh nonce on every page.
	_, again := get(t, srv.URL+"/", nil)
	if pageConfig(t, again).StyleNonce == nonce {
		t.Error("two pages share a style nonce")
	}
}

// TestContentSecurityPolicyHostileHost: a Host header that is not a plain
// host[:port] is not written into the policy.
func TestContentSecurityPolicyHostileHost(t *testing.T) {
	t.Parallel()
	h := playground.Handler("/graphql", nil)
	for _, host := range []string{"evil;script-src *", "a b", "example.com/x", ""} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "connect-src 'self'; ") || strings.Count(csp, "script-src") != 1 {
			t.Errorf("Host %q: Content-Security-Policy %q", host, csp)
		}
	}
}

type config struct {
	Endpoint   string            `json:"endpoint"`
	Headers    map[string]string `json:"headers"`
	StyleNonce string            `json:"styleNonce"`
}

// pageConfig is the JSON the page gives its script.
func pageConfig(t *testing.T, page string) config {
	t.Helper()
	m := configTag.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no configuration in the page:\n%s", page)
	}
	var c config
	if err := json.Unmarshal([]byte(m[1]), &c); err != nil {
		t.Fatalf("configuration %s: %v", m[1], err)
	}
	return c
}

// TestDefaultHeadersAreEscaped: the server's default headers reach the
// script as JSON, whatever they hold, and cannot end the script element.
func TestDefaultHeadersAreEscaped(t *testing.T) {
	t.Parallel()
	hostile := `</script><script>alert(1)</script><!--"'&`
	headers := map[string]string{"Authorization": "Bearer demo-alice-token", "X-Evil</script>": hostile}
	srv := newServer(t, headers)
	_, page := get(t, srv.URL+"/", nil)

	if n := strings.Count(page, "</script>"); n != 2 {
		t.Errorf("the page has %d </script>, want 2 (config and bundle):\n%s", n, page)
	}
	if strings.Contains(page, "alert(1)</script>") || strings.Contains(page, "<script>") {
		t.Errorf("a header value escaped its JSON:\n%s", page)
	}
	got := pageConfig(t, page)
	if diff := cmp.Diff(config{Endpoint: "/graphql", Headers: headers, StyleNonce: got.StyleNonce}, got); diff != "" {
		t.Errorf("configuration (-want +got):\n%s", diff)
	}
}

// TestNoDefaultHeaders: without default headers the page says none.
func TestNoDefaultHeaders(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	_, page := get(t, srv.URL+"/", nil)
	if got := pageConfig(t, page); got.Endpoint != "/graphql" || got.Headers != nil {
		t.Errorf("configuration = %+v", got)
	}
}

func TestHandlerRefusesAnotherOrigin(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"https://example.com/graphql", "//example.com/graphql", "graphql"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(%q) did not panic", endpoint)
				}
			}()
			playground.Handler(endpoint, nil)
		}()
	}
}
