package gateway

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// failingFlusher is a writer whose flushes fail, as net/http's do once the
// client is gone.
type failingFlusher struct {
	http.ResponseWriter
	err error
}

func (f failingFlusher) FlushError() error { return f.err }

// A failed flush reaches whoever flushes through the request log's
// writer (the SSE transport does, through http.ResponseController): its
// Flush alone would have swallowed it.
func TestStatusWriterReportsAFailedFlush(t *testing.T) {
	broken := errors.New("broken pipe")
	sw := &statusWriter{ResponseWriter: failingFlusher{httptest.NewRecorder(), broken}}
	if err := http.NewResponseController(sw).Flush(); !errors.Is(err, broken) {
		t.Errorf("a failed flush: got %v, want %v", err, broken)
	}
	rec := httptest.NewRecorder()
	sw = &statusWriter{ResponseWriter: rec}
	if err := http.NewResponseController(sw).Flush(); err != nil || !rec.Flushed {
		t.Errorf("a flush that works: got %v, flushed %t", err, rec.Flushed)
	}
}
