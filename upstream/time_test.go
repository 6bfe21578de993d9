package upstream_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cleverql/gateway/upstream"
)

func TestTimeDecodes(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		json string
		want time.Time // zero: no date
	}{
		{`"2026-06-15T08:00:00Z"`, at("2026-06-15T08:00:00Z")},
		{`"2026-06-15T10:00:00.123456789+02:00"`, at("2026-06-15T08:00:00.123456789Z")},
		{`"2026-06-15T03:00:00-05:00"`, at("2026-06-15T08:00:00Z")},
		{`"2026-06-15T08:00:00.5"`, at("2026-06-15T08:00:00.5Z")}, // no zone: UTC
		{`"2026-13-15T08:00:00Z"`, time.Time{}},                   // looks RFC 3339, is no date
		{`"2026-06-15 08:00:00Z"`, at("2026-06-15T08:00:00Z")},
		{`"2026-06-15"`, at("2026-06-15T00:00:00Z")},
		{`1781510400000`, at("2026-06-15T08:00:00Z")}, // v2: epoch milliseconds
		{`"1781510400000"`, at("2026-06-15T08:00:00Z")},
		{`"2026-06-15T08:00:00\u005A"`, at("2026-06-15T08:00:00Z")}, // escaped: decoded as JSON
		{`"2026-06-15T08:00:00\/"`, time.Time{}},                    // escaped, then no date
		{` "2026-06-15T08:00:00Z" `, at("2026-06-15T08:00:00Z")},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
		{`0`, time.Time{}},
		{`"yesterday"`, time.Time{}}, // one odd date must not fail a list
		{`true`, time.Time{}},
	} {
		var got struct{ At upstream.Time }
		if err := json.Unmarshal([]byte(`{"At":`+tt.json+`}`), &got); err != nil {
			t.Errorf("%s: %v", tt.json, err)
			continue
		}
		if !got.At.Equal(tt.want) || (tt.want.IsZero() != got.At.IsZero()) {
			t.Errorf("%s: got %v, want %v", tt.json, got.At.Time, tt.want)
		}
	}
	var direct upstream.Time // called directly, not through encoding/json
	for _, b := range []string{`"`, `"a`, `"\"`} {
		_ = direct.UnmarshalJSON([]byte(b)) // must not panic
	}
}

func BenchmarkTimeDecode(b *testing.B) {
	in := []byte(`"2026-06-15T08:00:00.123Z"`)
	var t upstream.Time
	b.ReportAllocs()
	for b.Loop() {
		if err := t.UnmarshalJSON(in); err != nil {
			b.Fatal(err)
		}
	}
}
