package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// sseCases are the points of the WHATWG "Interpreting an event stream"
// algorithm, each as a whole stream and the events a user agent dispatches.
var sseCases = []struct {
	name string
	in   string
	want []Event
}{
	{"empty stream", "", nil},
	{"one event", "data: hello\n\n", []Event{{Type: "message", Data: "hello"}}},
	{"no space after colon", "data:hello\n\n", []Event{{Type: "message", Data: "hello"}}},
	{"only one space stripped", "data:  hello \n\n", []Event{{Type: "message", Data: " hello "}}},
	{"colon in value", "data: a:b: c\n\n", []Event{{Type: "message", Data: "a:b: c"}}},
	{"data lines joined", "data: a\ndata: b\ndata:c\n\n", []Event{{Type: "message", Data: "a\nb\nc"}}},
	{"no colon is an empty value", "data\n\n", []Event{{Type: "message", Data: ""}}},
	{"empty data dispatches", "data:\n\n", []Event{{Type: "message", Data: ""}}},
	{"trailing empty data line", "data: a\ndata\n\n", []Event{{Type: "message", Data: "a\n"}}},
	{"two empty data lines", "data\ndata\n\n", []Event{{Type: "message", Data: "\n"}}},
	{"CRLF", "data: a\r\ndata: b\r\n\r\n", []Event{{Type: "message", Data: "a\nb"}}},
	{"CR", "data: a\rdata: b\r\r", []Event{{Type: "message", Data: "a\nb"}}},
	{"mixed line ends", "data: a\r\ndata: b\rdata: c\n\r\n", []Event{{Type: "message", Data: "a\nb\nc"}}},
	{"CR then CRLF is two line ends", "data: a\r\r\ndata: b\n\n", []Event{{Type: "message", Data: "a"}, {Type: "message", Data: "b"}}},
	{"LF CR is two line ends", "data: a\n\rdata: b\n\n", []Event{{Type: "message", Data: "a"}, {Type: "message", Data: "b"}}},
	{"BOM skipped", "\xef\xbb\xbfdata: x\n\n", []Event{{Type: "message", Data: "x"}}},
	{"only one BOM skipped", "\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n", []Event{{Type: "message", Data: "y"}}},
	{"BOM prefix is data", "\xef\xbbdata: x\n\ndata: y\n\n", []Event{{Type: "message", Data: "y"}}},
	{"BOM only", "\xef\xbb\xbf", nil},
	{"comments", ": hello\ndata: x\n:\n: data: y\n\n", []Event{{Type: "message", Data: "x"}}},
	{"comment alone dispatches nothing", ": ping\n\n", nil},
	{"event type", "event: add\ndata: 1\n\ndata: 2\n\n", []Event{{Type: "add", Data: "1"}, {Type: "message", Data: "2"}}},
	{"type reset without dispatch", "event: add\n\ndata: 2\n\n", []Event{{Type: "message", Data: "2"}}},
	{"empty event type", "event: add\nevent\ndata: 1\n\n", []Event{{Type: "message", Data: "1"}}},
	{"last event type wins", "event: a\nevent: b\ndata: 1\n\n", []Event{{Type: "b", Data: "1"}}},
	{"id persists", "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
		[]Event{{Type: "message", Data: "a", ID: "1"}, {Type: "message", Data: "b", ID: "1"}, {Type: "message", Data: "c"}}},
	{"id after data in the same event", "data: a\nid: 7\n\n", []Event{{Type: "message", Data: "a", ID: "7"}}},
	{"id without data is kept", "id: 5\n\ndata: a\n\n", []Event{{Type: "message", Data: "a", ID: "5"}}},
	{"id with NUL ignored", "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
		[]Event{{Type: "message", Data: "a", ID: "1"}, {Type: "message", Data: "b", ID: "1"}}},
	{"retry", "retry: 1500\ndata: a\n\ndata: b\n\n",
		[]Event{{Type: "message", Data: "a", Retry: 1500 * time.Millisecond}, {Type: "message", Data: "b"}}},
	{"retry zero", "retry:0\ndata: a\n\n", []Event{{Type: "message", Data: "a"}}},
	{"retry not digits", "retry: 15x\ndata: a\n\nretry\ndata: b\n\nretry: -1\ndata: c\n\nretry:  10\ndata: d\n\nretry: 1.5\ndata: e\n\n",
		[]Event{{Type: "message", Data: "a"}, {Type: "message", Data: "b"}, {Type: "message", Data: "c"}, {Type: "message", Data: "d"}, {Type: "message", Data: "e"}}},
	{"retry huge", "retry: 99999999999999999999999999\ndata: a\n\n", []Event{{Type: "message", Data: "a", Retry: maxRetry}}},
	{"retry without data is dropped", "retry: 10\n\ndata: a\n\n", []Event{{Type: "message", Data: "a"}}},
	{"unknown fields ignored", "foo: bar\nData: x\ndata : y\n data: z\ndata: a\n\n", []Event{{Type: "message", Data: "a"}}},
	{"NUL in data kept", "data: a\x00b\n\n", []Event{{Type: "message", Data: "a\x00b"}}},
	{"invalid UTF-8 replaced", "data: \xff\xe2\x82a\xed\xa0\x80\xf0\x9f\x98\x80\n\n",
		[]Event{{Type: "message", Data: "\ufffd\ufffda\ufffd\ufffd\ufffd😀"}}},
	{"incomplete event discarded", "data: a\n\ndata: b\n", []Event{{Type: "message", Data: "a"}}},
	{"incomplete line discarded", "data: a\n\ndata: b", []Event{{Type: "message", Data: "a"}}},
	{"incomplete typed event discarded", "data: a\n\nevent: x\ndata: b\nid: 9\n", []Event{{Type: "message", Data: "a"}}},
}

