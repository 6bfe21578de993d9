package gateway_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

// Every query of examples/ runs against the fake with its variables, and
// answers without error.
func TestExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "examples", "*.graphql"))
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	e, srv := observedEnv(t)
	for _, f := range files {
		query, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var vars map[string]any
		raw, err := os.ReadFile(strings.TrimSuffix(f, ".graphql") + ".variables.json")
		if err != nil || json.Unmarshal(raw, &vars) != nil {
			t.Fatalf("%s: variables: %v", f, err)
		}
		name := filepath.Base(f)
		if strings.Contains(string(query), "subscription ") {
			c := connect(t, srv, map[string]any{"Authorization": "Bearer " + upstreamtest.TokenAlice})
			send(t, c, map[string]any{"id": "ex", "type": "subscribe", "payload": map[string]any{"query": string(query), "variables": vars}})
			lines := 0
			for m := read(t, c); m.Type != "complete"; m = read(t, c) {
				if m.Type != "next" || strings.Contains(string(m.Payload), `"errors"`) {
					t.Fatalf("%s: %s %s", name, m.Type, m.Payload)
				}
				lines++
			}
			if lines == 0 {
				t.Errorf("%s: no line", name)
			}
			continue
		}
		r := e.query(t, upstreamtest.TokenAlice, string(query), vars)
		if len(r.Errors) > 0 || len(r.Data) == 0 {
			t.Errorf("%s: %s", name, r.raw)
		}
	}
}
