package upstream

import (
	"context"
	"encoding/json"
	"net/http"
)

// StoragePolicies are a Pulsar add-on's retention and offload policies.
type StoragePolicies struct {
	Retention StoragePolicy `json:"retentionPolicies"`
	Offload   StoragePolicy `json:"offloadPolicies"`
}

// StoragePolicy bounds how much, or how long, a Pulsar topic keeps. A nil or
// negative value means no limit, as the upstream says.
type StoragePolicy struct {
	SizeInBytes       *int64 `json:"sizeInBytes,omitempty"`
	DurationInMinutes *int64 `json:"durationInMinutes,omitempty"`
}

// NoLimit is the value the upstream takes and gives for "no limit".
const NoLimit int64 = -1

// UnmarshalJSON reads the current units and the older ones the seed
// documents (sizeInMB, durationInDays, null meaning no limit).
func (p *StoragePolicy) UnmarshalJSON(b []byte) error {
	// A map, because an older-units null ("no limit") must differ from an
	// absent key, which a pointer field cannot tell.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = StoragePolicy{
		SizeInBytes:       readPolicyValue(raw, "sizeInBytes", "sizeInMB", 1<<20), // Pulsar's MB are MiB
		DurationInMinutes: readPolicyValue(raw, "durationInMinutes", "durationInDays", 24*60),
	}
	return nil
}

// readPolicyValue reads key, or else older (in units of factor); a negative
// value or an older-units null is [NoLimit]; nil when neither key is there.
func readPolicyValue(raw map[string]json.RawMessage, key, older string, factor int64) *int64 {
	v, ok := raw[key]
	if !ok {
		if v, ok = raw[older]; !ok {
			return nil
		}
	} else {
		factor = 1
	}
	var f *float64
	if json.Unmarshal(v, &f) != nil {
		return nil
	}
	n := NoLimit
	if f != nil && *f >= 0 {
		n = int64(*f * float64(factor))
	}
	return &n
}

// StoragePoliciesUpdate is a PATCH: a nil policy, or a nil field, is left
// unchanged; [NoLimit] removes the limit.
type StoragePoliciesUpdate struct {
	Retention *StoragePolicy `json:"retentionPolicies,omitempty"`
	Offload   *StoragePolicy `json:"offloadPolicies,omitempty"`
}

// GetStoragePolicies returns a Pulsar add-on's storage policies.
//
// Clever Cloud API: GET /v4/addon-providers/addon-pulsar/addons/{addonId}/storage-policies
func (c *Client) GetStoragePolicies(ctx context.Context, addonID string) (*StoragePolicies, error) {
	return c.storagePolicies(ctx, http.MethodGet, addonID, nil)
}

// UpdateStoragePolicies changes a Pulsar add-on's storage policies and
// returns them as they stand afterwards.
//
// Clever Cloud API: PATCH /v4/addon-providers/addon-pulsar/addons/{addonId}/storage-policies
func (c *Client) UpdateStoragePolicies(ctx context.Context, addonID string, update StoragePoliciesUpdate) (*StoragePolicies, error) {
	return c.storagePolicies(ctx, http.MethodPatch, addonID, update)
}

func (c *Client) storagePolicies(ctx context.Context, method, addonID string, body any) (*StoragePolicies, error) {
	return call[StoragePolicies](ctx, c, method, buildPath("v4/addon-providers/addon-pulsar/addons/%s/storage-policies", addonID), nil, body)
}
