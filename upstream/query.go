package upstream

import (
	"net/url"
	"strconv"
	"time"
)

// Helpers for options structs: an unset option adds nothing to the query.

func setString(v url.Values, key, value string) {
	if value != "" {
		v.Set(key, value)
	}
}

func setInt(v url.Values, key string, n int) {
	if n > 0 {
		v.Set(key, strconv.Itoa(n))
	}
}

func setBool(v url.Values, key string, b bool) {
	if b {
		v.Set(key, "true")
	}
}

func setTime(v url.Values, key string, t time.Time) {
	if !t.IsZero() {
		v.Set(key, formatQueryTime(t))
	}
}

func addAll(v url.Values, key string, values []string) {
	for _, s := range values {
		v.Add(key, s)
	}
}
