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
	var raw struct {
		SizeInBytes       *int64           `json:"sizeInBytes"`
		DurationInMinutes *int64           `json:"durationInMinutes"`
		SizeInMB          *json.RawMessage `json:"sizeInMB"`
		DurationInDays    *json.RawMessage `json:"durationInDays"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = StoragePolicy{SizeInBytes: raw.SizeInBytes, DurationInMinutes: raw.DurationInMinutes}
	if p.SizeInBytes == nil && raw.SizeInMB != nil {
		p.SizeInBytes = scaled(*raw.SizeInMB, 1<<20) // Pulsar's MB are MiB
	}
	if p.DurationInMinutes == nil && raw.DurationInDays != nil {
		p.DurationInMinutes = scaled(*raw.DurationInDays, 24*60)
	}
	return nil
}

// scaled converts an older-unit value; null (present but empty) is no limit.
func scaled(raw json.RawMessage, factor int64) *int64 {
	var v *float64
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	n := NoLimit
	if v != nil && *v >= 0 {
		n = int64(*v * float64(factor))
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
