package benchkit

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if got := Percentile(d, 50); got != 51*time.Millisecond {
		t.Errorf("p50 %v, want 51ms", got)
	}
	if got := Percentile(d, 100); got != 100*time.Millisecond {
		t.Errorf("p100 %v, want 100ms", got)
	}
	if got := FormatPercentile(nil, 99); got != "-" {
		t.Errorf("p99 of nothing %q, want -", got)
	}
}
