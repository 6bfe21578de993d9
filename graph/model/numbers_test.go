package model_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/cleverql/gateway/graph/model"
)

func TestUnmarshalIntIsStrict(t *testing.T) {
	good := map[any]int{int64(7): 7, json.Number("42"): 42, float64(3): 3, json.Number("-2147483648"): math.MinInt32, 0: 0}
	for in, want := range good {
		if got, err := model.UnmarshalInt(in); err != nil || got != want {
			t.Errorf("UnmarshalInt(%#v) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []any{"10", json.Number("1.5"), json.Number("2147483648"), float64(1e12), true, nil, json.Number("1e400")} {
		if got, err := model.UnmarshalInt(in); err == nil {
			t.Errorf("UnmarshalInt(%#v) = %d, accepted", in, got)
		}
	}
}

func TestUnmarshalFloatIsStrict(t *testing.T) {
	good := map[any]float64{int64(7): 7, json.Number("1.5"): 1.5, 2.25: 2.25, json.Number("1e300"): 1e300}
	for in, want := range good {
		if got, err := model.UnmarshalFloat(in); err != nil || got != want {
			t.Errorf("UnmarshalFloat(%#v) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []any{"1.5", "NaN", "Inf", json.Number("1e400"), math.NaN(), math.Inf(1), false, nil} {
		if got, err := model.UnmarshalFloat(in); err == nil {
			t.Errorf("UnmarshalFloat(%#v) = %v, accepted", in, got)
		}
	}
}

func TestUnmarshalTime(t *testing.T) {
	if ts, err := model.UnmarshalTime("2026-01-31T12:00:00+01:00"); err != nil || ts.UTC().Hour() != 11 {
		t.Errorf("RFC 3339 with offset: %v, %v", ts, err)
	}
	for _, in := range []any{"yesterday", "2026-01-31", 1700000000000, nil} {
		if _, err := model.UnmarshalTime(in); err == nil {
			t.Errorf("UnmarshalTime(%#v) accepted", in)
		}
	}
}
