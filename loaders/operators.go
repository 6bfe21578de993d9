package loaders

import (
	"context"

	"github.com/cleverql/gateway/upstream"
)

func (l *Loaders) initOperators() {
	l.addons = newListLoader(l, "addons", func(ctx context.Context, k idKey) ([]upstream.Addon, error) {
		self, err := l.isSelf(ctx, k.token, k.id)
		if err != nil {
			return nil, err
		}
		return l.as(k.token).ListAddons(ctx, k.id, self)
	}, nil)
	l.operator = newLoader(l, "operator", func(ctx context.Context, k operatorKey) (*upstream.Operator, error) {
		return l.as(k.token).GetOperator(ctx, k.kind, k.id)
	})
	l.pulsar = newLoader(l, "pulsar", func(ctx context.Context, k idKey) (*upstream.StoragePolicies, error) {
		return l.as(k.token).GetStoragePolicies(ctx, k.id)
	})
}

// Operator returns an operator by kind and add-on realId.
func Operator(ctx context.Context, kind upstream.OperatorKind, realID string) (*upstream.Operator, error) {
	l, err := from(ctx, groupOperators)
	if err != nil {
		return nil, err
	}
	return l.operator.Load(ctx, operatorKey{l.token, kind, realID})()
}

// Operators returns an owner's operators: its v2 add-ons whose provider is
// an operator, each read from v4, concurrently. An operator that fails to
// load is left out and its error returned beside the others, so one broken
// add-on does not hide the rest.
func Operators(ctx context.Context, ownerID string) ([]upstream.Operator, []error, error) {
	l, err := from(ctx, groupOperators)
	if err != nil {
		return nil, nil, err
	}
	addons, err := l.addons.get(ctx, idKey{l.token, ownerID})
	if err != nil {
		return nil, nil, err
	}
	var thunks []func() (*upstream.Operator, error)
	for _, a := range addons {
		if kind, ok := upstream.OperatorKindOfProvider(a.Provider.ID); ok {
			thunks = append(thunks, l.operator.Load(ctx, operatorKey{l.token, kind, a.RealID}))
		}
	}
	ops := make([]upstream.Operator, 0, len(thunks))
	var errs []error
	for _, thunk := range thunks {
		op, err := thunk()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ops = append(ops, *op)
	}
	return ops, errs, nil
}

// StoragePolicies returns a Pulsar add-on's storage policies.
func StoragePolicies(ctx context.Context, addonID string) (*upstream.StoragePolicies, error) {
	l, err := from(ctx, groupOperators)
	if err != nil {
		return nil, err
	}
	return l.pulsar.Load(ctx, idKey{l.token, addonID})()
}
