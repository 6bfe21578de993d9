package gqlerr_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/upstream"
)

func presenter(logs *bytes.Buffer) gqlerr.Presenter {
	return gqlerr.Presenter{
		Logger:    slog.New(slog.NewTextHandler(logs, nil)),
		RequestID: func(context.Context) string { return "req-42" },
	}
}

func TestUnknownErrorsAreInternalAndLogged(t *testing.T) {
	var logs bytes.Buffer
	secret := errors.New(`dial tcp 10.0.0.7:443: token "Bearer sk_live" refused`)
	e := presenter(&logs).Present(t.Context(), fmt.Errorf("wrapped: %w", secret))
	if e.Message != "internal error" || e.Extensions["code"] != gqlerr.Internal || e.Extensions["requestId"] != "req-42" {
		t.Errorf("presented %+v", e)
	}
	if strings.Contains(e.Error(), "10.0.0.7") || strings.Contains(e.Error(), "sk_live") {
		t.Errorf("internal text reached the client: %s", e.Error())
	}
	if !strings.Contains(logs.String(), "10.0.0.7") || !strings.Contains(logs.String(), "req-42") {
		t.Errorf("the log lacks the error or the request id: %s", logs.String())
	}
}

func TestUpstreamErrorsCarryStatusAndSozuID(t *testing.T) {
	var logs bytes.Buffer
	p := presenter(&logs)
	tests := []struct {
		status int
		code   string
	}{
		{401, gqlerr.Unauthenticated}, {403, gqlerr.Forbidden}, {404, gqlerr.NotFound}, {400, gqlerr.BadUserInput},
		{429, gqlerr.RateLimited}, {503, gqlerr.UpstreamUnavailable}, {504, gqlerr.UpstreamTimeout},
	}
	for _, tt := range tests {
		ue := upstreamError(t, tt.status)
		e := p.Present(t.Context(), fmt.Errorf("list things: %w", ue))
		up, _ := e.Extensions["upstream"].(map[string]any)
		if e.Extensions["code"] != tt.code || up["status"] != tt.status || up["sozuId"] != "sozu-1" {
			t.Errorf("status %d: presented %+v", tt.status, e)
		}
		if gqlerr.HTTPStatus(tt.code) < 400 {
			t.Errorf("%s: HTTP status %d", tt.code, gqlerr.HTTPStatus(tt.code))
		}
	}
	if logs.Len() != 0 {
		t.Errorf("classified errors were logged as internal: %s", logs.String())
	}
}

// upstreamError builds an *upstream.Error the way the client does, from a
// real response.
func upstreamError(t *testing.T, status int) error {
	t.Helper()
	srv := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Sozu-Id", "sozu-1")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"code":"x","error":"upstream words"}`))
	})
	c, err := upstream.New(upstream.WithHTTPClient(&http.Client{Transport: handlerTransport{srv}}), upstream.WithTimeout(1e9))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListZones(t.Context(), nil)
	if err == nil {
		t.Fatal("no error")
	}
	return err
}

// handlerTransport serves requests with an in-process handler.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	ht.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func TestGraphQLErrorsGetContractCodes(t *testing.T) {
	var logs bytes.Buffer
	p := presenter(&logs)
	validation := &gqlerror.Error{Message: `Cannot query field "x"`, Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}
	if e := p.Present(t.Context(), validation); e.Extensions["code"] != gqlerr.BadUserInput || e.Extensions["reason"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("validation error presented %+v", e)
	}
	decode := gqlerror.Errorf("json request body could not be decoded: invalid character 'x' body:{secret}")
	if e := p.Present(t.Context(), decode); e.Extensions["code"] != gqlerr.BadUserInput || strings.Contains(e.Message, "secret") {
		t.Errorf("decode error presented %+v", e)
	}
	runtime := &gqlerror.Error{Message: "must not be null", Path: ast.Path{ast.PathName("a"), ast.PathName("b")}}
	if e := p.Present(t.Context(), runtime); e.Extensions["code"] != gqlerr.Internal {
		t.Errorf("runtime error presented %+v", e)
	}
	if e := p.Present(t.Context(), gqlerr.BadInput("limit must be positive")); e.Message != "limit must be positive" || e.Extensions["code"] != gqlerr.BadUserInput {
		t.Errorf("bad input presented %+v", e)
	}
	if e := p.Present(t.Context(), upstream.ErrNoToken); e.Extensions["code"] != gqlerr.Unauthenticated || e.Extensions["upstream"] != nil {
		t.Errorf("no token presented %+v", e)
	}
}

func TestRecoverTurnsPanicsIntoInternalErrors(t *testing.T) {
	var logs bytes.Buffer
	p := presenter(&logs)
	err := p.Recover(t.Context(), "boom: secret detail")
	e := p.Present(t.Context(), err)
	if e.Message != "internal error" || e.Extensions["code"] != gqlerr.Internal || e.Extensions["requestId"] != "req-42" {
		t.Errorf("presented %+v", e)
	}
	if !strings.Contains(logs.String(), "boom: secret detail") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the log lacks the panic or its stack: %s", logs.String())
	}
}
