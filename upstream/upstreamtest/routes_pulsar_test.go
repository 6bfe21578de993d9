package upstreamtest

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pulsarPath(id string) string {
	return "v4/addon-providers/addon-pulsar/addons/" + id + "/storage-policies"
}

func patchPolicies(t *testing.T, s *Server, id, body string) answer {
	t.Helper()
	return send(t, s, http.MethodPatch, pulsarPath(id), TokenAlice, body, "Content-Type", "application/json")
}

func TestStoragePoliciesShapes(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	current := get(t, s, pulsarPath(AcmePulsarAddonID), TokenAlice).ok(t, http.StatusOK)
	checkKeys(t, "policies", current, "retentionPolicies", "offloadPolicies")
	checkKeys(t, "retentionPolicies", object(t, current)["retentionPolicies"], "sizeInBytes", "durationInMinutes")
	checkKeys(t, "offloadPolicies", object(t, current)["offloadPolicies"], "sizeInBytes", "durationInMinutes")

	// The route takes the add-on id; the realId names the same add-on.
	if diff := cmp.Diff(current, get(t, s, pulsarPath(AcmePulsarRealID), TokenAlice).ok(t, http.StatusOK)); diff != "" {
		t.Errorf("by realId (-addonId +realId):\n%s", diff)
	}

	legacy := object(t, get(t, s, pulsarPath(BetaPulsarAddonID), TokenAlice).ok(t, http.StatusOK))
	want := map[string]any{
		"retentionPolicies": map[string]any{"sizeInMB": float64(2048), "durationInDays": nil},
		"offloadPolicies":   map[string]any{"sizeInMB": float64(512), "durationInDays": float64(3)},
	}
	if diff := cmp.Diff(want, legacy); diff != "" {
		t.Errorf("older units (-want +got):\n%s", diff)
	}
	get(t, s, pulsarPath(AcmePostgresAddonID), TokenAlice).ok(t, http.StatusNotFound)
}

func TestStoragePoliciesPatchMerges(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	steps := []struct {
		body string
		want map[string]any
	}{
		{`{}`, policies(10737418240, 10080, -1, 1440)},
		{`{"retentionPolicies":{"sizeInBytes":1024}}`, policies(1024, 10080, -1, 1440)},
		{`{"offloadPolicies":{"durationInMinutes":-1},"retentionPolicies":null}`, policies(1024, 10080, -1, -1)},
		{`{"retentionPolicies":{"durationInMinutes":60,"sizeInBytes":null},"offloadPolicies":{"sizeInBytes":9223372036854775807}}`,
			policies(1024, 60, 9223372036854775807, -1)},
	}
	for _, step := range steps {
		got := patchPolicies(t, s, AcmePulsarAddonID, step.body).ok(t, http.StatusOK)
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("PATCH %s (-want +got):\n%s", step.body, diff)
		}
	}
	last := steps[len(steps)-1].want
	if diff := cmp.Diff(last, get(t, s, pulsarPath(AcmePulsarAddonID), TokenAlice).ok(t, http.StatusOK)); diff != "" {
		t.Errorf("a later GET (-want +got):\n%s", diff)
	}
}

// policies builds the expected JSON of current-unit policies. JSON numbers
// decode as float64, which is exact for every value used here but the largest,
// where both sides round the same way.
func policies(retentionSize, retentionMinutes, offloadSize, offloadMinutes int64) map[string]any {
	return map[string]any{
		"retentionPolicies": map[string]any{"sizeInBytes": float64(retentionSize), "durationInMinutes": float64(retentionMinutes)},
		"offloadPolicies":   map[string]any{"sizeInBytes": float64(offloadSize), "durationInMinutes": float64(offloadMinutes)},
	}
}

func TestStoragePoliciesPatchRejects(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	before := get(t, s, pulsarPath(AcmePulsarAddonID), TokenAlice).ok(t, http.StatusOK)
	for _, body := range []string{
		`{"retentionPolicies":{"sizeInBytes":1.5}}`,
		`{"retentionPolicies":{"sizeInBytes":1e3}}`,
		`{"retentionPolicies":{"sizeInBytes":"100"}}`,
		`{"retentionPolicies":{"sizeInBytes":9223372036854775808}}`,
		`{"retentionPolicies":{"sizeInMB":100}}`,
		`{"retentionPolicies":5}`,
		`{"retention":{}}`,
		`{"offloadPolicies":{"sizeInBytes":7},"retentionPolicies":{"durationInMinutes":true}}`,
		`[]`,
		`{`,
		``,
	} {
		checkKeys(t, "400 for "+body, patchPolicies(t, s, AcmePulsarAddonID, body).ok(t, http.StatusBadRequest), v4ErrorKeys...)
	}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
		a := send(t, s, http.MethodPatch, pulsarPath(AcmePulsarAddonID), TokenAlice, `{}`, "Content-Type", ct)
		checkKeys(t, "415 for "+ct, a.ok(t, http.StatusUnsupportedMediaType), v4ErrorKeys...)
	}
	if diff := cmp.Diff(before, get(t, s, pulsarPath(AcmePulsarAddonID), TokenAlice).ok(t, http.StatusOK)); diff != "" {
		t.Errorf("a refused PATCH changed the policies (-before +after):\n%s", diff)
	}
	send(t, s, http.MethodPatch, pulsarPath(AcmePulsarAddonID), TokenBob, `{}`, "Content-Type", "application/json").ok(t, http.StatusForbidden)
}

func TestStoragePoliciesPatchLegacyAddon(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	got := patchPolicies(t, s, BetaPulsarAddonID, `{"retentionPolicies":{"durationInMinutes":2880},"offloadPolicies":{"sizeInBytes":-1}}`).ok(t, http.StatusOK)
	want := map[string]any{
		"retentionPolicies": map[string]any{"sizeInMB": float64(2048), "durationInDays": float64(2)},
		"offloadPolicies":   map[string]any{"sizeInMB": nil, "durationInDays": float64(3)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("legacy add-on after PATCH (-want +got):\n%s", diff)
	}
}
