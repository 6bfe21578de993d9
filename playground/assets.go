package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// AssetsPath is where [Assets] is mounted and where the page loads its
// JavaScript and CSS from.
const AssetsPath = "/playground/"

//go:embed assets
var assetFiles embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	version     string // the first 16 hex digits of the body's SHA-256
	gzipped     func() []byte
}

type assetSet map[string]*asset

// assets are the embedded files, hashed once at start.
var assets = loadAssets()

// contentTypes are set by extension, not from the system's MIME tables,
// which differ between machines.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

func loadAssets() assetSet {
	entries, err := assetFiles.ReadDir("assets")
	if err != nil {
		panic(err)
	}
	set := assetSet{}
	for _, e := range entries {
		body, err := assetFiles.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !ok {
			continue
		}
		sum := sha256.Sum256(body)
		set[e.Name()] = &asset{
			body:        body,
			contentType: ct,
			version:     hex.EncodeToString(sum[:8]),
			gzipped:     sync.OnceValue(func() []byte { return gzipBytes(body) }),
		}
	}
	return set
}

// url is the versioned URL the page links name with.
func (s assetSet) url(name string) string {
	a, ok := s[name]
	if !ok {
		panic("playground: asset " + name + " is not embedded: run build/build.sh")
	}
	return AssetsPath + name + "?v=" + a.version
}

// Assets serves the playground's JavaScript and CSS, mounted at
// [AssetsPath]. A URL whose ?v= is the file's current hash, as the page
// links them, is cached for a year; any other is revalidated. Files are
// gzipped, once, for clients that accept it.
func Assets() http.Handler {
	return http.StripPrefix(AssetsPath, http.HandlerFunc(serveAsset))
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, `"`+a.version+`"`
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = a.gzipped(), `"`+a.version+`-gzip"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	// ServeContent answers If-None-Match, HEAD and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip: named
// or through *, with a q other than 0; gzip's own entry wins over *.
func acceptsGzip(header string) bool {
	starOK := false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		ok := q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip":
			return ok
		case "*":
			starOK = ok
		}
	}
	return starOK
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	_, _ = zw.Write(b)                                       // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes()
}
