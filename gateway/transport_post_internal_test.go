package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// mockServer serves a small schema whose query answers data, with errs
// and ext, through transport t alone.
func mockServer(t graphql.Transport, data string, errs gqlerror.List, ext map[string]any) *handler.Server {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { name: String! } type Mutation { name: String! }`})
	srv := handler.New(&graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			if graphql.GetOperationContext(ctx).Operation.Operation == ast.Mutation {
				return graphql.OneShot(graphql.ErrorResponse(ctx, "no <mutations> here"))
			}
			resp := &graphql.Response{Errors: errs, Extensions: ext}
			if data != "" {
				resp.Data = json.RawMessage(data)
			}
			return graphql.OneShot(resp)
		},
	})
	srv.AddTransport(t)
	return srv
}

// postTransport answers exactly as gqlgen's transport.POST does: the same
// status, content type and bytes, for answers with and without errors,
// extensions and characters json.Marshal escapes, and for every Accept
// header. A body that is no GraphQL request gets the same status and
// content type, and an error of its own: gqlgen's holds Go's words and
// the body.
func TestPostTransportAnswersAsGqlgens(t *testing.T) {
	t.Parallel()
	answers := []struct {
		data string
		errs gqlerror.List
		ext  map[string]any
	}{
		{data: `{"name":"test"}`},
		{data: `{"name":"é ü 日本 \"quoted\" \\ \u0001"}`},
		{data: `{"name":"<b>bold</b> & more"}`},
		{data: "{\"name\":\"line\u2028separator\"}"},
		{data: `{"name":null}`, errs: gqlerror.List{{Message: "failed <here>", Path: ast.Path{ast.PathName("name")}, Extensions: map[string]any{"code": "NOT_FOUND"}}}},
		{data: `{"name":"x"}`, ext: map[string]any{"cost": 3, "note": "a&b"}},
		{data: ""},
	}
	requests := []struct{ body, accept string }{
		{`{"query":"{ name }"}`, ""},
		{`{"query":"{ name }"}`, "application/json"},
		{`{"query":"{ name }"}`, "application/graphql-response+json"},
		{`{"query":"{ name }"}`, "text/html"},
		{`{"query":"{ name }"}`, "*/*;q=0.8, application/graphql-response+json"},
		{`{"query":"{ nope }"}`, ""},
		{`{"query":"{ nope }"}`, "application/graphql-response+json"},
		{`{"query":"{ name "}`, ""},
		{`{"query":"mutation { name }"}`, ""},
		{`{"query": 12}`, ""},
		{`not json <at all>`, ""},
		{`{"query":"query($v: Int!) { name }","variables":{"v":"x"}}`, ""},
	}
	for i, a := range answers {
		ours, theirs := mockServer(postTransport{}, a.data, a.errs, a.ext), mockServer(transport.POST{}, a.data, a.errs, a.ext)
		for _, r := range requests {
			name := fmt.Sprintf("answer %d, %s, Accept %q", i, r.body, r.accept)
			do := func(srv *handler.Server) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader([]byte(r.body)))
				req.Header.Set("Content-Type", "application/json")
				if r.accept != "" {
					req.Header.Set("Accept", r.accept)
				}
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				return rec
			}
			got, want := do(ours), do(theirs)
			if r.body == `{"query": 12}` || strings.HasPrefix(r.body, "not json") {
				if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") ||
					!bytes.Contains(got.Body.Bytes(), []byte("not a valid GraphQL request")) || bytes.Contains(got.Body.Bytes(), []byte("<at all>")) {
					t.Errorf("%s:\ngot  %d %s %s\nwant %d %s and a clear error", name, got.Code, got.Header().Get("Content-Type"), got.Body.Bytes(),
						want.Code, want.Header().Get("Content-Type"))
				}
				continue
			}
			if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
				t.Errorf("%s:\ngot  %d %s %s\nwant %d %s %s", name, got.Code, got.Header().Get("Content-Type"), got.Body.Bytes(),
					want.Code, want.Header().Get("Content-Type"), want.Body.Bytes())
			}
		}
	}
}

// writeResponse writes what json.Marshal writes, whatever the data holds.
func FuzzWriteResponse(f *testing.F) {
	for _, s := range []string{"test", "<", ">", "a&b", "\u2028", "\u2029", "日本", "\"\\\x00", ""} {
		f.Add(s, false, false)
	}
	f.Add("x", true, true)
	f.Fuzz(func(t *testing.T, s string, withErr, withExt bool) {
		var data bytes.Buffer
		enc := json.NewEncoder(&data)
		enc.SetEscapeHTML(false) // as gqlgen writes strings: json.Marshal would escape them
		if err := enc.Encode(map[string]string{"name": s}); err != nil {
			t.Skip()
		}
		resp := &graphql.Response{Data: bytes.TrimSuffix(data.Bytes(), []byte("\n"))}
		if withErr {
			resp.Errors = gqlerror.List{{Message: s, Path: ast.Path{ast.PathName("name")}}}
		}
		if withExt {
			resp.Extensions = map[string]any{"s": s}
		}
		want, err := json.Marshal(resp)
		if err != nil {
			t.Skip()
		}
		var got bytes.Buffer
		writeResponse(&got, resp)
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("got  %s\nwant %s", got.Bytes(), want)
		}
	})
}

// A clean answer takes the way that does not go over its data again.
func TestWriteResponseTakesTheDirectWay(t *testing.T) {
	t.Parallel()
	for _, data := range []string{`{"name":"test"}`, `{"a":[1,2.5,true,null,{"b":"日本"}]}`} {
		if _, ok := appendResponse(nil, &graphql.Response{Data: json.RawMessage(data)}); !ok {
			t.Errorf("%s went through json.Marshal", data)
		}
	}
}

// An answer is encoded into a buffer used again for the next one, not
// into one of its own: writing a 20 KB answer 1,000 times allocates far
// less than a buffer per answer. The bound is on bytes, not none: under
// the race detector a sync.Pool drops a quarter of what it is given. Not
// parallel: the process's allocations are counted.
func TestWriteResponseReusesItsBuffer(t *testing.T) {
	const size = 20 << 10
	resp := &graphql.Response{Data: json.RawMessage(`{"a":"` + strings.Repeat("x", size) + `"}`)}
	writeResponse(io.Discard, resp) // the first buffer
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 1000 {
		writeResponse(io.Discard, resp)
	}
	runtime.ReadMemStats(&after)
	if perAnswer := (after.TotalAlloc - before.TotalAlloc) / 1000; perAnswer > size/2 {
		t.Errorf("%d bytes allocated per answer of %d, want its buffer reused", perAnswer, size)
	}
}
