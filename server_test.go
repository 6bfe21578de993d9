package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cleverql/gateway/upstream/upstreamtest"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(Config) bool
	}{
		{"nothing configured is demo", nil, nil, func(c Config) bool { return c.Demo && c.Listen == ":8080" && c.LogFormat == "text" }},
		{"PORT", nil, map[string]string{"PORT": "9000"}, func(c Config) bool { return c.Listen == ":9000" }},
		{"token means real upstream", nil, map[string]string{"CLEVER_API_TOKEN": "t"}, func(c Config) bool { return !c.Demo && c.Token == "t" && c.LogFormat == "json" }},
		{"upstream URL means real upstream", []string{"-upstream", "https://api.example/"}, nil, func(c Config) bool { return !c.Demo && c.UpstreamURL == "https://api.example/" }},
		{"DEMO=1 with a token", nil, map[string]string{"DEMO": "1", "CLEVER_API_TOKEN": "t"}, func(c Config) bool { return c.Demo }},
		{"flag beats env", []string{"-listen", ":7000"}, map[string]string{"PORT": "9000"}, func(c Config) bool { return c.Listen == ":7000" }},
		{"introspection off", nil, map[string]string{"INTROSPECTION": "0"}, func(c Config) bool { return !c.Introspection }},
		{"calls not shared by default", nil, nil, func(c Config) bool { return !c.ShareCalls }},
		{"SHARE_CALLS=1", nil, map[string]string{"SHARE_CALLS": "1"}, func(c Config) bool { return c.ShareCalls }},
		{"-share-calls", []string{"-share-calls"}, nil, func(c Config) bool { return c.ShareCalls }},
		{"limits", []string{"-max-depth", "5", "-max-subscriptions-per-connection", "3", "-max-body-bytes", "2048"}, nil, func(c Config) bool {
			return c.Limits.MaxDepth == 5 && c.MaxSubsPerConn == 3 && c.MaxBodyBytes == 2048 && c.Limits.MaxAliases == 30
		}},
	}
	for _, tt := range tests {
		cfg, err := parseConfig(tt.args, env(tt.env), io.Discard)
		if err != nil || !tt.want(cfg) {
			t.Errorf("%s: %+v, %v", tt.name, cfg, err)
		}
	}
	for _, bad := range [][]string{{"-demo", "-upstream", "http://x/"}, {"stray"}, {"-nope"}} {
		if _, err := parseConfig(bad, env(nil), io.Discard); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

// TestDemoMode runs the gateway as `go run .` does with nothing configured,
// answers a nested query from the built-in upstream, and stops cleanly.
func TestDemoMode(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-shutdown-delay", "0"}, env(nil), w)
		_ = w.Close()
	}()
	// One reader owns the output; the test takes lines from it.
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody reads logs past the banner
			}
		}
	}()
	var banner []string
	var base string
	for len(banner) < 4 {
		select {
		case line := <-lines:
			banner = append(banner, line)
			if m := regexp.MustCompile(`playground at (http://\S+)/`).FindStringSubmatch(line); m != nil {
				base = m[1]
			}
		case err := <-done:
			t.Fatalf("run returned %v before serving; output: %v", err, banner)
		case <-time.After(30 * time.Second):
			t.Fatalf("no banner after 30s: %v", banner)
		}
	}
	text := strings.Join(banner, "\n")
	if base == "" || !strings.Contains(text, "DEMO MODE") || !strings.Contains(text, upstreamtest.TokenAlice) {
		t.Fatalf("demo banner does not say where and how:\n%s", text)
	}

	for _, path := range []string{"/healthz", "/readyz", "/"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		_ = resp.Body.Close()
	}
	q := `{"query":"{ organisations { name applications { name zone { city } deployments(limit: 1) { state } } } }"}`
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(q))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+upstreamtest.TokenAlice)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Data struct {
			Organisations []struct {
				Name         string
				Applications []struct{ Name string }
			}
		}
		Errors []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Errors) > 0 || len(body.Data.Organisations) < 2 {
		t.Fatalf("nested query in demo mode: %+v, %v", body, err)
	}
	_ = resp.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}
