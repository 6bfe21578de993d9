package resolvers

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/graph/model"
	"github.com/cleverql/gateway/upstream"
)

// storagePoliciesUpdate converts the mutation's input: an omitted policy or
// field is not sent; null is sent as the upstream's "no limit". Values
// arrive checked (whole, non-negative, finite: see the gateway's argument
// rules); an input that changes nothing is refused.
func storagePoliciesUpdate(in model.PulsarStoragePoliciesInput) (upstream.StoragePoliciesUpdate, error) {
	var update upstream.StoragePoliciesUpdate
	update.Retention, update.Offload = policyUpdate(in.Retention), policyUpdate(in.Offload)
	if update.Retention == nil && update.Offload == nil {
		return update, gqlerr.BadInput("input changes nothing: give retention and/or offload with sizeInBytes and/or durationInMinutes")
	}
	return update, nil
}

func policyUpdate(in *model.PulsarPolicyInput) *upstream.StoragePolicy {
	if in == nil {
		return nil
	}
	p := upstream.StoragePolicy{
		SizeInBytes:       limitValue(in.SizeInBytes, func(v float64) int64 { return int64(v) }),
		DurationInMinutes: limitValue(in.DurationInMinutes, func(v int) int64 { return int64(v) }),
	}
	if p.SizeInBytes == nil && p.DurationInMinutes == nil {
		return nil
	}
	return &p
}

// limitValue reads one omittable limit: nil when omitted, [upstream.NoLimit]
// for null, else the value.
func limitValue[T any](o graphql.Omittable[*T], convert func(T) int64) *int64 {
	v, set := o.ValueOK()
	if !set {
		return nil
	}
	n := upstream.NoLimit
	if v != nil {
		n = convert(*v)
	}
	return &n
}
