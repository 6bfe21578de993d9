package upstream

import (
	"errors"
	"testing"
)

func TestBuildPath(t *testing.T) {
	t.Parallel()
	const format = "v4/orchestration/organisations/%s/applications/%s/deployments"
	for _, tt := range []struct {
		ids  []string
		want string
	}{
		{[]string{"orga_1", "app_2"}, "v4/orchestration/organisations/orga_1/applications/app_2/deployments"},
		{[]string{"a b", "é%"}, "v4/orchestration/organisations/a%20b/applications/%C3%A9%25/deployments"},
	} {
		p := buildPath(format, tt.ids...)
		if p.err != nil || p.escaped != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.ids, p.escaped, p.err, tt.want)
		}
		if got, want := *p.route, "v4/orchestration/organisations/{}/applications/{}/deployments"; got != want {
			t.Errorf("route %q, want %q", got, want)
		}
	}
	if p := buildPath("v2/self"); p.escaped != "v2/self" || *p.route != "v2/self" {
		t.Errorf("no ids: %q, %q", p.escaped, *p.route)
	}
	if p := buildPath(format, "orga_1", "../x"); !errors.Is(p.err, ErrInvalidID) {
		t.Errorf("unsafe id: %v, want ErrInvalidID", p.err)
	}
}

func BenchmarkBuildPath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = buildPath("v4/orchestration/organisations/%s/applications/%s/deployments", "orga_112a6f5b-eaa7-4e06-aa54-c4864d5b8778", "app_42")
	}
}
