package upstreamtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Every application has an endless, deterministic sequence of log lines:
// line n is dated logsBase + n seconds, so the first LogsPast lines lie
// before the dataset's present and the others come live.
const (
	// LogsPast is how many log lines of each application are dated before
	// the fake's present (LogsBase + LogsPast seconds): a stream from
	// since=LogsBase sends them at once, then goes live.
	LogsPast = 50
	// logIDDigits zero-pads line numbers, so that ids sort in line order.
	logIDDigits = 10
)

// LogsBase is the date of every application's line 0.
var LogsBase = now.Add(-LogsPast * time.Second)

// logLine is the data of an APPLICATION_LOG event.
type logLine struct {
	ID            string `json:"id"`
	ApplicationID string `json:"applicationId"`
	CommitID      string `json:"commitId"`
	DeploymentID  string `json:"deploymentId"`
	InstanceID    string `json:"instanceId"`
	Date          string `json:"date"`
	Zone          string `json:"zone"`
	Region        string `json:"region"`
	PID           int    `json:"pid"`
	Facility      string `json:"facility"`
	Severity      string `json:"severity"`
	Priority      int    `json:"priority"`
	Version       string `json:"version"`
	Service       string `json:"service"`
	Message       string `json:"message"`
}

// logFields are the keys the field query parameter may name.
var logFields = []string{"id", "applicationId", "commitId", "deploymentId", "instanceId", "date", "zone",
	"region", "pid", "facility", "severity", "priority", "version", "service", "message"}

// The rotations lines go through: line n takes element n mod len of each.
var (
	logServices   = []string{"bas.service", "bas-deploy.service", "app.service"}
	logSeverities = []struct {
		name string
		code int // syslog severity, for the priority
	}{{"info", 6}, {"info", 6}, {"notice", 5}, {"warning", 4}, {"info", 6}, {"err", 3}, {"debug", 7}}
	logMessages = []string{
		"GET /health 200 in 3ms",
		"Build step finished: npm ci",
		"Connected to PostgreSQL",
		"Slow request: GET /cart took 1520ms",
		"Worker started, pid {pid}",
		"Error: connection reset by peer",
		"Cache warmed in 48ms",
		"POST /api/orders 201 in 41ms",
		"Deploying commit {commit}",
		"Warning: memory usage at 85%",
		"Listening on port 8080",
	}
)

// Syslog facilities of the services: the platform's units log on daemon,
// the application on user.
var logFacilities = map[string]struct {
	name string
	code int
}{"bas.service": {"daemon", 3}, "bas-deploy.service": {"daemon", 3}, "app.service": {"user", 1}}

// logSource is what the lines of one application are made from, copied out
// of the dataset so that a stream needs no lock.
type logSource struct {
	appID     string
	prefix    string // line ids are prefix + zero-padded n
	zone      string
	region    string
	instances []logInstance
}

type logInstance struct {
	id, deploymentID, commitID string
}

// logSourceFor copies what an application's lines are made from.
func (d *dataset) logSourceFor(a *appRecord) logSource {
	src := logSource{
		appID:  a.app.ID,
		prefix: strings.TrimPrefix(a.app.ID, "app_")[:8] + "-",
		zone:   a.app.Zone,
		region: "unknown",
	}
	if z := d.zone(a.app.Zone); z != nil {
		for _, tag := range z.Tags {
			if r, ok := strings.CutPrefix(tag, "region:"); ok {
				src.region = strings.ToUpper(r)
			}
		}
	}
	for _, in := range a.instances {
		li := logInstance{id: in.ID, deploymentID: in.DeploymentID}
		for _, dep := range a.deployments {
			if dep.ID == in.DeploymentID {
				li.commitID = dep.Version.CommitID
			}
		}
		src.instances = append(src.instances, li)
	}
	if len(src.instances) == 0 { // no instance yet: lines still need one
		src.instances = []logInstance{{}}
	}
	return src
}

// logDate is the date of line n of any application.
func logDate(n int) time.Time { return LogsBase.Add(time.Duration(n) * time.Second) }

// firstLogAt returns the number of the first line dated at or after t.
func firstLogAt(t time.Time) int {
	if !t.After(LogsBase) {
		return 0
	}
	d := t.Sub(LogsBase)
	n := int(d / time.Second)
	if d%time.Second != 0 {
		n++
	}
	return n
}

// lineID is the id of line n.
func (src *logSource) lineID(n int) string {
	return fmt.Sprintf("%s%0*d", src.prefix, logIDDigits, n)
}

// lineNumber reads a line id of this application back.
func (src *logSource) lineNumber(id string) (int, bool) {
	digits, ok := strings.CutPrefix(id, src.prefix)
	if !ok || len(digits) != logIDDigits {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 0
}

// line builds line n.
func (src *logSource) line(n int) *logLine {
	in := src.instances[n%len(src.instances)]
	service := logServices[n%len(logServices)]
	sev := logSeverities[n%len(logSeverities)]
	fac := logFacilities[service]
	pid := 4000 + 17*(n%len(src.instances))
	msg := strings.NewReplacer("{pid}", strconv.Itoa(pid), "{commit}", in.commitID[:min(7, len(in.commitID))]).
		Replace(logMessages[n%len(logMessages)])
	return &logLine{
		ID: src.lineID(n), ApplicationID: src.appID, CommitID: in.commitID,
		DeploymentID: in.deploymentID, InstanceID: in.id, Date: iso(logDate(n)),
		Zone: src.zone, Region: src.region, PID: pid,
		Facility: fac.name, Severity: sev.name, Priority: fac.code*8 + sev.code,
		Version: "1", Service: service,
		Message: fmt.Sprintf("line %d: %s", n, msg),
	}
}

// logPayload is the JSON data of a line, with only the given fields when
// fields is not empty.
func logPayload(l *logLine, fields []string) []byte {
	b, _ := json.Marshal(l) // a struct of strings and ints: cannot fail
	if len(fields) == 0 {
		return b
	}
	var all map[string]json.RawMessage
	json.Unmarshal(b, &all)
	some := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		some[f] = all[f]
	}
	b, _ = json.Marshal(some)
	return b
}
