package benchkit

import "time"

// Percentile returns the p-th percentile (0 to 100) of sorted durations,
// nearest rank, or 0 for none.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// FormatPercentile is [Percentile] for a table: rounded to 10 µs, "-" for
// none.
func FormatPercentile(sorted []time.Duration, p int) string {
	if len(sorted) == 0 {
		return "-"
	}
	return Percentile(sorted, p).Round(10 * time.Microsecond).String()
}

// MiB is bytes in mebibytes.
func MiB(b int64) float64 { return float64(b) / (1 << 20) }

// KiB is bytes in kibibytes.
func KiB(b int64) float64 { return float64(b) / (1 << 10) }
