package playground_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/cleverql/gateway/playground"
)

// scriptURL is the versioned URL of playground.js, as the page links it.
func scriptURL(t *testing.T, srvURL string) string {
	t.Helper()
	_, page := get(t, srvURL+"/", nil)
	m := regexp.MustCompile(`src="(/playground/playground\.js\?v=[0-9a-f]{16})"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no versioned playground.js in the page:\n%s", page)
	}
	return m[1]
}

func TestAssetsGzip(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	ref := scriptURL(t, srv.URL)
	_, plain := get(t, srv.URL+ref, nil)

	resp, zipped := get(t, srv.URL+ref, http.Header{"Accept-Encoding": {"gzip, deflate, br"}})
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(strings.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unzipped, []byte(plain)) {
		t.Error("the gzipped asset differs from the plain one")
	}
	if len(zipped) >= len(plain)/2 {
		t.Errorf("gzip gave %d bytes of %d", len(zipped), len(plain))
	}
	for _, ae := range []string{"", "identity", "gzip;q=0", "gzip;q=0, *", "br"} {
		resp, _ := get(t, srv.URL+ref, http.Header{"Accept-Encoding": {ae}})
		if got := resp.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q", ae, got)
		}
	}
}

func TestAssetsCaching(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	ref := scriptURL(t, srv.URL)
	resp, _ := get(t, srv.URL+ref, nil)
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp, body := get(t, srv.URL+ref, http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match: %d, %d bytes", resp.StatusCode, len(body))
	}
	// Another version (an old page, a hand-typed URL) is not pinned.
	path, _, _ := strings.Cut(ref, "?")
	for _, u := range []string{path, path + "?v=0123456789abcdef"} {
		resp, _ := get(t, srv.URL+u, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d, Cache-Control %q", u, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}

func TestAssetsNotFound(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	for _, p := range []string{"nope.js", "", "page.html", "assets/playground.js", "build/package.json"} {
		resp, _ := get(t, srv.URL+playground.AssetsPath+p, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s%s = %d, want 404", playground.AssetsPath, p, resp.StatusCode)
		}
	}
}
