package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// Invoice.pdfUrl and htmlUrl point at gateway routes that stream the
// upstream document with the caller's token.
func TestInvoiceDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.query(t, upstreamtest.TokenAlice, `query($o: ID!, $n: ID!) { organisation(id: $o) { invoice(number: $n) { htmlUrl pdfUrl } } }`,
		map[string]any{"o": upstreamtest.OrgAcme, "n": upstreamtest.AcmePaidInvoiceID})
	mustNoErrors(t, r)
	pdfURL := pick(t, r.Data, "organisation", "invoice", "pdfUrl").(string)
	htmlURL := pick(t, r.Data, "organisation", "invoice", "htmlUrl").(string)

	get := func(url, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		e.gw.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(pdfURL, upstreamtest.TokenAlice); rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(rec.Body.String(), "%PDF-") || rec.Header().Get("Cache-Control") != "private, no-store" {
		t.Errorf("pdf: %d %v %.20q", rec.Code, rec.Header(), rec.Body.String())
	}
	if rec := get(htmlURL, upstreamtest.TokenAlice); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("html: %d %v", rec.Code, rec.Header())
	}
	tests := []struct {
		name, url, token, code string
		status                 int
	}{
		{"no token", pdfURL, "", "UNAUTHENTICATED", 401},
		{"another's organisation", pdfURL, upstreamtest.TokenBob, "FORBIDDEN", 403},
		{"unknown invoice", "/invoices/" + upstreamtest.OrgAcme + "/INV-nope.pdf", upstreamtest.TokenAlice, "NOT_FOUND", 404},
		{"other format", "/invoices/" + upstreamtest.OrgAcme + "/" + upstreamtest.AcmePaidInvoiceID + ".docx", upstreamtest.TokenAlice, "BAD_USER_INPUT", 400},
		{"path trick", "/invoices/" + upstreamtest.OrgAcme + "/..%2F..%2Fself.pdf", upstreamtest.TokenAlice, "BAD_USER_INPUT", 400},
	}
	for _, tt := range tests {
		e.fake.ResetCounts()
		rec := get(tt.url, tt.token)
		var body struct {
			Errors []gqlError `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != tt.status || len(body.Errors) != 1 || body.Errors[0].code() != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, rec.Code, rec.Body.String(), tt.status, tt.code)
		}
		if tt.status == 400 || tt.token == "" {
			if n := e.fake.Total(); n != 0 {
				t.Errorf("%s: %d upstream calls", tt.name, n)
			}
		}
	}
}

// Loaders live for one response: the same query twice costs twice.
func TestLoadersLiveForOneResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := `{ zones { name } self { id } }`
	for range 2 {
		mustNoErrors(t, e.query(t, upstreamtest.TokenAlice, q, nil))
	}
	if z, s := e.fake.Count(upstreamtest.RouteZones), e.fake.Count(upstreamtest.RouteSelf); z != 2 || s != 2 {
		t.Errorf("two responses cost %d zones and %d self calls, want 2 and 2", z, s)
	}
}

func TestProbes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/": 200, "/nope": 404} {
		rec := httptest.NewRecorder()
		e.gw.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
		if rec.Header().Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id", path)
		}
	}
	e.gw.BeginDrain()
	rec := httptest.NewRecorder()
	e.gw.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != 503 {
		t.Errorf("draining /readyz: %d, want 503", rec.Code)
	}
}

// GET /graphql serves queries, as browsers and CDNs send them.
func TestGETQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(t, httptest.NewRequest(http.MethodGet, "/graphql?query=%7B+zones+%7B+name+%7D+%7D", nil))
	mustNoErrors(t, r)
	if zones, _ := r.Data["zones"].([]any); len(zones) == 0 {
		t.Errorf("GET answered %s", r.raw)
	}
}

func TestGETRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, target := range []string{
		"/graphql?query=%7B+zones+%7B+name+%7D+%7D&variables=not-json",
		"/graphql?query=%7B+zones+%7B+name+%7D+%7D&extensions=%5B",
		"/graphql?query=%zz",
		"/graphql",
		"/graphql?query=%7B+nope+%7D",
	} {
		r := e.do(t, httptest.NewRequest(http.MethodGet, target, nil))
		if r.status < 400 || len(r.Errors) != 1 || r.Errors[0].code() != "BAD_USER_INPUT" {
			t.Errorf("GET %s: %d %s", target, r.status, r.raw)
		}
	}
	if n := e.fake.Total(); n != 0 {
		t.Errorf("%d upstream calls", n)
	}
}

// The documents gqlgen keeps weigh their syntax trees, not their text: a
// list of empty strings is 3 bytes of text a value and some 216 bytes of
// tree, so 1,000 such documents within the old bound of 2 MiB of text
// held 140 MiB (found by an audit). No token is needed to send them.
// Not parallel: it measures the heap.
func TestKeptDocumentsAreBoundedByWhatTheyWeigh(t *testing.T) {
	e := newEnv(t)
	e.fake.SetRecording(false)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	text := 0
	for i := range 1000 {
		head := fmt.Sprintf(`query D%d{application(ownerId:"o",id:"a"){instances(filter:{includeStates:[`, i)
		q := head + strings.Repeat(`"",`, 660) + `]}){name}}}` // 2 KiB, 680 tokens
		text += len(q)
		if r := e.query(t, "", q, nil); len(r.Errors) == 0 || r.Errors[0].code() != "UNAUTHENTICATED" {
			t.Fatalf("not validated, so not kept: %s", r.raw)
		}
	}
	grown := float64(heap()-before) / (1 << 20)
	t.Logf("1,000 documents, %.1f MiB of text: the heap grew %.1f MiB", float64(text)/(1<<20), grown)
	if grown > 32 { // the bound is 24 MiB of trees, estimated from above
		t.Errorf("the heap grew %.1f MiB, beyond the documents' bound of 24 MiB", grown)
	}
	runtime.KeepAlive(e)
}
