package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ErrStreamClosed is what [LogStream.Next] returns once [LogStream.Close]
// was called.
var ErrStreamClosed = errors.New("stream closed")

// ApplicationLogsOptions filters [Client.StreamApplicationLogs]; the zero value
// streams what the upstream streams by default: every line from now on, of
// the bas and bas-deploy services.
type ApplicationLogsOptions struct {
	DeploymentID string
	InstanceIDs  []string
	Since        time.Time
	Until        time.Time // the stream ends with END_OF_STREAM UNTIL_REACHED
	Fields       []string  // only these keys in each line
	Filter       string    // case-insensitive "contains" on the message
	Limit        int       // the stream ends with END_OF_STREAM after Limit lines
	Services     []string  // systemd service names; the upstream default is bas and bas-deploy, "all" is all

	ThrottleElements          int // at most this many lines per ThrottlePerInMilliseconds
	ThrottlePerInMilliseconds int
}

// Values returns the query the options send.
func (o *ApplicationLogsOptions) Values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	setString(v, "deploymentId", o.DeploymentID)
	addAll(v, "instanceId", o.InstanceIDs)
	setTime(v, "since", o.Since)
	setTime(v, "until", o.Until)
	addAll(v, "field", o.Fields)
	setString(v, "filter", o.Filter)
	setInt(v, "limit", o.Limit)
	addAll(v, "service", o.Services)
	setInt(v, "throttleElements", o.ThrottleElements)
	setInt(v, "throttlePerInMilliseconds", o.ThrottlePerInMilliseconds)
	return v
}

// LogLine is the data of an APPLICATION_LOG event. Any field but the id may
// be absent when the stream was asked for some fields only.
type LogLine struct {
	ID            string  `json:"id"`
	ApplicationID *string `json:"applicationId"`
	CommitID      *string `json:"commitId"`
	DeploymentID  *string `json:"deploymentId"`
	InstanceID    *string `json:"instanceId"`
	Date          Time    `json:"date"`
	Zone          *string `json:"zone"`
	Region        *string `json:"region"`
	PID           *int    `json:"pid"`
	Facility      *string `json:"facility"` // syslog facility name: kern, daemon, local0…
	Severity      *string `json:"severity"` // syslog severity name: emerg … debug
	Priority      *int    `json:"priority"` // raw syslog priority
	Version       *string `json:"version"`
	Service       *string `json:"service"` // systemd unit, such as "bas-deploy.service"
	Message       *string `json:"message"`
}

// LogEventKind tells what a [LogEvent] is.
type LogEventKind int

// The events of a logs stream.
const (
	LogLineEvent     LogEventKind = iota + 1 // a log line: LogEvent.Line is set
	HeartbeatEvent                           // the upstream is alive; nothing else
	EndOfStreamEvent                         // the stream ends as asked: LogEvent.EndedBy says why
)

// LogEvent is one event of a [LogStream].
type LogEvent struct {
	Kind    LogEventKind
	ID      string   // the SSE event id, to send back as Last-Event-ID
	Line    *LogLine // for LogLineEvent
	EndedBy string   // for EndOfStreamEvent: UNTIL_REACHED, LIMIT_REACHED…
}

// SSE event types of the v4 logs streams.
const (
	sseApplicationLog = "APPLICATION_LOG"
	sseHeartbeat      = "HEARTBEAT"
	sseEndOfStream    = "END_OF_STREAM"
)

// LogStream is an open logs stream. Next and LastEventID must not be called
// concurrently with each other; Close and RequestID may be called at any
// time, from any goroutine.
type LogStream struct {
	sse       *SSEReader
	body      io.ReadCloser
	cause     func() error // why the request's context ended, if it did
	cancel    context.CancelCauseFunc
	method    string
	path      string
	requestID string
	ended     bool // END_OF_STREAM was read

	closeOnce sync.Once
	closeErr  error
	release   func() // gives the caller's stream back (see WithMaxStreamsPerToken)
}

// StreamApplicationLogs opens the live stream of an application's runtime
// logs. lastEventID, when not empty, is sent as Last-Event-ID so that the
// upstream resumes after that line: a caller that reconnects sends the
// same options again with the id of the last event it read
// ([LogStream.LastEventID]), and lowers Limit by the lines already read.
//
// The Client's timeout bounds the wait for the response headers only: the
// stream then lives until ctx ends or the caller calls [LogStream.Close],
// which it must do.
//
// Clever Cloud API: GET /v4/logs/organisations/{ownerId}/applications/{applicationId}/logs
func (c *Client) StreamApplicationLogs(ctx context.Context, ownerID, appID string, opts *ApplicationLogsOptions, lastEventID string) (*LogStream, error) {
	path := buildPath("v4/logs/organisations/%s/applications/%s/logs", ownerID, appID)
	return c.openStream(ctx, path, opts.Values(), lastEventID)
}

