package gateway_test

import (
	"io"
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
		// queryRequest's request is a server's; sent by a client, it goes to srv.
		req := queryRequest(t, upstreamtest.TokenAlice, query, map[string]any{"id": upstreamtest.OrgAcme}).WithContext(t.Context())
		req.RequestURI = ""
		req.URL.Scheme, req.URL.Host = "http", srv.Listener.Addr().String()
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