// readEvents reads r to its end.
func readEvents(r *SSEReader) ([]Event, error) {
	var events []Event
	for {
		ev, err := r.Next()
		if err != nil {
			return events, err
		}
		events = append(events, ev)
	}
}

// chunked returns a reader of in that returns at most a few bytes per Read,
// in sizes drawn from seed.
func chunked(in []byte, seed uint64) io.Reader {
	return &chunkReader{in: in, rnd: rand.New(rand.NewPCG(seed, 1))}
}

type chunkReader struct {
	in  []byte
	rnd *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.in), 1+c.rnd.IntN(7))
	copy(p, c.in[:n])
	c.in = c.in[n:]
	return n, nil
}

// splits returns the ways of feeding in to a reader: whole, one byte at a
// time, cut in two at every byte boundary, and in random chunks.
func splits(in string) map[string]io.Reader {
	b := []byte(in)
	rs := map[string]io.Reader{
		"whole":    strings.NewReader(in),
		"one byte": iotest.OneByteReader(strings.NewReader(in)),
	}
	for i := 1; i < len(b); i++ {
		rs[fmt.Sprintf("split at %d", i)] = io.MultiReader(bytes.NewReader(b[:i]), bytes.NewReader(b[i:]))
	}
	for seed := range uint64(4) {
		rs[fmt.Sprintf("chunks %d", seed)] = chunked(b, seed)
	}
	return rs
}

