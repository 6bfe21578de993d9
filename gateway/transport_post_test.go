package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// An answer goes with its length, not in chunks, however large: net/http
// then writes it in one go behind its header, and a client knows its size
// up front.
func TestAnswersCarryTheirLength(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := httptest.NewServer(e.gw)
	t.Cleanup(srv.Close)
	for name, query := range map[string]string{
		"large":  orgAppsQuery,
		"small":  `{ zones { name } }`,
		"errors": `{ nope }`,
	} {
		body, err := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"id": upstreamtest.OrgAcme}})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if name == "large" && len(answer) < 16<<10 {
			t.Fatalf("the large answer has %d bytes, not more than net/http's buffers", len(answer))
		}
		if resp.ContentLength != int64(len(answer)) || len(resp.TransferEncoding) > 0 {
			t.Errorf("%s answer (%d bytes, status %d): Content-Length %d, Transfer-Encoding %v",
				name, len(answer), resp.StatusCode, resp.ContentLength, resp.TransferEncoding)
		}
	}
}
