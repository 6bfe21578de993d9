package upstreamtest

// mebibyte and minutesPerDay convert between the current Pulsar units
// (sizeInBytes, durationInMinutes) and the older seed ones (sizeInMB,
// durationInDays).
const (
	mebibyte      = 1 << 20
	minutesPerDay = 24 * 60
)

// policy is a retention or offload policy in the current units; a negative
// value means no limit.
type policy struct {
	SizeInBytes       int64 `json:"sizeInBytes"`
	DurationInMinutes int64 `json:"durationInMinutes"`
}

// storagePolicies is the storage-policies body in the current units.
type storagePolicies struct {
	RetentionPolicies policy `json:"retentionPolicies"`
	OffloadPolicies   policy `json:"offloadPolicies"`
}

// legacyPolicy is a policy in the older seed units; null means no limit.
type legacyPolicy struct {
	SizeInMB       *int64 `json:"sizeInMB"`
	DurationInDays *int64 `json:"durationInDays"`
}

type legacyStoragePolicies struct {
	RetentionPolicies legacyPolicy `json:"retentionPolicies"`
	OffloadPolicies   legacyPolicy `json:"offloadPolicies"`
}

// pulsarRecord is a Pulsar add-on's storage policies.
type pulsarRecord struct {
	ownerID  string
	legacy   bool // answer in sizeInMB and durationInDays
	policies storagePolicies
}

func newPulsar(a *addon, ownerID string, legacy bool) *pulsarRecord {
	rec := &pulsarRecord{ownerID: ownerID, legacy: legacy}
	if legacy {
		rec.policies = storagePolicies{
			RetentionPolicies: policy{SizeInBytes: 2048 * mebibyte, DurationInMinutes: -1},
			OffloadPolicies:   policy{SizeInBytes: 512 * mebibyte, DurationInMinutes: 3 * minutesPerDay},
		}
	} else {
		rec.policies = storagePolicies{
			RetentionPolicies: policy{SizeInBytes: 10 << 30, DurationInMinutes: 7 * minutesPerDay},
			OffloadPolicies:   policy{SizeInBytes: -1, DurationInMinutes: 24 * 60},
		}
	}
	return rec
}

// wire returns the policies in the units this add-on answers with.
func (p *pulsarRecord) wire() any {
	if !p.legacy {
		return p.policies
	}
	old := func(pol policy) legacyPolicy {
		var out legacyPolicy
		if pol.SizeInBytes >= 0 {
			out.SizeInMB = ptr(pol.SizeInBytes / mebibyte)
		}
		if pol.DurationInMinutes >= 0 {
			out.DurationInDays = ptr(pol.DurationInMinutes / minutesPerDay)
		}
		return out
	}
	return legacyStoragePolicies{RetentionPolicies: old(p.policies.RetentionPolicies), OffloadPolicies: old(p.policies.OffloadPolicies)}
}