func TestSSEReaderSpec(t *testing.T) {
	t.Parallel()
	for _, tt := range sseCases {
		for how, r := range splits(tt.in) {
			got, err := readEvents(NewSSEReader(r, 0, 0))
			if !errors.Is(err, io.EOF) {
				t.Errorf("%s (%s): error %v, want io.EOF", tt.name, how, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (%s): events (-want +got):\n%s", tt.name, how, diff)
			}
		}
	}
}

func TestSSEReaderLastEventID(t *testing.T) {
	t.Parallel()
	r := NewSSEReader(strings.NewReader("id: 1\ndata: a\n\nid: 2\n\nid: 3\n"), 0, 0)
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if got := r.LastEventID(); got != "1" {
		t.Errorf("after the first event LastEventID = %q, want 1", got)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	// An id with no data counts once its blank line comes; one cut by the
	// end of the stream does not.
	if got := r.LastEventID(); got != "2" {
		t.Errorf("at the end LastEventID = %q, want 2", got)
	}
}

func TestSSEReaderTypedOnly(t *testing.T) {
	t.Parallel()
	in := "event: HEARTBEAT\n\nevent: x\nid: 4\n\n\ndata: a\n\n"
	r := NewSSEReader(strings.NewReader(in), 0, 0)
	r.typedOnly()
	got, err := readEvents(r)
	want := []Event{{Type: "HEARTBEAT"}, {Type: "x", ID: "4"}, {Type: "message", Data: "a", ID: "4"}}
	if diff := cmp.Diff(want, got); diff != "" || !errors.Is(err, io.EOF) {
		t.Errorf("typed events (-want +got):\n%s\nerror %v", diff, err)
	}
}

// endless repeats a pattern forever.
type endless struct {
	pattern []byte
	off     int
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.pattern[e.off%len(e.pattern)]
		e.off++
	}
	return len(p), nil
}

func TestSSEReaderBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		in                io.Reader
		maxLine, maxEvent int
		want              []Event
		err               error
	}{
		{"line at the bound", strings.NewReader("data: 1234\n\n"), 10, 0, []Event{{Type: "message", Data: "1234"}}, io.EOF},
		{"line past the bound", strings.NewReader("data: 12345\n\n"), 10, 0, nil, ErrLineTooLong},
		{"comment past the bound", strings.NewReader(": 123456789\n\n"), 10, 0, nil, ErrLineTooLong},
		{"CRLF not counted", strings.NewReader("data: 1234\r\n\r\n"), 10, 0, []Event{{Type: "message", Data: "1234"}}, io.EOF},
		{"event at the bound", strings.NewReader("data: 1234\ndata: 1234\n\n"), 0, 10, []Event{{Type: "message", Data: "1234\n1234"}}, io.EOF},
		{"event past the bound", strings.NewReader("data: 1234\ndata: 12345\n\n"), 0, 10, nil, ErrEventTooLarge},
		{"bounds are per event", strings.NewReader("data: 123456789\n\ndata: 123456789\n\n"), 0, 10,
			[]Event{{Type: "message", Data: "123456789"}, {Type: "message", Data: "123456789"}}, io.EOF},
		{"endless line", &endless{pattern: []byte("x")}, 1000, 0, nil, ErrLineTooLong},
		{"endless event", &endless{pattern: []byte("data: xxxxxxxx\n")}, 0, 1 << 16, nil, ErrEventTooLarge},
		{"endless comments end nothing", io.LimitReader(&endless{pattern: []byte(": x\r\n")}, 1<<20), 0, 0, nil, io.EOF},
		{"default line bound", strings.NewReader("data:" + strings.Repeat("x", DefaultSSEMaxLine) + "\n\n"), 0, 0, nil, ErrLineTooLong},
		{"event after good one", strings.NewReader("data: ok\n\ndata: 123456789012\n\n"), 0, 10, []Event{{Type: "message", Data: "ok"}}, ErrEventTooLarge},
	}
	for _, tt := range tests {
		r := NewSSEReader(tt.in, tt.maxLine, tt.maxEvent)
		got, err := readEvents(r)
		if diff := cmp.Diff(tt.want, got); diff != "" || !errors.Is(err, tt.err) {
			t.Errorf("%s: error %v, want %v; events (-want +got):\n%s", tt.name, err, tt.err, diff)
		}
		if _, again := r.Next(); !errors.Is(again, tt.err) {
			t.Errorf("%s: the error is not final: then %v", tt.name, again)
		}
	}
}

func TestSSEReaderErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := NewSSEReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(boom)), 0, 0)
	got, err := readEvents(r)
	if diff := cmp.Diff([]Event{{Type: "message", Data: "a"}}, got); diff != "" || !errors.Is(err, boom) {
		t.Errorf("error %v, want boom; events (-want +got):\n%s", err, diff)
	}
	for _, in := range []string{"", "\xef", "\xef\xbb"} {
		r := NewSSEReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom)), 0, 0)
		if _, err := r.Next(); !errors.Is(err, boom) {
			t.Errorf("%q then an error: Next = %v, want boom", in, err)
		}
	}
}

