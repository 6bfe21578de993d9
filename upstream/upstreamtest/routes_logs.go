package upstreamtest

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// SSE event types of the v4 logs streams.
const (
	eventApplicationLog = "APPLICATION_LOG"
	eventHeartbeat      = "HEARTBEAT"
	eventEndOfStream    = "END_OF_STREAM"
)

// defaultLogServices are the services streamed when no service is asked.
var defaultLogServices = []string{"bas", "bas-deploy"}

// logsPlan is one logs stream to write: where it starts, what it keeps and
// when it ends.
type logsPlan struct {
	src    logSource
	start  int       // first line number
	until  time.Time // zero: endless
	limit  int       // lines to send on this connection; 0: no limit
	fields []string  // keys of each line's data; empty: all

	deploymentID string
	instanceIDs  []string
	services     []string
	filter       string // lower case
}

// streamApplicationLogs answers RouteApplicationLogs. It checks the token,
// the application and the query (since, until, limit, deploymentId,
// instanceId, filter, service, field, throttleElements,
// throttlePerInMilliseconds) and the Last-Event-ID header, answering 400 for
// a bad value, then streams.
//
// Without since the stream starts at the present, that is live; with it,
// the lines dated before the present are sent at once. A Last-Event-ID of
// this application resumes after that line. The stream ends with
// END_OF_STREAM {"endedBy":"UNTIL_REACHED"} at the first line dated at or
// after until, or {"endedBy":"LIMIT_REACHED"} once limit lines were sent on
// this connection. HEARTBEAT events carry no data line, as many SSE emitters
// write named keep-alives and Clever Cloud's clients accept them.
func (d *dataset) streamApplicationLogs(c *call) eventSource {
	a := d.appFor(c, c.param("ownerId"), c.param("applicationId"))
	if a == nil {
		return nil
	}
	q := c.query()
	p := &logsPlan{src: d.logSourceFor(a), start: LogsPast}
	since, until := q.time("since"), q.time("until")
	p.limit = q.limit("limit")
	q.limit("throttleElements")
	q.limit("throttlePerInMilliseconds")
	p.fields = q.enum("field", logFields)
	p.deploymentID = q.v.Get("deploymentId")
	p.instanceIDs = q.v["instanceId"]
	p.services = q.v["service"]
	p.filter = strings.ToLower(q.v.Get("filter"))
	for _, s := range p.services {
		if s == "" {
			q.bad("service", s, "service must be a systemd service name or all")
		}
	}
	if !q.ok {
		return nil
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		c.badField("until", q.v.Get("until"), "until must be after since")
		return nil
	}
	if !since.IsZero() {
		p.start = firstLogAt(since)
	}
	p.until = until
	if id := c.r.Header.Get("Last-Event-ID"); id != "" {
		n, ok := p.src.lineNumber(id)
		if !ok {
			c.badField("Last-Event-ID", id, "Last-Event-ID is not a log line of this application")
			return nil
		}
		p.start = max(p.start, n+1)
	}
	if len(p.services) == 0 {
		p.services = defaultLogServices
	}
	c.write(http.StatusOK, "text/event-stream", nil)
	c.resp.header.Set("Cache-Control", "no-cache")
	return p.run
}

// keeps reports whether a line passes the plan's filters.
func (p *logsPlan) keeps(l *logLine) bool {
	switch {
	case p.deploymentID != "" && l.DeploymentID != p.deploymentID,
		len(p.instanceIDs) > 0 && !slices.Contains(p.instanceIDs, l.InstanceID),
		p.filter != "" && !strings.Contains(strings.ToLower(l.Message), p.filter):
		return false
	}
	unit := strings.TrimSuffix(l.Service, ".service")
	return slices.ContainsFunc(p.services, func(s string) bool {
		return s == "all" || s == unit || s == l.Service
	})
}

// run writes the stream: the lines dated before the present at once, then
// one line per interval with heartbeats in between, until until, limit, a
// cut, or the client leaving.
func (p *logsPlan) run(ctx context.Context, w *eventWriter) {
	sent := 0
	// emit handles line n and reports whether the stream goes on.
	emit := func(n int, live bool) bool {
		if !p.until.IsZero() && !logDate(n).Before(p.until) {
			w.control(eventEndOfStream, []byte(`{"endedBy":"UNTIL_REACHED"}`))
			return false
		}
		l := p.src.line(n)
		if !p.keeps(l) {
			return true
		}
		if live && w.liveDates {
			l.Date = time.Now().UTC().Format(time.RFC3339Nano)
		}
		if !w.data(l.ID, eventApplicationLog, logPayload(l, p.fields)) {
			return false
		}
		sent++
		if p.limit > 0 && sent >= p.limit {
			w.control(eventEndOfStream, []byte(`{"endedBy":"LIMIT_REACHED"}`))
			return false
		}
		return true
	}

	n := p.start
	for ; n < LogsPast; n++ {
		if ctx.Err() != nil || !emit(n, false) {
			return
		}
	}
	if w.spread && w.gate == nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(rand.N(w.interval)):
		}
	}
	// A live line comes at each tick, or, when the test set a gate, at each
	// value from it (a nil channel never delivers).
	var tick <-chan time.Time
	if w.gate == nil {
		lines := time.NewTicker(w.interval)
		defer lines.Stop()
		tick = lines.C
	}
	beats := time.NewTicker(w.heartbeat)
	defer beats.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beats.C:
			if !w.control(eventHeartbeat, nil) {
				return
			}
			continue
		case <-tick:
		case <-w.gate:
		}
		if !emit(n, true) {
			return
		}
		n++
	}
}