// openStream sends a GET for an event stream and returns it once the
// response headers came: a 2xx text/event-stream answer. It is the streaming
// counterpart of [Client.do].
func (c *Client) openStream(ctx context.Context, path endpoint, query url.Values, lastEventID string) (*LogStream, error) {
	if strings.ContainsFunc(lastEventID, isControl) {
		return nil, fmt.Errorf("%w: last event id must not contain control characters", ErrInvalidID)
	}
	req, err := c.newRequest(ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	release, err := c.streams.take(req.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	opened := false
	defer func() {
		if !opened {
			release()
		}
	}()

	sctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(c.timeout, func() { cancel(context.DeadlineExceeded) })
	resp, err := c.hc.Do(req.WithContext(sctx))
	if !timer.Stop() && err == nil { // the headers came just as the timeout fired
		closeBody(resp.Body)
		err = context.DeadlineExceeded
	}
	if err != nil {
		err = transportError(ctx, sctx, req, err)
		cancel(nil)
		return nil, err
	}
	if err := checkResponse(req, resp); err != nil {
		closeBody(resp.Body)
		cancel(nil)
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		closeBody(resp.Body)
		cancel(nil)
		return nil, &Error{
			StatusCode: resp.StatusCode, Method: req.Method, Path: req.URL.EscapedPath(),
			RequestID: resp.Header.Get("Sozu-Id"), kind: ErrMalformedResponse,
			Message: "content type " + clean(fmt.Sprintf("%q", resp.Header.Get("Content-Type")), 80) + " is not text/event-stream",
		}
	}
	sse := NewSSEReader(resp.Body, 0, 0)
	sse.typedOnly() // a HEARTBEAT may come without a data line
	opened = true
	return &LogStream{
		sse: sse, body: resp.Body, cancel: cancel, release: release,
		cause:  func() error { return context.Cause(sctx) },
		method: req.Method, path: req.URL.EscapedPath(), requestID: resp.Header.Get("Sozu-Id"),
	}, nil
}

// Next returns the next event. It returns [io.EOF] after an
// EndOfStreamEvent, and also when the upstream closed the stream without
// one: the caller then reconnects from [LogStream.LastEventID]. After
// [LogStream.Close] it returns [ErrStreamClosed]; when the stream's context
// ends, the context's error. Other errors wrap a sentinel such as
// [ErrMalformedResponse] or [ErrUnavailable].
func (s *LogStream) Next() (LogEvent, error) {
	for !s.ended {
		ev, err := s.sse.Next()
		if err != nil {
			return LogEvent{}, s.readError(err)
		}
		switch ev.Type {
		case sseApplicationLog:
			line := new(LogLine)
			if err := json.Unmarshal([]byte(ev.Data), line); err != nil {
				return LogEvent{}, s.malformed("APPLICATION_LOG data is not a log line")
			}
			return LogEvent{Kind: LogLineEvent, ID: ev.ID, Line: line}, nil
		case sseHeartbeat:
			return LogEvent{Kind: HeartbeatEvent, ID: ev.ID}, nil
		case sseEndOfStream:
			var end struct {
				EndedBy string `json:"endedBy"`
			}
			if ev.Data != "" && json.Unmarshal([]byte(ev.Data), &end) != nil {
				return LogEvent{}, s.malformed("END_OF_STREAM data is not JSON")
			}
			s.ended = true
			return LogEvent{Kind: EndOfStreamEvent, ID: ev.ID, EndedBy: clean(end.EndedBy, 80)}, nil
		}
		// Other event types are not ours to know: skip them.
	}
	return LogEvent{}, io.EOF
}

// readError classifies an error of the SSE reader.
func (s *LogStream) readError(err error) error {
	if cause := s.cause(); cause != nil {
		return fmt.Errorf("%s %s: %w", s.method, s.path, cause)
	}
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.Is(err, ErrLineTooLong), errors.Is(err, ErrEventTooLarge):
		return s.malformed(err.Error())
	}
	return &Error{StatusCode: http.StatusOK, Method: s.method, Path: s.path, RequestID: s.requestID, kind: ErrUnavailable, cause: sanitize(err)}
}

func (s *LogStream) malformed(message string) error {
	return &Error{StatusCode: http.StatusOK, Method: s.method, Path: s.path, RequestID: s.requestID, Message: message, kind: ErrMalformedResponse}
}

// LastEventID returns the id to send as Last-Event-ID to resume after what
// was read: the id of the last event read, or a later one that came with no
// data.
func (s *LogStream) LastEventID() string { return s.sse.LastEventID() }

// RequestID returns the Sozu-Id of the response, which Clever Cloud support
// asks for.
func (s *LogStream) RequestID() string { return s.requestID }

// Close ends the stream: it cancels the request, which makes a Next blocked
// in another goroutine return [ErrStreamClosed], and closes the body. It may
// be called more than once.
func (s *LogStream) Close() error {
	s.closeOnce.Do(func() {
		s.cancel(ErrStreamClosed)
		s.closeErr = s.body.Close()
		s.release()
	})
	return s.closeErr
}
