package logtail

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cleverql/gateway/upstream"
)

// quietStream is an upstream stream that sends no line: an application
// that logs nothing, or a filter that matches nothing.
type quietStream struct {
	closed chan struct{}
	open   *atomic.Int64
}

func (s *quietStream) Next() (upstream.LogEvent, error) {
	<-s.closed
	return upstream.LogEvent{}, context.Canceled
}

func (s *quietStream) Close() error {
	select {
	case <-s.closed:
	default:
		close(s.closed)
		s.open.Add(-1)
	}
	return nil
}

// A subscriber that leaves while its live tail's stream opens leaves no
// stream behind. Join used to pick between the open's end and the
// subscriber's at random, and returned half the time without joining: the
// topic then had no subscriber, and only a line (never, on a quiet
// application) would have closed its stream. A client that subscribed and
// left in a loop, with a filter of its own each time, kept a stream and a
// goroutine for each. (Found by an audit: 506 of 1,000 stayed open.)
func TestHubClosesTopicsWhoseSubscriberLeftDuringTheOpen(t *testing.T) {
	h := NewHub(Config{Heartbeat: time.Hour})
	var open atomic.Int64
	goroutines := runtime.NumGoroutine()
	for i := range 200 {
		ctx, cancel := context.WithCancel(t.Context())
		opener := func(context.Context, string, int) (Stream, error) {
			cancel() // the client goes away while the upstream answers
			open.Add(1)
			return &quietStream{closed: make(chan struct{}), open: &open}, nil
		}
		if f, err := h.Join(ctx, fmt.Sprintf("token|org|app|filter=%d", i), opener); err == nil {
			f.Leave() // as the gateway does when the subscription's handler ends
		}
	}
	if n := h.Topics(); n != 0 {
		t.Errorf("%d topics stay open without a subscriber", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for open.Load() != 0 || runtime.NumGoroutine() > goroutines {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %d upstream streams open, goroutines %d → %d", open.Load(), goroutines, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
