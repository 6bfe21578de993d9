package loaders

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"
)

// Mutations refused for a bad token count as writes too, so a flood of
// them, each with a token of its own, must not grow Flights' memory of
// writes, nor make a caller whose write it forgot join a call that
// started before that write.
func TestFlightsForgetWritesWithinTheirBound(t *testing.T) {
	fs := NewFlights(nil)
	before := time.Now() // a call that starts before alice's write
	time.Sleep(time.Millisecond)
	fs.Wrote("alice")
	begun := time.Now() // alice's next response
	if fs.MayJoin("alice", begun, before) {
		t.Fatal("alice's response joined a call that started before her write")
	}
	for i := range 10 * writesKept {
		fs.Wrote(fmt.Sprintf("flood-%d", i))
		if n := len(fs.writes); n > writesKept {
			t.Fatalf("after %d writes, %d remembered, more than %d", i+1, n, writesKept)
		}
	}
	if _, kept := fs.writes[sha256.Sum256([]byte("alice"))]; kept {
		t.Fatal("alice's write, the oldest, is still remembered: the test proves nothing")
	}
	if fs.MayJoin("alice", begun, before) {
		t.Error("once her write was forgotten, alice's response joined a call that started before it")
	}
	if fs.MayJoin("bob", begun, before) {
		t.Error("bob joined a call that started before the writes forgotten: Flights cannot tell that he did not write then")
	}
	after := time.Now()
	time.Sleep(time.Millisecond)
	if !fs.MayJoin("alice", time.Now(), after) {
		t.Error("alice's response may not join a call that started after every write")
	}
	if !fs.MayJoin("alice", before, begun) {
		t.Error("a call that started after the response began is always joined")
	}
}
