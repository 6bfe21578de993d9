package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of an [SSEReader] when [NewSSEReader] is given none.
const (
	DefaultSSEMaxLine  = 64 << 10
	DefaultSSEMaxEvent = 1 << 20
)

// Errors of an [SSEReader] whose input breaks its bounds. They are final: the
// reader returns the same error from then on.
var (
	ErrLineTooLong   = errors.New("sse: line too long")
	ErrEventTooLarge = errors.New("sse: event too large")
)

// Event is one dispatched server-sent event.
type Event struct {
	Type  string        // "message" when no event: field came
	Data  string        // the data: lines, joined with "\n"
	ID    string        // the last event ID buffer at dispatch: ids persist across events
	Retry time.Duration // 0 when no valid retry: field came with this event
}

// SSEReader reads a text/event-stream as the WHATWG HTML specification
// ("Server-sent events", "Interpreting an event stream") says a user agent
// does: one leading BOM skipped, CRLF, LF or CR line ends, comments, fields
// with or without a space after the colon, data lines joined with "\n", the
// last event ID kept across events, retry: only with ASCII digits, and an
// incomplete event discarded at the end of the stream. Invalid UTF-8 is
// replaced by U+FFFD as the specification's UTF-8 decode does.
//
// Memory stays bounded whatever the input: a line longer than maxLine bytes
// fails with [ErrLineTooLong], an event whose data passes maxEvent bytes with
// [ErrEventTooLarge]. An SSEReader is not safe for concurrent use.
type SSEReader struct {
	br       *bufio.Reader
	maxLine  int
	maxEvent int

	started bool   // the BOM check is done
	skipLF  bool   // the last line ended in CR: a LF right after belongs to it
	line    []byte // the line being read, reused
	err     error  // final

	data        []byte // data buffer, "\n" after each data: line
	eventType   string
	lastID      string        // last event ID buffer
	lastIDSet   string        // last event ID string, as of the last dispatch
	retry       time.Duration // from a retry: field since the last blank line
	typedEvents bool          // also dispatch events that have a type but no data (see typedOnly)
}

// NewSSEReader returns a reader of r's event stream. maxLine and maxEvent are
// bounds in bytes; zero or less means [DefaultSSEMaxLine] and
// [DefaultSSEMaxEvent].
func NewSSEReader(r io.Reader, maxLine, maxEvent int) *SSEReader {
	if maxLine <= 0 {
		maxLine = DefaultSSEMaxLine
	}
	if maxEvent <= 0 {
		maxEvent = DefaultSSEMaxEvent
	}
	return &SSEReader{br: bufio.NewReaderSize(r, 4096), maxLine: maxLine, maxEvent: maxEvent}
}

// typedOnly makes s also dispatch an event that names a type but has no data
// line ("event: HEARTBEAT" then a blank line), with empty Data. The
// specification drops such an event, but common emitters write named
// keep-alives that way and Clever Cloud's own clients dispatch them.
func (s *SSEReader) typedOnly() { s.typedEvents = true }

// LastEventID returns the last event ID string as of the last blank line,
// which is what a client sends back as Last-Event-ID when it reconnects. An
// id: field with no data still sets it, although no event is dispatched.
func (s *SSEReader) LastEventID() string { return s.lastIDSet }

