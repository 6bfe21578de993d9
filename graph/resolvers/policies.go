package resolvers

import (
	"math"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/graph/model"
	"github.com/cleverql/gateway/upstream"
)

// maxPolicySize is the largest size a float64 holds exactly (2^53 bytes, 8 PiB).
const maxPolicySize = 1 << 53

// storagePoliciesUpdate converts the mutation's input: an omitted policy or
// field is not sent; null is sent as the upstream's "no limit"; anything but
// a whole, non-negative, finite number is refused before any upstream call.
func storagePoliciesUpdate(in model.PulsarStoragePoliciesInput) (upstream.StoragePoliciesUpdate, error) {
	var update upstream.StoragePoliciesUpdate
	var err error
	if update.Retention, err = policyUpdate("retention", in.Retention); err != nil {
		return update, err
	}
	if update.Offload, err = policyUpdate("offload", in.Offload); err != nil {
		return update, err
	}
	if update.Retention == nil && update.Offload == nil {
		return update, gqlerr.BadInput("input changes nothing: give retention and/or offload with sizeInBytes and/or durationInMinutes")
	}
	return update, nil
}

func policyUpdate(name string, in *model.PulsarPolicyInput) (*upstream.StoragePolicy, error) {
	if in == nil {
		return nil, nil
	}
	var p upstream.StoragePolicy
	var err error
	if p.SizeInBytes, err = limitValue(name+".sizeInBytes", in.SizeInBytes, func(v float64) (int64, bool) {
		ok := !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 && v == math.Trunc(v) && v <= maxPolicySize
		return int64(v), ok
	}); err != nil {
		return nil, err
	}
	if p.DurationInMinutes, err = limitValue(name+".durationInMinutes", in.DurationInMinutes, func(v int) (int64, bool) {
		return int64(v), v >= 0
	}); err != nil {
		return nil, err
	}
	if p.SizeInBytes == nil && p.DurationInMinutes == nil {
		return nil, nil
	}
	return &p, nil
}

// limitValue reads one omittable limit: nil when omitted, [upstream.NoLimit]
// for null, else the checked value.
func limitValue[T any](field string, o graphql.Omittable[*T], check func(T) (int64, bool)) (*int64, error) {
	v, set := o.ValueOK()
	if !set {
		return nil, nil
	}
	n := upstream.NoLimit
	if v != nil {
		var ok bool
		if n, ok = check(*v); !ok {
			return nil, gqlerr.BadInput("%s must be a whole, non-negative number (null for no limit), got %v", field, *v)
		}
	}
	return &n, nil
}
