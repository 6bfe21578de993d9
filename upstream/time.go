package upstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Time is an upstream date. The v4 API writes ISO 8601 strings, v2 writes
// epoch milliseconds; both decode here, and null, "" and 0 decode to the zero
// Time, which callers present as "no date". A date in no known form also
// decodes to the zero Time: one odd date must not fail a whole list.
type Time struct{ time.Time }

// isoLayouts are tried in order; the first is what the documentation shows.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02",
}

// UnmarshalJSON implements [json.Unmarshaler].
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*t = Time{}
		return nil
	}
	if b[0] != '"' {
		ms, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			*t = Time{}
			return nil
		}
		*t = FromMillis(ms)
		return nil
	}
	// encoding/json has checked b is a JSON string already: without an
	// escape, its text is what stands between the quotes. (Decoding every
	// date with json.Unmarshal was most of a deployments list's cost.)
	if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 {
		text := b[1 : len(b)-1]
		// RFC 3339, the documented form, parses from the bytes: a string
		// copy per date was most of what decoding one cost. The result is
		// time.Parse's with isoLayouts[0].
		if looksRFC3339(text) {
			var v time.Time
			if v.UnmarshalText(text) == nil {
				*t = Time{v.UTC()}
				return nil
			}
		}
		*t, _ = ParseTime(string(text))
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	*t, _ = ParseTime(s)
	return nil
}

// unquote decodes the JSON string b. It is apart from UnmarshalJSON so
// that the string it decodes into costs an allocation only here.
func unquote(b []byte) (string, error) {
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// looksRFC3339 reports whether b may be an RFC 3339 date with a zone
// (2006-01-02T15:04:05[.9…](Z|±07:00)), so that only such dates go to
// [time.Time.UnmarshalText], whose failure costs more than it saves.
func looksRFC3339(b []byte) bool {
	n := len(b)
	return n >= len("2006-01-02T15:04:05Z") && b[10] == 'T' &&
		(b[n-1] == 'Z' || b[n-6] == '+' || b[n-6] == '-')
}

// MarshalJSON writes RFC 3339, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// FromMillis converts epoch milliseconds; 0 is "no date".
func FromMillis(ms int64) Time {
	if ms == 0 {
		return Time{}
	}
	return Time{time.UnixMilli(ms).UTC()}
}

// ParseTime reads an upstream date string leniently; "" is the zero Time.
func ParseTime(s string) (Time, error) {
	if s == "" {
		return Time{}, nil
	}
	for _, layout := range isoLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			return Time{v.UTC()}, nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return FromMillis(ms), nil
	}
	return Time{}, fmt.Errorf("date %q is not ISO 8601", s)
}

// formatQueryTime writes a time for a query parameter (ISO 8601, UTC).
func formatQueryTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
