package gateway_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cleverql/gateway/internal/wait"
)

func TestDrainClosesWebsocketsAndSubscriptions(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, nil)
	fake, gw := e.fake, e.gw
	srv := newServer(t, gw)

	ws := subscribe(t, srv, logVars(nil))
	if m := read(t, ws); m.Type != "next" {
		t.Fatalf("got %+v", m)
	}
	sse := subscribeSSE(t, srv, logVars(nil))
	events := make(chan string, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(sse.Body)
		for sc.Scan() {
			if e, ok := strings.CutPrefix(sc.Text(), "event:"); ok {
				events <- strings.TrimSpace(e)
			}
		}
	}()
	if e := <-events; e != "next" {
		t.Fatalf("SSE: %q", e)
	}

	gw.BeginDrain()
	if resp, err := http.Get(srv.URL + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining: %v %v", resp, err)
	}
	if _, resp, err := wsDial(t, srv, "graphql-transport-ws", nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a new websocket while draining: %v %v", resp, err)
	}
	if nws, nsubs := gw.CloseLongLived(); nws != 1 || nsubs != 2 {
		t.Errorf("closed %d websockets and %d subscriptions, want 1 and 2", nws, nsubs)
	}
	err := closedWith(ws)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Errorf("websocket ended with %v, want close 1001", err)
	}
	last := ""
	for e := range events { // the SSE stream completes and ends
		last = e
	}
	if last != "complete" {
		t.Errorf("SSE ended after %q, want complete", last)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := fake.WaitOpenStreams(ctx, 0); err != nil {
		t.Errorf("%d upstream streams still open", fake.OpenStreams())
	}
	// Each subscription was forgotten as it ended, a websocket's with its
	// socket: a second drain finds nothing left.
	wait.Until(t, "the ended subscriptions to be forgotten", func() bool {
		nws, nsubs := gw.CloseLongLived()
		return nws == 0 && nsubs == 0
	})
}
