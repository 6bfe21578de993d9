// Package wait holds the tests' one way to wait for something another
// goroutine does: poll for it, with a generous bound, and never assert on
// how long it took (the machines are shared and noisy).
package wait

import (
	"testing"
	"time"
)

// Until polls cond (1 ms apart) and fails the test if it stays false for
// 10 s.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	giveUp := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(giveUp) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