// Next returns the next event. It returns [io.EOF] when the stream ends
// cleanly (an incomplete last event is discarded), [ErrLineTooLong] or
// [ErrEventTooLarge] when the input breaks the bounds, or the underlying
// reader's error.
func (s *SSEReader) Next() (Event, error) {
	if s.err != nil {
		return Event{}, s.err
	}
	if !s.started {
		s.started = true
		if err := s.skipBOM(); err != nil {
			s.err = err
			return Event{}, err
		}
	}
	for {
		line, err := s.readLine()
		if err != nil {
			s.err = err
			return Event{}, err
		}
		if len(line) == 0 {
			if ev, ok := s.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if err := s.field(line); err != nil {
			s.err = err
			return Event{}, err
		}
	}
}

// skipBOM drops one leading UTF-8 byte order mark. It only asks for one more
// byte while what it has so far could start a BOM, so it never waits for
// bytes that a line would not need anyway.
func (s *SSEReader) skipBOM() error {
	const bom = "\xef\xbb\xbf"
	for n := 1; n <= len(bom); n++ {
		b, err := s.br.Peek(n)
		if len(b) < n {
			return err // the stream ended before a complete line: io.EOF or its error
		}
		if b[n-1] != bom[n-1] {
			return nil
		}
	}
	_, err := s.br.Discard(len(bom))
	return err
}

// readLine returns the next line without its line end. The returned slice is
// valid until the next call. A line cut by the end of the stream is dropped:
// readLine then returns io.EOF.
func (s *SSEReader) readLine() ([]byte, error) {
	s.line = s.line[:0]
	for {
		if s.br.Buffered() == 0 {
			if _, err := s.br.Peek(1); err != nil {
				return nil, err
			}
		}
		buf, _ := s.br.Peek(s.br.Buffered())
		if s.skipLF {
			s.skipLF = false
			if buf[0] == '\n' {
				s.br.Discard(1)
				continue
			}
		}
		i := bytes.IndexAny(buf, "\r\n")
		if i < 0 {
			i = len(buf)
		}
		if len(s.line)+i > s.maxLine {
			return nil, ErrLineTooLong
		}
		s.line = append(s.line, buf[:i]...)
		if i == len(buf) {
			s.br.Discard(i)
			continue
		}
		s.skipLF = buf[i] == '\r'
		s.br.Discard(i + 1)
		return s.line, nil
	}
}

// field processes one non-blank line.
func (s *SSEReader) field(line []byte) error {
	if line[0] == ':' {
		return nil // comment
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "event":
		s.eventType = decodeUTF8(value)
	case "data":
		v := decodeUTF8(value)
		if len(s.data)+len(v)+1 > s.maxEvent {
			return ErrEventTooLarge
		}
		s.data = append(s.data, v...)
		s.data = append(s.data, '\n')
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			s.lastID = decodeUTF8(value)
		}
	case "retry":
		if ms, ok := digits(value); ok {
			s.retry = ms
		}
	}
	return nil
}

// dispatch ends the event at a blank line. It reports false when there is
// nothing to dispatch (no data), after resetting the buffers all the same.
func (s *SSEReader) dispatch() (Event, bool) {
	s.lastIDSet = s.lastID
	data, typ, retry := s.data, s.eventType, s.retry
	s.data, s.eventType, s.retry = s.data[:0], "", 0
	if len(data) == 0 && (!s.typedEvents || typ == "") {
		return Event{}, false
	}
	ev := Event{Type: typ, Data: string(bytes.TrimSuffix(data, []byte{'\n'})), ID: s.lastID, Retry: retry}
	if ev.Type == "" {
		ev.Type = "message"
	}
	return ev, true
}

// maxRetry caps a retry: value, so that a long run of digits cannot overflow.
const maxRetry = 24 * time.Hour

// digits reads a retry: value, which counts only when it is one or more
// ASCII digits.
func digits(b []byte) (time.Duration, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var ms int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if ms < int64(maxRetry/time.Millisecond) {
			ms = ms*10 + int64(c-'0')
		}
	}
	return min(time.Duration(ms)*time.Millisecond, maxRetry), true
}

// decodeUTF8 is the WHATWG "UTF-8 decode" of b (without the BOM step): each
// maximal ill-formed subsequence becomes one U+FFFD.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			sb.WriteByte(c)
			i++
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c == 0xED:
			need, hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lo = 3, 0x90
		case c == 0xF4:
			need, hi = 3, 0x8F
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		}
		j := i + 1
		for k := 0; k < need && j < len(b) && b[j] >= lo && b[j] <= hi; k++ {
			lo, hi = 0x80, 0xBF
			j++
		}
		if need > 0 && j-i == need+1 {
			sb.Write(b[i:j])
		} else {
			sb.WriteRune(utf8.RuneError)
		}
		i = j
	}
	return sb.String()
}
