package auth_test

import (
	"strings"
	"testing"

	"github.com/cleverql/gateway/auth"
)

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"":                             "",
		"   ":                          "",
		"Bearer abc":                   "Bearer abc",
		"  Bearer abc  ":               "Bearer abc",
		"abc":                          "Bearer abc",
		`OAuth oauth_token="t", x="y"`: `OAuth oauth_token="t", x="y"`,
		"Bearer a\nX-Injected: 1":      "",
		"Bearer a\x00":                 "",
		"Bearer":                       "",
		"bearer   ":                    "",
		"OAuth":                        "",
		"Bearer " + strings.Repeat("a", auth.MaxTokenBytes-7): "Bearer " + strings.Repeat("a", auth.MaxTokenBytes-7),
		"Bearer " + strings.Repeat("a", auth.MaxTokenBytes-6): "",
	}
	for in, want := range tests {
		if got := auth.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokenInContext(t *testing.T) {
	if got := auth.TokenFrom(t.Context()); got != "" {
		t.Errorf("empty context holds %q", got)
	}
	ctx := auth.WithToken(t.Context(), "Bearer x")
	if got := auth.TokenFrom(ctx); got != "Bearer x" {
		t.Errorf("got %q", got)
	}
}