// TestSSEReaderDoesNotWaitAfterDispatch checks that a blank line dispatches
// at once on a live stream: the reader must not wait for the byte after a CR
// to know whether it is a CRLF.
func TestSSEReaderDoesNotWaitAfterDispatch(t *testing.T) {
	t.Parallel()
	for _, end := range []string{"\n", "\r\n", "\r"} {
		pr, pw := io.Pipe()
		r := NewSSEReader(pr, 0, 0)
		go pw.Write([]byte("data: a" + end + end)) // then the pipe stays open
		got := make(chan Event, 1)
		go func() {
			ev, _ := r.Next()
			got <- ev
		}()
		select {
		case ev := <-got:
			if ev.Data != "a" {
				t.Errorf("line end %q: got %+v", end, ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("line end %q: Next waits for more input after a complete event", end)
		}
		pw.Close()
	}
}

// encodeEvents writes events as a server would, with the given line end.
// Each event has an id: line, so IDs round-trip exactly.
func encodeEvents(events []Event, end string) []byte {
	var b bytes.Buffer
	for i, ev := range events {
		if i%2 == 1 {
			b.WriteString(": keep-alive" + end)
		}
		if ev.Type != "message" {
			b.WriteString("event: " + ev.Type + end)
		}
		b.WriteString("id: " + ev.ID + end)
		if ev.Retry > 0 {
			fmt.Fprintf(&b, "retry: %d%s", ev.Retry.Milliseconds(), end)
		}
		for line := range strings.SplitSeq(ev.Data, "\n") {
			b.WriteString("data: " + line + end)
		}
		b.WriteString(end)
	}
	return b.Bytes()
}

// eventsFrom derives encodable events from fuzz input: ";"-separated
// type, id and data, with what no encoder can write (CR everywhere, LF in
// types and ids, NUL in ids, invalid UTF-8) taken out.
func eventsFrom(in []byte) []Event {
	s := strings.ReplaceAll(strings.ToValidUTF8(string(in), "\ufffd"), "\r", "")
	parts := strings.Split(s, ";")
	var events []Event
	for i := 0; i+2 < len(parts); i += 3 {
		ev := Event{
			Type: strings.ReplaceAll(parts[i], "\n", ""),
			ID:   strings.NewReplacer("\n", "", "\x00", "").Replace(parts[i+1]),
			Data: parts[i+2],
		}
		if ev.Type == "" {
			ev.Type = "message"
		}
		if n := len(ev.Data); n%3 == 0 {
			ev.Retry = time.Duration(n*100) * time.Millisecond
		}
		events = append(events, ev)
	}
	return events
}

func FuzzSSEReader(f *testing.F) {
	for _, tt := range sseCases {
		f.Add([]byte(tt.in), uint8(len(tt.in)))
	}
	f.Add([]byte("APPLICATION_LOG;app-1;{\"message\":\"line 1\"};HEARTBEAT;;;END_OF_STREAM;;{\"endedBy\":\"UNTIL_REACHED\"}"), uint8(1))
	f.Add([]byte("a;b;c\nd\n\n;message;\x00;"), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, seed uint8) {
		const maxLine, maxEvent = 256, 1024
		whole, wholeErr := readEvents(NewSSEReader(bytes.NewReader(in), maxLine, maxEvent))
		if !errors.Is(wholeErr, io.EOF) && !errors.Is(wholeErr, ErrLineTooLong) && !errors.Is(wholeErr, ErrEventTooLarge) {
			t.Fatalf("unexpected error %v", wholeErr)
		}
		// Every event needs at least "data\n\n"; none outgrows the bounds (3
		// bytes per input byte at most, from U+FFFD); all is valid UTF-8.
		if len(whole) > len(in)/6 {
			t.Fatalf("%d events out of %d bytes", len(whole), len(in))
		}
		for _, ev := range whole {
			if len(ev.Data) > maxEvent || len(ev.ID) > 3*maxLine || len(ev.Type) > 3*maxLine {
				t.Fatalf("event out of bounds: %d data, %d id, %d type bytes", len(ev.Data), len(ev.ID), len(ev.Type))
			}
			if !utf8.ValidString(ev.Data) || !utf8.ValidString(ev.ID) || !utf8.ValidString(ev.Type) {
				t.Fatalf("invalid UTF-8 in %+q", ev)
			}
		}

		// How the input is cut into reads changes nothing.
		pieces, piecesErr := readEvents(NewSSEReader(chunked(in, uint64(seed)), maxLine, maxEvent))
		if diff := cmp.Diff(whole, pieces); diff != "" || !errors.Is(piecesErr, wholeErr) {
			t.Fatalf("read in chunks: error %v, want %v; events (-whole +chunks):\n%s", piecesErr, wholeErr, diff)
		}

		// What an encoder writes reads back the same.
		want := eventsFrom(in)
		end := []string{"\n", "\r\n", "\r"}[seed%3]
		got, err := readEvents(NewSSEReader(chunked(encodeEvents(want, end), uint64(seed)), 0, 0))
		if diff := cmp.Diff(want, got); diff != "" || !errors.Is(err, io.EOF) {
			t.Fatalf("round trip with line end %q: error %v; events (-want +got):\n%s", end, err, diff)
		}
	})
}
